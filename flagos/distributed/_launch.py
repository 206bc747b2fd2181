"""Start a flagos process group from a launcher's environment (torchrun, or by hand).

torchrun gives each worker ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and ``MASTER_ADDR``/``PORT``;
the one thing it cannot do is pick the worker's device. :func:`init` makes ``flagos:LOCAL_RANK``
current, as ``torch.cuda.set_device(local_rank)`` does for CUDA, so that tensors created with
``device="flagos"`` and the engine's communicators land on the worker's own device.
"""
from __future__ import annotations

import os
from typing import Any, Optional

import torch
import torch.distributed as dist

from .. import _runtime
from ._process_group import NAME


def local_rank() -> int:
    """``LOCAL_RANK`` from the launcher (0 without one)."""
    return int(os.environ.get("LOCAL_RANK", "0"))


def init(backend: str = NAME, device: Optional[int] = None, **kwargs: Any) -> torch.device:
    """Selects this worker's flagos device and initialises the default process group.

    ``device`` defaults to ``LOCAL_RANK``; ``kwargs`` go to ``torch.distributed.init_process_group``
    (``init_method`` defaults to ``env://``, as torchrun expects). Returns the selected device.
    """
    index = local_rank() if device is None else device
    count = torch.flagos.device_count()
    if not 0 <= index < count:
        raise RuntimeError(
            f"flagos.distributed: worker with local rank {index} needs flagos:{index}, but {count} flagos device(s) "
            "are available; start at most that many processes per node (torchrun --nproc-per-node)"
            + (" or raise FLAGOS_HOST_DEVICE_COUNT" if _runtime.platform() == "host" else "")
        )
    torch.flagos.set_device(index)
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, **kwargs)
    return torch.device("flagos", index)
