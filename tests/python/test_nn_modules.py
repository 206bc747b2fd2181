"""Common torch.nn modules on flagos, forward and backward, against the same module in float64 on
the CPU. Several of them take device-specific paths inside PyTorch (fused RNN cells, attention
fast paths, convolution backend selection) that a PrivateUse1 device must serve."""
from __future__ import annotations

import copy
from typing import Callable

import pytest
import torch
import torch.nn as nn

import flagos.routing

from testing import DEVICE, rand

MODULES: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...]]] = {
    "lstm": (lambda: nn.LSTM(6, 8, num_layers=2, batch_first=True, bidirectional=True), (3, 5, 6)),
    "gru": (lambda: nn.GRU(6, 8, num_layers=2, batch_first=True), (3, 5, 6)),
    "rnn_tanh": (lambda: nn.RNN(6, 8, batch_first=True), (3, 5, 6)),
    # No conv bias before BatchNorm: its true gradient is 0, so only rounding noise would be compared.
    "conv_bn": (lambda: nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU()),
                (2, 3, 6, 6)),
    "conv_transpose": (lambda: nn.ConvTranspose2d(3, 2, 3, stride=2), (2, 3, 5, 5)),
    "conv1d_groups": (lambda: nn.Conv1d(4, 8, 3, groups=2), (2, 4, 9)),
    "transformer_layer": (lambda: nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True), (2, 7, 16)),
    "multihead_attention": (lambda: nn.MultiheadAttention(16, 4, batch_first=True), (2, 7, 16)),
    "group_norm": (lambda: nn.GroupNorm(2, 4), (3, 4, 5)),
    "embedding_bag": (lambda: nn.EmbeddingBag(10, 6, mode="mean"), (4, 3)),
}


def run(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    if isinstance(module, nn.MultiheadAttention):
        return module(x, x, x, need_weights=False)[0]
    out = module(x)
    return out[0] if isinstance(out, tuple) else out


def make_input(name: str, shape: tuple[int, ...], gen: torch.Generator) -> torch.Tensor:
    if name == "embedding_bag":
        return torch.randint(0, 10, shape, generator=gen)
    return rand(gen, *shape)


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_matches_float64_cpu(name: str, train: bool, gen: torch.Generator) -> None:
    factory, shape = MODULES[name]
    torch.manual_seed(0)
    reference = factory().double().train(train)
    on_flagos = copy.deepcopy(reference).float().to(DEVICE)
    x = make_input(name, shape, gen)
    x_ref = x if not x.is_floating_point() else x.double()
    out_ref = run(reference, x_ref)
    out = run(on_flagos, x.to(DEVICE))
    assert out.device.type == DEVICE
    torch.testing.assert_close(out.detach().cpu().double(), out_ref.detach(), rtol=1e-4, atol=1e-5)
    if not train:
        return
    out_ref.pow(2).sum().backward()
    out.pow(2).sum().backward()
    for (pname, p), q in zip(on_flagos.named_parameters(), reference.parameters()):
        assert p.grad is not None and p.grad.device.type == DEVICE, pname
        torch.testing.assert_close(p.grad.cpu().double(), q.grad, rtol=1e-4, atol=1e-5, msg=pname)
    for b, c in zip(on_flagos.buffers(), reference.buffers()):  # e.g. BatchNorm running statistics
        torch.testing.assert_close(b.cpu().double(), c.double(), rtol=1e-4, atol=1e-5)


def test_moving_a_module_keeps_tied_and_shared_parameters() -> None:
    """Module.to('flagos') keeps Parameter objects (as for cuda), so weights tied by sharing stay tied."""
    emb = nn.Embedding(20, 8)
    head = nn.Linear(8, 20, bias=False)
    head.weight = emb.weight  # tied, as in most language models
    model = nn.ModuleDict({"emb": emb, "head": head})
    param = emb.weight
    model.to(DEVICE)
    assert model["emb"].weight is model["head"].weight is param
    assert param.device.type == DEVICE
    assert sum(p.numel() for p in model.parameters()) == 20 * 8
    x = torch.tensor([1, 2, 3], device=DEVICE)
    model["head"](model["emb"](x)).sum().backward()
    assert param.grad is not None and param.grad.device.type == DEVICE
    t = torch.zeros(3, 3)
    t.data = torch.ones(3, 3, device=DEVICE)  # the same mechanism, directly
    assert t.device.type == DEVICE and torch.equal(t.cpu(), torch.ones(3, 3))


def test_batch_norm_on_the_cpu_provider_updates_running_statistics(gen: torch.Generator) -> None:
    # native_batch_norm writes running_mean/var without saying so in its schema: the cpu provider
    # must copy them back all the same (before: they stayed at their initial values).
    reference = torch.nn.BatchNorm1d(4).double()
    on_flagos = copy.deepcopy(reference).float().to(DEVICE)
    x = torch.randn(8, 4, generator=gen)
    reference(x.double())
    with flagos.routing.override({"native_batch_norm.default": "cpu"}):
        on_flagos(x.to(DEVICE))
    for b, c in zip(on_flagos.buffers(), reference.buffers()):
        torch.testing.assert_close(b.cpu().double(), c.double(), rtol=1e-4, atol=1e-5)
