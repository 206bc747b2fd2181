"""``torch.flagos``: the device module of the flagos backend, modelled on ``torch.cuda``.

Registered with ``torch._register_device_module("flagos", ...)`` by ``import flagos``, so
``torch.flagos.device_count()``, ``torch.flagos.manual_seed(0)``, ``torch.flagos.Stream()``...
work like their ``torch.cuda`` counterparts, and PyTorch's generic code (``torch.manual_seed``,
``torch.random.fork_rng``, autocast, serialization) finds what it needs here.
"""
from __future__ import annotations

import torch

from ._devices import (
    FlagosDeviceProperties,
    current_device,
    device,
    device_count,
    device_of,
    get_device_capability,
    get_device_name,
    get_device_properties,
    is_available,
    set_device,
    synchronize,
)
from .graphs import FlagosGraph, graph, graph_pool_handle, is_current_stream_capturing, make_graphed_callables
from .memory import (
    empty_cache,
    max_memory_allocated,
    max_memory_reserved,
    mem_get_info,
    memory_allocated,
    memory_reserved,
    memory_stats,
    reset_accumulated_memory_stats,
    reset_peak_memory_stats,
)
from .random import (
    default_generator,
    get_rng_state,
    get_rng_state_all,
    initial_seed,
    manual_seed,
    manual_seed_all,
    seed,
    seed_all,
    set_rng_state,
    set_rng_state_all,
)
from . import _fork
from .streams import Event, Stream, StreamContext, current_stream, default_stream, set_stream, stream

_initialized = False


def init() -> None:
    """Initialises the flagos runtime (raises if the platform cannot be used, or in a forked child
    that cannot use it: see _fork.py)."""
    global _initialized
    _fork.check_not_in_bad_fork()
    if not _initialized:
        if device_count() < 1:
            from ._devices import configuration_error

            raise RuntimeError(configuration_error() or "flagos: no flagos device is available on this platform")
        _fork.initialise_platform_runtime()
        _initialized = True


def is_initialized() -> bool:
    return _initialized


def _lazy_init() -> None:
    init()


def _is_in_bad_fork() -> bool:
    """Whether this is a forked child that cannot use flagos (per platform: _fork.py)."""
    return _fork.is_in_bad_fork()


def get_amp_supported_dtype() -> list[torch.dtype]:
    """dtypes torch.autocast('flagos') may cast to."""
    return [torch.float16, torch.bfloat16]


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return True


__all__ = [
    "Event",
    "FlagosDeviceProperties",
    "FlagosGraph",
    "graph",
    "graph_pool_handle",
    "is_current_stream_capturing",
    "make_graphed_callables",
    "Stream",
    "StreamContext",
    "current_device",
    "current_stream",
    "default_generator",
    "default_stream",
    "device",
    "device_count",
    "device_of",
    "empty_cache",
    "get_amp_supported_dtype",
    "get_device_capability",
    "get_device_name",
    "get_device_properties",
    "get_rng_state",
    "get_rng_state_all",
    "init",
    "initial_seed",
    "is_available",
    "is_bf16_supported",
    "is_initialized",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "max_memory_reserved",
    "mem_get_info",
    "memory_allocated",
    "memory_reserved",
    "memory_stats",
    "reset_accumulated_memory_stats",
    "reset_peak_memory_stats",
    "seed",
    "seed_all",
    "set_device",
    "set_rng_state",
    "set_rng_state_all",
    "set_stream",
    "stream",
    "synchronize",
]


def __getattr__(name: str) -> object:
    """Inductor's code generators for flagos (``torch.flagos.Scheduling`` ...), registered on first use."""
    from .. import _inductor

    return _inductor.device_module_attribute(name)
