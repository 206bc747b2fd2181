"""Memory statistics and cache control of the flagos device allocator, as ``torch.cuda.memory``.

The numbers come from the platform's device allocator (host: flagos' caching allocator over host
RAM; cuda: PyTorch's CUDA caching allocator, shared with cuda tensors), through the same
``torch.accelerator`` interface PyTorch uses for every accelerator. Keys match CUDA's.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

import torch

from .. import _runtime
from ._devices import DeviceLike, _index


def memory_stats(device: DeviceLike = None) -> OrderedDict[str, Any]:
    return torch.accelerator.memory_stats(_index(device))


def memory_allocated(device: DeviceLike = None) -> int:
    """Bytes currently held by flagos tensors on ``device``."""
    return torch.accelerator.memory_allocated(_index(device))


def max_memory_allocated(device: DeviceLike = None) -> int:
    return torch.accelerator.max_memory_allocated(_index(device))


def memory_reserved(device: DeviceLike = None) -> int:
    """Bytes the allocator holds on ``device`` (in use plus cached)."""
    return torch.accelerator.memory_reserved(_index(device))


def max_memory_reserved(device: DeviceLike = None) -> int:
    return torch.accelerator.max_memory_reserved(_index(device))


def reset_peak_memory_stats(device: DeviceLike = None) -> None:
    torch.accelerator.reset_peak_memory_stats(_index(device))


def reset_accumulated_memory_stats(device: DeviceLike = None) -> None:
    torch.accelerator.reset_accumulated_memory_stats(_index(device))


def empty_cache() -> None:
    """Returns cached, unused device memory (and pinned host memory) to the platform."""
    torch.accelerator.empty_cache()
    _runtime.empty_host_cache()


def mem_get_info(device: DeviceLike = None) -> tuple[int, int]:
    """(free, total) bytes of ``device`` as the platform reports them."""
    return torch.accelerator.get_memory_info(_index(device))
