"""torch.save / torch.load of flagos tensors: device kept, views keep sharing storage, map_location
works both ways, and modules' state_dicts round-trip."""
from __future__ import annotations

import io

import torch

from testing import DEVICE, rand


def roundtrip(obj: object, **load_kwargs: object) -> object:
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, **load_kwargs)


def test_tensor_round_trip(gen: torch.Generator) -> None:
    x = rand(gen, 3, 4).to(DEVICE)
    y = roundtrip(x)
    assert y.device == x.device and torch.equal(y.cpu(), x.cpu())
    for dtype in (torch.bfloat16, torch.int64, torch.bool):
        z = x.to(dtype)
        assert torch.equal(roundtrip(z).cpu(), z.cpu())


def test_views_keep_sharing_storage(gen: torch.Generator) -> None:
    base = rand(gen, 10).to(DEVICE)
    view = base[2:6]
    strided = base[::3]
    lb, lv, ls = roundtrip([base, view, strided])
    assert lv.untyped_storage().data_ptr() == lb.untyped_storage().data_ptr()
    assert ls.untyped_storage().data_ptr() == lb.untyped_storage().data_ptr()
    lb[3] = 42.0
    assert lv[1].item() == 42.0 and ls[1].item() == 42.0
    assert lv.storage_offset() == 2 and ls.stride() == (3,)


def test_map_location(gen: torch.Generator) -> None:
    x = rand(gen, 5)
    on_cpu = roundtrip(x.to(DEVICE), map_location="cpu")
    assert on_cpu.device.type == "cpu" and torch.equal(on_cpu, x)
    on_flagos = roundtrip(x, map_location=DEVICE)
    assert on_flagos.device.type == DEVICE and torch.equal(on_flagos.cpu(), x)


def test_state_dict_round_trip() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)).to(DEVICE)
    state = roundtrip(model.state_dict())
    fresh = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)).to(DEVICE)
    fresh.load_state_dict(state)
    x = torch.randn(3, 4, device=DEVICE)
    assert torch.equal(fresh(x).cpu(), model(x).cpu())
    assert all(v.device.type == DEVICE for v in state.values())
