"""Loads flagos' native library into the running PyTorch.

The library registers the flagos device with PyTorch's C++ core (allocator, device guard, hooks,
generators, operator kernels) through static initialisers and exposes its runtime functions as
``torch.ops.flagos.*``; it links no CPython symbol, which is why one wheel serves every CPython 3.x.
It is ABI-bound to the torch it was compiled against, so that match is checked before loading:
a mismatch would otherwise show up as an undefined-symbol error or a crash.
"""
from __future__ import annotations

import pathlib

import torch

from . import _build_info, _runtime, _vendor_runtime

_LIBRARY = pathlib.Path(__file__).with_name("libflagos.so")


def _public(version: str) -> str:
    return version.split("+", 1)[0]


def check_torch_version() -> None:
    built, running = _build_info.TORCH_VERSION, torch.__version__
    if _public(built) != _public(running):
        raise ImportError(
            f"flagos {_build_info.VERSION} was built for torch {built} but torch {running} is installed. "
            f"Install torch=={_public(built)} (pip install torch=={_public(built)}), or build flagos against "
            f"the installed torch (./bazelw build //:wheel with a lock file that pins it)."
        )


def load() -> None:
    """Loads the native library once; later calls do nothing."""
    if str(_LIBRARY) in torch.ops.loaded_libraries:
        return
    if not _LIBRARY.exists():
        raise ImportError(f"flagos' native library is missing: {_LIBRARY}. Reinstall the flagos wheel.")
    check_torch_version()
    _vendor_runtime.preload(_build_info.PLATFORM)
    torch.ops.load_library(str(_LIBRARY))
    # After the library's own registrations: the kernels decided at load (runtime/dispatch/registration.h).
    _runtime.register_direct_kernels()
    _runtime.check_serving_enum()
