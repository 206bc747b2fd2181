"""Autograd, training loops, torch.autocast('flagos') and GradScaler('flagos') against CPU."""
from __future__ import annotations

import copy

import pytest
import torch
import torch.nn as nn

from testing import DEVICE, assert_close_to_reference, rand


def test_gradients_match_cpu(gen: torch.Generator) -> None:
    x, w, b = rand(gen, 6, 5), rand(gen, 5, 4), rand(gen, 4)
    params = [t.double().requires_grad_() for t in (w, b)]
    ref = torch.nn.functional.gelu(x.double() @ params[0] + params[1]).pow(2).mean()
    ref.backward()
    fparams = [t.to(DEVICE).requires_grad_() for t in (w, b)]
    out = torch.nn.functional.gelu(x.to(DEVICE) @ fparams[0] + fparams[1]).pow(2).mean()
    out.backward()
    assert out.requires_grad and out.grad_fn is not None
    for fp, p in zip(fparams, params):
        assert fp.grad.device.type == DEVICE
        assert_close_to_reference(fp.grad, p.grad)


def _model(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(12, 32), nn.LayerNorm(32), nn.GELU(), nn.Linear(32, 3))


def test_training_steps_track_cpu(gen: torch.Generator) -> None:
    cpu_model = _model(1).double()
    flagos_model = copy.deepcopy(_model(1)).to(DEVICE)
    opt_cpu = torch.optim.AdamW(cpu_model.parameters(), lr=1e-2)
    opt_flagos = torch.optim.AdamW(flagos_model.parameters(), lr=1e-2)
    for _ in range(5):
        x, y = rand(gen, 16, 12), torch.randint(0, 3, (16,), generator=gen)
        loss_cpu = nn.functional.cross_entropy(cpu_model(x.double()), y)
        loss_flagos = nn.functional.cross_entropy(flagos_model(x.to(DEVICE)), y.to(DEVICE))
        for opt, loss in ((opt_cpu, loss_cpu), (opt_flagos, loss_flagos)):
            opt.zero_grad()
            loss.backward()
            opt.step()
        assert loss_flagos.item() == pytest.approx(loss_cpu.item(), rel=1e-4, abs=1e-5)
    for pf, pc in zip(flagos_model.parameters(), cpu_model.parameters()):
        torch.testing.assert_close(pf.detach().cpu().double(), pc.detach(), rtol=1e-4, atol=1e-5)


def test_inference_mode_and_no_grad(gen: torch.Generator) -> None:
    x = rand(gen, 4, 4).to(DEVICE).requires_grad_()
    with torch.no_grad():
        assert not (x * 2).requires_grad
    with torch.inference_mode():
        y = x @ x
        assert y.is_inference() and y.device.type == DEVICE


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_autocast_casts_like_cuda(dtype: torch.dtype, gen: torch.Generator) -> None:
    a, b = rand(gen, 8, 8).to(DEVICE), rand(gen, 8, 8).to(DEVICE)
    assert torch.amp.is_autocast_available(DEVICE)
    with torch.autocast(DEVICE, dtype=dtype):
        assert torch.is_autocast_enabled(DEVICE)
        mm = a @ b                       # lower-precision op
        soft = torch.softmax(mm, dim=-1)  # fp32 op
        summed = a + b                   # untouched op
    assert mm.dtype == dtype and soft.dtype == torch.float32 and summed.dtype == torch.float32
    # Reference from the inputs as autocast rounded them: what is left is accumulation and output rounding.
    assert_close_to_reference(mm, a.cpu().to(dtype).double() @ b.cpu().to(dtype).double(), dtype=dtype)


def test_autocast_default_dtype_and_disabled() -> None:
    with torch.autocast(DEVICE):
        assert torch.get_autocast_dtype(DEVICE) in torch.flagos.get_amp_supported_dtype()
    x = torch.ones(2, 2, device=DEVICE)
    with torch.autocast(DEVICE, enabled=False):
        assert (x @ x).dtype == torch.float32


def test_grad_scaler_trains_and_skips_infs(gen: torch.Generator) -> None:
    model = _model(2).to(DEVICE)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler(DEVICE, init_scale=2.0**10)
    x, y = rand(gen, 8, 12).to(DEVICE), torch.randint(0, 3, (8,), generator=gen).to(DEVICE)
    before = [p.detach().clone() for p in model.parameters()]
    with torch.autocast(DEVICE, dtype=torch.float16):
        loss = nn.functional.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    assert any(not torch.equal(p.detach(), q) for p, q in zip(model.parameters(), before))
    assert scaler.get_scale() == 2.0**10
    # An inf gradient: the step is skipped and the scale backs off.
    opt.zero_grad()
    with torch.autocast(DEVICE, dtype=torch.float16):
        loss = model(x).sum() * float("inf")
    scaler.scale(loss).backward()
    snapshot = [p.detach().clone() for p in model.parameters()]
    scaler.step(opt)
    scaler.update()
    assert all(torch.equal(p.detach(), q) for p, q in zip(model.parameters(), snapshot))
    assert scaler.get_scale() == 2.0**9
