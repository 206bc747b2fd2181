"""torch.distributed.checkpoint's file writer on flagos tensors when another accelerator is present.

DCP's FileSystemWriter stages tensors to the CPU through ``_OverlappingCpuLoader``, which moves
tensors of one device type only: ``torch._utils._get_available_device_type()``, that is "cuda"
whenever CUDA is available. On the cuda platform flagos tensors would reach the writer still on
the device and fail with "Tensor must be on CPU". The loader is given native aliases of flagos
tensors instead (same memory; its own stream copies them, ordered after the current stream, which
flagos shares with cuda). The patch is applied when DCP's filesystem module is imported: importing
it here would add about 2 s to ``import flagos``.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any, Callable, Optional, Sequence

import torch

FILESYSTEM = "torch.distributed.checkpoint.filesystem"


def _staged(resolve: Callable[[Any], Any], device_type: str) -> Callable[[Any], Any]:
    """``resolve`` giving, for a flagos tensor, what a loader that moves ``device_type`` tensors can
    stage: its native alias where that is of ``device_type``, else a CPU copy made here (always,
    where there are no native aliases)."""
    from .. import _runtime

    aliases = _runtime.native_aliases_readable()  # none where ATen cannot read flagos memory (ascend)

    def resolve_data(item: Any) -> Any:
        data = resolve(item)
        if isinstance(data, torch.Tensor) and data.device.type == "flagos":
            native = _runtime.to_native(data) if aliases else data
            return native if native.device.type == device_type else data.cpu()
        return data

    return resolve_data


def patch(module: ModuleType) -> None:
    """Makes ``module._OverlappingCpuLoader`` stage flagos tensors too (idempotent)."""
    loader = getattr(module, "_OverlappingCpuLoader", None)
    if loader is None or getattr(loader, "_flagos_aware", False):
        return

    class FlagosAwareLoader(loader):  # type: ignore[misc, valid-type]
        _flagos_aware = True

        def __init__(self, resolve_fun: Callable[[Any], Any], *args: Any, **kwargs: Any) -> None:
            super().__init__(resolve_fun, *args, **kwargs)
            if self.device_type != "flagos":  # it moves another device's tensors: give it those
                self.resolve_fun = _staged(self.resolve_fun, self.device_type)

    FlagosAwareLoader.__name__ = FlagosAwareLoader.__qualname__ = loader.__name__
    module._OverlappingCpuLoader = FlagosAwareLoader


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Runs :func:`patch` right after DCP's filesystem module is first executed."""

    def find_spec(self, name: str, path: Optional[Sequence[str]], target: Optional[ModuleType] = None
                  ) -> Optional[importlib.machinery.ModuleSpec]:
        if name != FILESYSTEM:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        execute = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            patch(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    if FILESYSTEM in sys.modules:
        patch(sys.modules[FILESYSTEM])
    elif not any(isinstance(f, _PatchOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())
