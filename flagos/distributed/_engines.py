"""Which collective engine moves flagos tensors on each platform, and how to start it.

flagos has no communication library of its own: collectives run on the engine the platform's
vendor already ships (gloo for host memory, NCCL on CUDA), over native-device aliases of flagos
memory (on Ascend, for now, gloo over host copies: see below). An :class:`Engine` says what that
engine is called, which native device its tensors live on, which reductions it does itself (the
others are emulated by the process group), and how to construct its ``torch.distributed``
backend. CPU tensors always go to gloo, so object collectives and CPU-side state work on every
platform.
"""
from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Callable, Optional

import torch
import torch.distributed as dist

Backend = torch._C._distributed_c10d.Backend
BackendType = dist.ProcessGroup.BackendType


class EngineUnavailableError(RuntimeError):
    """The platform's collective engine is not part of this PyTorch installation."""


@dataclasses.dataclass(frozen=True)
class Engine:
    """A collective engine as flagos uses it.

    ``native_device``: the device type of ``torch.ops.flagos.to_native`` aliases on this platform
    (the engine sees only those). ``reduces_avg`` / ``reduces_premul_sum``: whether the engine
    implements ``ReduceOp.AVG`` / ``ReduceOp.PREMUL_SUM`` itself; where it does not, the flagos
    process group runs SUM and scales on the flagos device (FSDP2 asks for both). ``dtypes``: the
    dtypes its collectives take (point-to-point moves bytes and takes any), checked before the
    call because gloo reports others only at ``wait()``, as "Invalid scalar type"; None where the
    engine checks at call time itself.
    """

    name: str
    platform: str
    native_device: str
    backend_type: "BackendType"
    reduces_avg: bool
    reduces_premul_sum: bool
    dtypes: Optional[frozenset[torch.dtype]]
    _create: Callable[[dist.Store, int, int, timedelta], Backend] = dataclasses.field(repr=False)

    def create(self, store: dist.Store, rank: int, size: int, timeout: timedelta) -> Backend:
        """The engine's backend for one group, over its own key space of ``store``."""
        return self._create(dist.PrefixStore(f"{self.name}/", store), rank, size, timeout)


def _gloo(store: dist.Store, rank: int, size: int, timeout: timedelta) -> Backend:
    if not dist.is_gloo_available():
        raise EngineUnavailableError(
            "flagos.distributed: this PyTorch was built without gloo, which flagos uses for host memory"
        )
    return dist.ProcessGroupGloo(store, rank, size, timeout)


def _nccl(store: dist.Store, rank: int, size: int, timeout: timedelta) -> Backend:
    if not dist.is_nccl_available():
        raise EngineUnavailableError(
            "flagos.distributed: this platform's collectives run on NCCL, but this PyTorch has no NCCL "
            "(torch.distributed.is_nccl_available() is False); install a CUDA build of torch"
        )
    options = dist.ProcessGroupNCCL.Options()
    options._timeout = timeout
    return dist.ProcessGroupNCCL(store, rank, size, options)


# Measured on torch 2.13's gloo: these work in every collective; int16, uint16/32/64 and float8
# fail (send/recv take everything).
_GLOO_DTYPES = frozenset({
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
    torch.int8, torch.uint8, torch.int32, torch.int64, torch.bool,
})

GLOO = Engine("gloo", "host", "cpu", BackendType.GLOO, False, False, _GLOO_DTYPES, _gloo)

_ENGINES: dict[str, Engine] = {
    "host": GLOO,
    "cuda": Engine("nccl", "cuda", "cuda", BackendType.NCCL, True, True, None, _nccl),
    # MetaX's PyTorch build presents its devices as cuda and backs torch's NCCL process group with
    # MCCL, its NCCL-compatible library: the same engine, untested until a MetaX machine runs it.
    "metax": Engine("nccl", "metax", "cuda", BackendType.NCCL, True, True, None, _nccl),
    # gloo on host copies of NPU memory (the process group stages them: no ATen device reads NPU
    # memory). HCCL is the engine Ascend ships, but torch's HCCL backend is torch_npu's, which
    # takes the PrivateUse1 key flagos holds; an HCCL engine of flagos' own (HcclAllReduce... on
    # device pointers and flagos streams) is the next step, platforms/ascend/hal/README.md.
    "ascend": dataclasses.replace(GLOO, platform="ascend"),
}


def engine_for(platform: str, native_aliases: bool = True) -> Engine:
    """The engine that carries flagos tensors on ``platform`` (``flagos.platform``). Without native
    aliases (``native_aliases=False``: ascend, metax on the synthetic SDK) the process group stages
    host copies, so the engine is gloo whatever the platform's own would be."""
    try:
        engine = _ENGINES[platform]
    except KeyError:
        raise EngineUnavailableError(
            f"flagos.distributed: no collective engine is known for platform '{platform}' "
            f"(known: {', '.join(sorted(_ENGINES))})"
        ) from None
    return engine if native_aliases else dataclasses.replace(GLOO, platform=platform)


def host_engine(engine: Engine) -> Optional[Engine]:
    """The engine for CPU tensors when ``engine`` cannot take them (None where it is gloo)."""
    return None if engine.name == GLOO.name else GLOO
