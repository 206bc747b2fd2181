"""Random numbers on flagos: per-device default generators that torch.manual_seed seeds, explicit
flagos generators, RNG state save/restore, and dropout drawing from the flagos generator."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

DEVICE = "flagos"


def draw() -> torch.Tensor:
    return torch.cat([torch.randn(8, device=DEVICE), torch.rand(8, device=DEVICE),
                      torch.randint(0, 100, (8,), device=DEVICE).float()]).cpu()


def test_manual_seed_reproduces() -> None:
    torch.flagos.manual_seed(1234)
    a = draw()
    torch.flagos.manual_seed(1234)
    assert torch.equal(draw(), a)
    assert torch.flagos.initial_seed() == 1234
    torch.flagos.manual_seed(99)
    assert not torch.equal(draw(), a)


def test_torch_manual_seed_seeds_flagos_too() -> None:
    torch.manual_seed(7)
    a = draw()
    torch.manual_seed(7)
    assert torch.equal(draw(), a)


def test_numbers_match_the_native_generator() -> None:
    """A flagos generator is the native device's generator: same seed, same numbers as a `cpu`
    (host platform) or `cuda` (cuda platform) generator."""
    native = torch.ops.flagos._native_dispatch_key().lower()
    if native not in ("cpu", "cuda"):
        pytest.skip(f"no reference generator for native device {native}")
    torch.flagos.manual_seed(5)
    got = torch.randn(16, device=DEVICE).cpu()
    reference = torch.randn(16, device=native, generator=torch.Generator(native).manual_seed(5)).cpu()
    assert torch.equal(got, reference)


def test_flagos_rng_is_separate_from_cpu_rng() -> None:
    torch.flagos.manual_seed(3)
    torch.manual_seed(11)  # reseeds flagos as well
    torch.flagos.manual_seed(3)
    a = torch.randn(4, device=DEVICE).cpu()
    torch.randn(100)  # drawing on CPU must not advance the flagos generator
    torch.flagos.manual_seed(3)
    torch.randn(100)
    assert torch.equal(torch.randn(4, device=DEVICE).cpu(), a)


def test_explicit_generator() -> None:
    g1 = torch.Generator(device=DEVICE).manual_seed(42)
    g2 = torch.Generator(device=DEVICE).manual_seed(42)
    assert g1.device.type == DEVICE
    a = torch.randn(10, device=DEVICE, generator=g1)
    b = torch.randn(10, device=DEVICE, generator=g2)
    assert torch.equal(a.cpu(), b.cpu())
    x = torch.empty(10, device=DEVICE).uniform_(generator=g1)
    y = torch.empty(10, device=DEVICE).uniform_(generator=g2)
    assert torch.equal(x.cpu(), y.cpu())


def test_cpu_generator_with_flagos_tensor_is_rejected() -> None:
    with pytest.raises(RuntimeError, match="flagos"):
        torch.empty(4, device=DEVICE).normal_(generator=torch.Generator())


def test_rng_state_round_trip() -> None:
    torch.flagos.manual_seed(0)
    state = torch.flagos.get_rng_state()
    assert state.dtype == torch.uint8 and state.device.type == "cpu"
    a = draw()
    torch.flagos.set_rng_state(state)
    assert torch.equal(draw(), a)
    states = torch.flagos.get_rng_state_all()
    assert len(states) == torch.flagos.device_count()
    torch.flagos.set_rng_state_all(states)
    with pytest.raises(TypeError, match="uint8"):
        torch.flagos.set_rng_state(torch.zeros(3))


def test_fork_rng_restores_flagos_state() -> None:
    torch.flagos.manual_seed(8)
    with torch.random.fork_rng(device_type=DEVICE):
        torch.randn(50, device=DEVICE)
    after = draw()
    torch.flagos.manual_seed(8)
    assert torch.equal(draw(), after)


def test_seed_draws_a_fresh_seed() -> None:
    torch.flagos.manual_seed(5)
    torch.flagos.seed()
    assert torch.flagos.initial_seed() != 5
    torch.flagos.seed_all()
    seeds = {torch.flagos.default_generator(i).initial_seed() for i in range(torch.flagos.device_count())}
    assert len(seeds) == 1 and seeds != {5}


def test_dropout_uses_the_flagos_generator() -> None:
    x = torch.ones(1000, device=DEVICE)
    torch.flagos.manual_seed(21)
    a = F.dropout(x, 0.3, training=True).cpu()
    torch.flagos.manual_seed(21)
    b = F.dropout(x, 0.3, training=True).cpu()
    assert torch.equal(a, b)
    kept = (a != 0).float().mean().item()
    assert 0.6 < kept < 0.8  # p=0.3 drops about 30%
    assert torch.allclose(a[a != 0], torch.full_like(a[a != 0], 1 / 0.7))
    assert torch.equal(F.dropout(x, 0.3, training=False).cpu(), x.cpu())
    out, mask = torch.native_dropout(x, 0.5, True)
    assert mask.dtype == torch.bool and mask.device.type == DEVICE
    assert torch.equal(out.cpu(), mask.cpu().float() * 2)
