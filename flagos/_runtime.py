"""Typed access to the native runtime's functions (``torch.ops.flagos.*``).

Everything the Python package asks of the C++ runtime goes through this module, so the set of
native entry points stays small and visible in one place.
"""
from __future__ import annotations

from typing import NamedTuple

import torch


class NativeDeviceProperties(NamedTuple):
    name: str
    total_memory: int
    major: int
    minor: int
    multi_processor_count: int


def platform() -> str:
    return torch.ops.flagos.platform()


def device_count() -> int:
    return int(torch.ops.flagos.device_count())


def device_properties(device: int) -> NativeDeviceProperties:
    return NativeDeviceProperties(*torch.ops.flagos.device_properties(device))


def default_generator(device: int) -> torch.Generator:
    return torch.ops.flagos.default_generator(device)


def bridge_stats() -> dict[str, int]:
    return dict(torch.ops.flagos.bridge_stats())


def empty_host_cache() -> None:
    torch.ops.flagos.empty_host_cache()
