"""Options objects of torch.distributed's ProcessGroup calls, as the flagos process group needs
them: the overloads' argument forms normalised, copies with a changed reduction, and the names of
the single-tensor collectives in this torch."""
from __future__ import annotations

from typing import Any, Callable, Sequence, TypeVar

import torch
import torch.distributed as dist

ReduceOp = dist.ReduceOp
RedOpType = dist.ReduceOp.RedOpType
OptionsT = TypeVar("OptionsT")
ReduceArg = Any  # an options object, a ReduceOp or RedOpType, or None

_OPTION_FIELDS = ("asyncOp", "timeout", "reduceOp", "rootRank", "rootTensor", "device", "device_ids")


def copy_options(opts: OptionsT) -> OptionsT:
    """A fresh options object with the same fields (pybind options have no copy support)."""
    fresh = type(opts)()
    for field in _OPTION_FIELDS:
        if hasattr(opts, field):
            setattr(fresh, field, getattr(opts, field))
    return fresh


def with_sum(opts: OptionsT) -> OptionsT:
    fresh = copy_options(opts)
    fresh.reduceOp = ReduceOp.SUM  # type: ignore[attr-defined]
    return fresh


def options(cls: Callable[[], OptionsT], opts: Any) -> OptionsT:
    """ProcessGroup's overloads take an options object, a ReduceOp, or nothing."""
    if opts is None:
        return cls()
    if isinstance(opts, (ReduceOp, RedOpType)):
        fresh = cls()
        fresh.reduceOp = opts  # type: ignore[attr-defined]
        return fresh
    return opts


def rooted(cls: Callable[[], OptionsT], opts: Any, extra: Sequence[Any] = ()) -> OptionsT:
    """Options for rooted collectives, which also come as ``(..., root)`` or ``(..., root, op)``."""
    if isinstance(opts, int) and not isinstance(opts, bool):
        fresh = cls()
        fresh.rootRank = opts  # type: ignore[attr-defined]
        if hasattr(fresh, "rootTensor"):
            fresh.rootTensor = 0  # type: ignore[attr-defined]
        if extra:
            fresh.reduceOp = extra[0]  # type: ignore[attr-defined]
        return fresh
    return options(cls, opts)


def _current_name(name: str, older_name: str) -> str:
    """``name`` if this torch's ProcessGroup has it, else its name before torch 2.13 renamed the
    single-tensor collectives (FlagosProcessGroup answers to both)."""
    return name if hasattr(dist.ProcessGroup, name) else older_name


ALL_GATHER_SINGLE = _current_name("all_gather_single", "_allgather_base")
ALL_GATHER_SINGLE_COALESCED = _current_name("all_gather_single_coalesced", "allgather_into_tensor_coalesced")
REDUCE_SCATTER_SINGLE = _current_name("reduce_scatter_single", "_reduce_scatter_base")
REDUCE_SCATTER_SINGLE_COALESCED = _current_name("reduce_scatter_single_coalesced", "reduce_scatter_tensor_coalesced")
ALL_TO_ALL_SINGLE = _current_name("all_to_all_single", "alltoall_base")


def scalar(value: Any, like: torch.Tensor) -> torch.Tensor:
    """A scaling factor as a 0-dim tensor of ``like``'s dtype (cpu for numbers). A Python number is
    a double that the native kernel first casts to the tensor's dtype, into a temporary; on the
    host platform, kernel temporaries come from the flagos pool, so an emulated AVG would show up
    as a flagos allocation. A cpu scalar of the right dtype needs no temporary on any platform."""
    if isinstance(value, torch.Tensor):
        return value.detach().to(dtype=like.dtype)
    return torch.tensor(value, dtype=like.dtype)
