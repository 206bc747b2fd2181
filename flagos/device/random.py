"""Seeding and RNG state of flagos devices' default generators, as ``torch.cuda.random``.

Each flagos device has a default generator (torch.Generator on that device). Random operators on
flagos tensors draw from it unless given another flagos generator; on the host platform its
numbers are the CPU generator's for the same seed.
"""
from __future__ import annotations

from collections.abc import Iterable

import torch

from .. import _runtime
from ._devices import DeviceLike, _index, device_count


def default_generator(device: DeviceLike = None) -> torch.Generator:
    return _runtime.default_generator(_index(device))


def manual_seed(seed: int) -> None:
    """Seeds the current device's default generator (nothing without devices, as torch.cuda)."""
    if device_count() > 0:
        default_generator().manual_seed(int(seed))


def manual_seed_all(seed: int) -> None:
    """Seeds every flagos device's default generator (torch.manual_seed calls this)."""
    for i in range(device_count()):
        default_generator(i).manual_seed(int(seed))


def seed() -> None:
    """Seeds the current device's default generator with a non-deterministic random number."""
    if device_count() > 0:
        default_generator().seed()


def seed_all() -> None:
    """Seeds every device with the same non-deterministic random number."""
    if device_count() == 0:
        return
    value = default_generator(0).seed()
    for i in range(1, device_count()):
        default_generator(i).manual_seed(value)


def initial_seed() -> int:
    return default_generator().initial_seed()


def get_rng_state(device: DeviceLike = None) -> torch.Tensor:
    """The RNG state of ``device`` as a CPU ByteTensor."""
    return default_generator(device).get_state()


def get_rng_state_all() -> list[torch.Tensor]:
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state(new_state: torch.Tensor, device: DeviceLike = None) -> None:
    if not isinstance(new_state, torch.Tensor) or new_state.dtype != torch.uint8 or new_state.device.type != "cpu":
        raise TypeError("flagos: set_rng_state expects a CPU torch.uint8 tensor from get_rng_state()")
    default_generator(device).set_state(new_state.clone())


def set_rng_state_all(new_states: Iterable[torch.Tensor]) -> None:
    for i, state in enumerate(new_states):
        set_rng_state(state, i)
