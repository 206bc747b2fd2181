"""Typed access to the native runtime's functions (``torch.ops.flagos.*``).

Everything the Python package asks of the C++ runtime goes through this module, so the set of
native entry points stays small and visible in one place.
"""
from __future__ import annotations

import dataclasses
import enum

import torch


@dataclasses.dataclass(frozen=True)
class FlagosDeviceProperties:
    """A flagos device's properties (torch.flagos.get_device_properties), from the HAL's
    flagos_hal_device_properties."""

    name: str
    total_memory: int
    major: int
    minor: int
    multi_processor_count: int
    platform: str

    def __repr__(self) -> str:
        return (
            f"FlagosDeviceProperties(name='{self.name}', platform='{self.platform}', major={self.major}, "
            f"minor={self.minor}, total_memory={self.total_memory // (1024 * 1024)}MB, "
            f"multi_processor_count={self.multi_processor_count})"
        )


def platform() -> str:
    return torch.ops.flagos.platform()


def native_aliases_readable() -> bool:
    """Whether ATen can read flagos memory through native aliases (host, cuda: yes; ascend, or the
    host with FLAGOS_HOST_OPAQUE_MEMORY=1: no; see runtime/core/platform.h)."""
    return bool(torch.ops.flagos.native_aliases_readable())


def device_count() -> int:
    return int(torch.ops.flagos.device_count())


def device_properties(device: int) -> FlagosDeviceProperties:
    return FlagosDeviceProperties(*torch.ops.flagos.device_properties(device), platform())


def register_direct_kernels() -> None:
    """Registers the runtime's kernels that are not routed (load time, flagos/_loader.py)."""
    torch.ops.flagos._register_direct_kernels()


# ---- the native bridge (runtime/dispatch/bridge.h) -----------------------------------------------


def to_native(t: torch.Tensor) -> torch.Tensor:
    """A tensor of the native device over the same memory as flagos tensor ``t``."""
    return torch.ops.flagos.to_native(t)


def from_native(t: torch.Tensor, device: int) -> torch.Tensor:
    """Native tensor ``t`` as a flagos tensor of ``device``: aliases map back, pool memory is
    adopted, anything else is copied."""
    return torch.ops.flagos.from_native(t, device)


# ---- graphs (runtime/graph) ----------------------------------------------------------------------


def graph_pool_handle() -> tuple[int, int]:
    return tuple(torch.ops.flagos.graph_pool_handle())  # type: ignore[return-value]


def is_current_stream_capturing() -> bool:
    return bool(torch.ops.flagos.is_current_stream_capturing())


def register_accelerator_graph() -> None:
    """Makes flagos' graph torch.accelerator.Graph's implementation for the flagos device."""
    torch.ops.flagos._register_accelerator_graph()


def default_generator(device: int) -> torch.Generator:
    return torch.ops.flagos.default_generator(device)


def forks_in_ancestry() -> int:
    """How many fork()s separate this process from the first one that loaded the runtime."""
    return int(torch.ops.flagos._forks_in_ancestry())


def set_bad_fork(reason: str) -> None:
    """Makes HAL errors in this (forked) process lead with `reason`."""
    torch.ops.flagos._set_bad_fork(reason)


def bridge_stats() -> dict[str, int]:
    return dict(torch.ops.flagos.bridge_stats())


def empty_host_cache() -> None:
    torch.ops.flagos.empty_host_cache()


# ---- routing (runtime/routing) -------------------------------------------------------------------


def native_dispatch_key() -> str:
    return torch.ops.flagos._native_dispatch_key()


def set_providers(names: list[str], kinds: list[int]) -> None:
    torch.ops.flagos._routing_set_providers(names, kinds)


def set_routing_table(ops: list[str], providers: list[int], default_policy: list[int]) -> None:
    torch.ops.flagos._routing_set_table(ops, providers, default_policy)


def route(op: str) -> str:
    """The provider a call of ``op`` (qualified: ``aten::add.Tensor``) goes to now."""
    return torch.ops.flagos._routing_route(op)


class Serving(enum.IntEnum):
    """How an operator is served on flagos tensors (runtime/dispatch/registration.h: Serving)."""

    GENERIC = 0     # the generic kernel: routable
    COMPOSITE = 1   # decomposed by a composite, but can be given the generic kernel to be routed whole
    DECOMPOSED = 2  # a decomposition without an autograd formula: its parts are routed
    RUNTIME = 3     # an explicit kernel of flagos' runtime (views, copies, factories), or a transfer
    UNKNOWN = 4     # no such operator

    @property
    def routable(self) -> bool:
        return self in (Serving.GENERIC, Serving.COMPOSITE)


def check_serving_enum() -> None:
    """Fails loudly if this mirror and the runtime's enum have drifted apart."""
    names = [n.lower() for n in torch.ops.flagos._routing_status_names()]
    mine = [s.name.lower() for s in Serving]
    if names != mine:
        raise ImportError(f"flagos: the native library's Serving values {names} differ from flagos/_runtime.py's "
                          f"{mine}: the package and libflagos.so come from different builds; reinstall flagos")


def routing_status(op: str) -> Serving:
    return Serving(torch.ops.flagos._routing_status(op))


def serve_directly(op: str) -> None:
    torch.ops.flagos._routing_serve(op)


def unserve(op: str) -> None:
    torch.ops.flagos._routing_unserve(op)


def cpu_unsupported(op: str) -> str:
    return torch.ops.flagos._routing_cpu_unsupported(op)


def set_trace_mode(mode: int) -> None:
    torch.ops.flagos._trace_mode(mode)


def take_trace() -> list[tuple[str, str, str, int, int]]:
    ops, providers, signatures, calls, ns = torch.ops.flagos._trace_take()
    return list(zip(ops, providers, signatures, calls, ns))
