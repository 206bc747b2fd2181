"""Hand flagos tensors to a collective engine: native aliases over the same memory.

``torch.ops.flagos.to_native`` gives a tensor of the platform's native device (cpu on host, cuda
on CUDA) that shares the flagos tensor's memory, sizes, strides and offset. The engine reads
inputs and writes results through those aliases, so results land in flagos memory with no copy,
and an alias keeps its flagos storage alive for as long as the engine holds it.

Where ATen cannot read flagos memory (ascend) there are no aliases: :class:`Staging` gives the
engine host copies instead, filled just before the engine is called and copied back when the
collective completes, which is what the engine would have left in aliased memory.
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch

from .. import _runtime
from ._engines import Engine

FLAGOS = "flagos"

Tensors = Sequence[torch.Tensor]
NestedTensors = Sequence[Sequence[torch.Tensor]]


class CollectiveError(RuntimeError):
    """A collective that flagos cannot run as asked (names the collective, dtype and engine)."""


def describe(tensors: Union[torch.Tensor, Sequence]) -> str:
    """'torch.float32 on flagos:0' style summary of the tensors of a call, for error messages."""
    flat = list(_flatten(tensors))
    kinds = sorted({f"{t.dtype} on {t.device}" for t in flat})
    return ", ".join(kinds) if kinds else "no tensors"


def _flatten(tensors: Union[torch.Tensor, Sequence]) -> list[torch.Tensor]:
    if isinstance(tensors, torch.Tensor):
        return [tensors]
    out: list[torch.Tensor] = []
    for item in tensors:
        out.extend(_flatten(item))
    return out


def to_native(t: torch.Tensor, collective: str, native_devices: tuple[str, ...],
              staging: Optional["Staging"] = None) -> torch.Tensor:
    """The engine's view of ``t``: a native alias of a flagos tensor (a host copy under
    ``staging``), native tensors as they are."""
    kind = t.device.type
    if kind == FLAGOS:
        if t.layout != torch.strided:
            raise CollectiveError(
                f"flagos.distributed: {collective} supports dense (strided) flagos tensors only, got {t.layout}"
            )
        return staging.stage(t) if staging is not None else _runtime.to_native(t)
    if kind in native_devices:
        return t
    raise CollectiveError(
        f"flagos.distributed: {collective} got a tensor on {t.device}; the flagos process group takes "
        f"flagos tensors and tensors on {' or '.join(native_devices)}"
    )


def check_dtype(t: torch.Tensor, collective: str, engine: Engine) -> None:
    """Refuses, naming it, a dtype that ``engine``'s collectives do not take."""
    if engine.dtypes is not None and t.dtype not in engine.dtypes:
        names = ", ".join(sorted(str(d).replace("torch.", "") for d in engine.dtypes))
        raise CollectiveError(
            f"flagos.distributed: {collective} does not support {t.dtype} tensors: the {engine.name} engine "
            f"({engine.platform} platform) takes {names}"
        )


class Staging:
    """Host copies standing in for native aliases during one collective."""

    def __init__(self) -> None:
        self._pairs: list[tuple[torch.Tensor, torch.Tensor]] = []

    def stage(self, t: torch.Tensor) -> torch.Tensor:
        host = torch.empty(t.shape, dtype=t.dtype)
        self._pairs.append((t, host))
        return host

    def upload(self) -> None:
        """Fills the host copies: right before the engine runs, so in-place steps taken between
        staging and the call (the scaling of emulated reductions) are in what it reads."""
        for t, host in self._pairs:
            host.copy_(t)

    def download(self) -> None:
        """Copies what the engine left in the host copies back into the flagos tensors."""
        with torch.no_grad():
            for t, host in self._pairs:
                t.copy_(host)


def to_native_list(tensors: Tensors, collective: str, native_devices: tuple[str, ...],
                   staging: Optional[Staging] = None) -> list[torch.Tensor]:
    return [to_native(t, collective, native_devices, staging) for t in tensors]


def as_list(tensors: Union[torch.Tensor, Tensors]) -> list[torch.Tensor]:
    """Tensor-or-list arguments (ProcessGroup's overloads accept both) as a list."""
    return [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)


def as_nested(tensors: Union[Tensors, NestedTensors]) -> list[list[torch.Tensor]]:
    """A list of tensors or a list of lists (ProcessGroup's overloads accept both) as a list of lists."""
    items = list(tensors)
    if items and isinstance(items[0], torch.Tensor):
        return [items]  # type: ignore[list-item]
    return [list(inner) for inner in items]
