"""``torch.distributed.batch_isend_irecv`` that batches on flagos groups as it does on NCCL's own.

torch groups a batch of sends and receives into one engine call (NCCL's ncclGroupStart/End) only
when ``type(group) is ProcessGroup``; a flagos group is a subclass (the Python way to take
collectives), so torch would issue the operations one by one instead. On NCCL that deadlocks the
most common pattern, every rank posting ``irecv`` before ``isend``: each receive waits for a send
queued behind its peer's receive. This wrapper takes torch's batched path for flagos groups whose
engine batches (``supports_coalescing``: NCCL) and leaves every other call to torch unchanged.
"""
from __future__ import annotations

import functools
from typing import Callable

import torch.distributed as dist
import torch.distributed.distributed_c10d as c10d

from ._process_group import FlagosProcessGroup


def _peer(op: dist.P2POp) -> dict[str, int]:
    return {"group_dst" if op.op is dist.isend else "group_src": op.group_peer}


def _batched(original: Callable[[list[dist.P2POp]], list[dist.Work]]
             ) -> Callable[[list[dist.P2POp]], list[dist.Work]]:
    @functools.wraps(original)
    def batch_isend_irecv(p2p_op_list: list[dist.P2POp]) -> list[dist.Work]:
        group = p2p_op_list[0].group if p2p_op_list else None
        if group is None and dist.is_initialized():
            group = c10d._get_default_group()
        if not isinstance(group, FlagosProcessGroup):
            return original(p2p_op_list)
        c10d._check_p2p_op_list(p2p_op_list)
        device = p2p_op_list[0].tensor.device
        if not group._get_backend(device).supports_coalescing:  # gloo: one by one, as torch does
            return original(p2p_op_list)
        with c10d._coalescing_manager(group, device, async_ops=True) as cm:
            for op in p2p_op_list:
                op.op(op.tensor, group=op.group, tag=op.tag, **_peer(op))
        return cm.works

    batch_isend_irecv.__flagos_batched__ = True  # type: ignore[attr-defined]
    return batch_isend_irecv


def install() -> None:
    """Puts the wrapper in ``torch.distributed`` (both names user code reaches it by). Idempotent."""
    current = c10d.batch_isend_irecv
    if getattr(current, "__flagos_batched__", False):
        return
    wrapped = _batched(current)
    c10d.batch_isend_irecv = wrapped
    dist.batch_isend_irecv = wrapped
