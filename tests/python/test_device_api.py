"""torch.flagos' device API against torch.cuda's contract, and torch.accelerator integration."""
from __future__ import annotations

import pytest
import torch

import flagos

DEVICE = "flagos"


def test_registered_as_privateuse1_and_accelerator() -> None:
    assert torch._C._get_privateuse1_backend_name() == DEVICE
    assert torch.flagos is flagos.device
    assert torch.accelerator.is_available()
    assert torch.accelerator.current_accelerator() == torch.device(DEVICE)
    assert torch.accelerator.device_count() == torch.flagos.device_count()


def test_availability_and_count() -> None:
    assert torch.flagos.is_available()
    assert torch.flagos.device_count() >= 1
    torch.flagos.init()
    assert torch.flagos.is_initialized()


def test_current_device_and_context() -> None:
    assert torch.flagos.current_device() == 0
    with torch.flagos.device(0):
        assert torch.flagos.current_device() == 0
    with torch.flagos.device(None):
        assert torch.flagos.current_device() == 0
    torch.flagos.set_device("flagos:0")
    torch.flagos.set_device(torch.device("flagos", 0))
    assert torch.empty(1, device=DEVICE).device == torch.device(DEVICE, 0)


def test_device_of_tensor() -> None:
    t = torch.ones(1, device=DEVICE)
    with torch.flagos.device_of(t):
        assert torch.flagos.current_device() == t.get_device()
    with torch.flagos.device_of(torch.ones(1)):  # CPU tensor: no-op
        assert torch.flagos.current_device() == 0


def test_device_properties() -> None:
    props = torch.flagos.get_device_properties(0)
    assert props.name and props.name == torch.flagos.get_device_name(0)
    assert props.total_memory > 0
    assert props.multi_processor_count >= 1
    assert props.platform == flagos.platform
    assert torch.flagos.get_device_capability(0) == (props.major, props.minor)
    assert "FlagosDeviceProperties" in repr(props)
    free, total = torch.flagos.mem_get_info(0)
    assert total == props.total_memory and 0 <= free <= total


def test_generated_methods() -> None:
    t = torch.arange(4.0)
    ft = t.flagos()
    assert ft.is_flagos and not t.is_flagos
    assert ft.device == torch.device(DEVICE, 0)
    m = torch.nn.Linear(3, 2).flagos()
    assert all(p.device.type == DEVICE for p in m.parameters())
    assert t.untyped_storage().flagos().device.type == DEVICE


def test_synchronize() -> None:
    torch.flagos.synchronize()
    torch.flagos.synchronize(0)
    torch.flagos.synchronize("flagos:0")


@pytest.mark.parametrize("bad", [1, 5, "flagos:7", torch.device("flagos", 2)])
def test_unknown_device_index_is_a_clear_error(bad: object) -> None:
    if isinstance(bad, int) and bad < torch.flagos.device_count():
        pytest.skip("that index exists here")
    with pytest.raises(RuntimeError, match=r"invalid device index .*flagos device\(s\) available"):
        torch.flagos.set_device(bad)
    with pytest.raises(RuntimeError, match=r"invalid device index"):
        torch.flagos.get_device_properties(bad)


def test_tensor_on_unknown_device_is_a_clear_error() -> None:
    count = torch.flagos.device_count()
    with pytest.raises(RuntimeError, match=rf"invalid device index {count}: {count} flagos device"):
        torch.empty(2, device=f"flagos:{count}")
    with pytest.raises(RuntimeError, match="invalid device index"):
        torch.ones(2).to(f"flagos:{count + 3}")


def test_wrong_device_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="expected a flagos device"):
        torch.flagos.set_device("cpu")
