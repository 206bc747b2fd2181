"""Several flagos devices (FLAGOS_HOST_DEVICE_COUNT=2 on the host platform): placement, current
device, cross-device copies and the same-device rule, per-device generators and memory."""
from __future__ import annotations

import pytest
import torch

from testing import assert_close_to_reference, rand


@pytest.fixture(autouse=True)
def two_devices() -> None:
    if torch.flagos.device_count() < 2:
        pytest.skip("needs 2 flagos devices (FLAGOS_HOST_DEVICE_COUNT=2 on the host platform)")
    yield
    torch.flagos.set_device(0)


def test_placement_follows_index_and_current_device(gen: torch.Generator) -> None:
    x = rand(gen, 3, 3)
    a = x.to("flagos:1")
    assert a.device == torch.device("flagos", 1)
    assert (a @ a).device == torch.device("flagos", 1)
    with torch.flagos.device(1):
        assert torch.empty(2, device="flagos").device.index == 1
        assert torch.flagos.current_device() == 1
    assert torch.flagos.current_device() == 0
    torch.flagos.set_device(1)
    assert torch.ones(1, device="flagos").get_device() == 1


def test_cross_device_copies(gen: torch.Generator) -> None:
    x = rand(gen, 4, 5)
    a = x.to("flagos:0")
    b = a.to("flagos:1")
    assert b.device.index == 1 and torch.equal(b.cpu(), x)
    c = torch.empty(5, 4, dtype=torch.float64, device="flagos:1")
    c.copy_(a.t())
    assert_close_to_reference(c, x.t().double())


def test_ops_across_devices_are_rejected_like_cuda(gen: torch.Generator) -> None:
    a, b = rand(gen, 3).to("flagos:0"), rand(gen, 3).to("flagos:1")
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device.*flagos:0 and flagos:1"):
        a + b


def test_generators_are_per_device() -> None:
    torch.flagos.manual_seed_all(3)
    a0 = torch.randn(5, device="flagos:0").cpu()
    a1 = torch.randn(5, device="flagos:1").cpu()
    assert torch.equal(a0, a1)  # same seed, independent generators
    with torch.flagos.device(1):
        torch.flagos.manual_seed(4)
    assert torch.flagos.default_generator(1).initial_seed() == 4
    assert torch.flagos.default_generator(0).initial_seed() == 3


def test_memory_is_per_device() -> None:
    torch.flagos.empty_cache()
    before0, before1 = torch.flagos.memory_allocated(0), torch.flagos.memory_allocated(1)
    t = torch.empty(1 << 20, dtype=torch.uint8, device="flagos:1")
    assert torch.flagos.memory_allocated(1) == before1 + (1 << 20)
    assert torch.flagos.memory_allocated(0) == before0
    del t


def test_streams_are_per_device() -> None:
    s = torch.flagos.Stream(device=1)
    assert s.device_index == 1
    with torch.flagos.stream(s):
        assert torch.flagos.current_device() == 1
        assert torch.flagos.current_stream(1) == s
    assert torch.flagos.current_device() == 0


def test_elapsed_time_between_devices_is_refused_like_cuda() -> None:
    # CUDA raises for events of two devices: a time between two devices' clocks means nothing.
    start = torch.flagos.Event(enable_timing=True, device=0)
    end = torch.flagos.Event(enable_timing=True, device=1)
    start.record(torch.flagos.current_stream(0))
    end.record(torch.flagos.current_stream(1))
    start.synchronize()  # PyTorch asks first that both have completed
    end.synchronize()
    with pytest.raises(RuntimeError, match="devices 0 and 1; elapsed_time needs two events of one device"):
        start.elapsed_time(end)
    same = torch.flagos.Event(enable_timing=True, device=1)
    same.record(torch.flagos.current_stream(1))
    same.synchronize()
    assert end.elapsed_time(same) >= 0.0
