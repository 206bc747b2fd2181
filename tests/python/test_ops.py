"""ATen operators on flagos tensors against CPU float64 references.

Every operator here reaches flagos through the generic zero-copy kernel or an explicit one; the
table covers the op families models use (elementwise, reductions, linear algebra, normalisation,
indexing, shape ops) in the dtypes they use.
"""
from __future__ import annotations

from typing import Callable

import pytest
import torch
import torch.nn.functional as F

from testing import DEVICE, assert_close_to_reference, rand

FLOAT_DTYPES = [torch.float32, torch.bfloat16, torch.float16]

# name -> (function of CPU/flagos tensors, input shapes)
OPS: dict[str, tuple[Callable[..., torch.Tensor], list[tuple[int, ...]]]] = {
    "add": (lambda a, b: a + b, [(8, 16), (8, 16)]),
    "sub_broadcast": (lambda a, b: a - b, [(8, 16), (16,)]),
    "mul_scalar": (lambda a: a * 3.5, [(33,)]),
    "div": (lambda a, b: a / (b.abs() + 1), [(4, 7), (4, 7)]),
    "exp": (lambda a: torch.exp(a), [(64,)]),
    "log_abs": (lambda a: torch.log(a.abs() + 1e-2), [(64,)]),
    "tanh": (torch.tanh, [(5, 9)]),
    "sigmoid": (torch.sigmoid, [(5, 9)]),
    "relu": (torch.relu, [(5, 9)]),
    "gelu": (F.gelu, [(6, 10)]),
    "silu": (F.silu, [(6, 10)]),
    "pow": (lambda a: a.abs().pow(1.5), [(6, 10)]),
    "rsqrt": (lambda a: torch.rsqrt(a.abs() + 0.5), [(6, 10)]),
    "clamp": (lambda a: a.clamp(-0.5, 0.5), [(6, 10)]),
    "where": (lambda a, b: torch.where(a > 0, a, b), [(6, 10), (6, 10)]),
    "sum_dim": (lambda a: a.sum(dim=1), [(8, 32)]),
    "mean": (lambda a: a.mean(), [(8, 32)]),
    "amax": (lambda a: a.amax(dim=0), [(8, 32)]),
    "var": (lambda a: a.var(dim=1), [(8, 32)]),
    "norm": (lambda a: a.norm(dim=-1), [(8, 32)]),
    "cumsum": (lambda a: a.cumsum(0), [(16, 4)]),  # see ACCUMULATING
    "mm": (lambda a, b: a @ b, [(16, 24), (24, 8)]),
    "bmm": (torch.bmm, [(3, 5, 7), (3, 7, 4)]),
    "addmm": (lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2.0), [(6, 4), (6, 5), (5, 4)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), [(4, 10), (6, 10), (6,)]),
    "matmul_batched": (torch.matmul, [(2, 3, 4, 5), (5, 6)]),
    "softmax": (lambda a: torch.softmax(a, dim=-1), [(7, 13)]),
    "log_softmax": (lambda a: torch.log_softmax(a, dim=0), [(7, 13)]),
    "layer_norm": (lambda a, w, b: F.layer_norm(a, (16,), w, b), [(5, 16), (16,), (16,)]),
    "rms_norm": (lambda a, w: F.rms_norm(a, (16,), w), [(5, 16), (16,)]),
    "transpose_contiguous": (lambda a: a.t().contiguous() * 2, [(5, 7)]),
    "permute": (lambda a: a.permute(2, 0, 1) + 1, [(2, 3, 4)]),
    "cat": (lambda a, b: torch.cat([a, b], dim=1), [(3, 4), (3, 2)]),
    "stack": (lambda a, b: torch.stack([a, b]), [(3, 4), (3, 4)]),
    "narrow_strided": (lambda a: a[:, ::3] * a[:, 1::3], [(6, 12)]),
    "expand": (lambda a: a.unsqueeze(1).expand(4, 5, 3) + 0, [(4, 3)]),
    "conv2d": (lambda x, w: F.conv2d(x, w, padding=1), [(2, 3, 8, 8), (4, 3, 3, 3)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), [(2, 3, 8, 8)]),
    "sdpa": (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
             [(2, 4, 8, 16), (2, 4, 8, 16), (2, 4, 8, 16)]),
}


# Ops whose result accumulates rounding over their length in low precision (a scan over 16 values
# may round 16 times in float16 on a GPU): tolerance scaled by that length for 16-bit dtypes.
ACCUMULATING = {"cumsum": 16}


def _reference(fn: Callable[..., torch.Tensor], inputs: list[torch.Tensor]) -> torch.Tensor:
    return fn(*[t.to(torch.float64) for t in inputs])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_float64_reference(name: str, dtype: torch.dtype, gen: torch.Generator) -> None:
    fn, shapes = OPS[name]
    inputs = [rand(gen, *shape, dtype=dtype) for shape in shapes]
    result = fn(*[t.to(DEVICE) for t in inputs])
    assert result.dtype == dtype
    scale = ACCUMULATING.get(name, 1) if dtype in (torch.float16, torch.bfloat16) else 1
    assert_close_to_reference(result, _reference(fn, inputs), scale=scale)


def test_integer_and_bool_ops(gen: torch.Generator) -> None:
    a = torch.randint(-50, 50, (6, 7), generator=gen)
    b = torch.randint(1, 9, (6, 7), generator=gen)
    fa, fb = a.to(DEVICE), b.to(DEVICE)
    assert torch.equal((fa // fb).cpu(), a // b)
    assert torch.equal((fa % fb).cpu(), a % b)
    assert torch.equal((fa > 0).cpu(), a > 0)
    assert torch.equal(((fa > 0) & (fb > 4)).cpu(), (a > 0) & (b > 4))
    assert torch.equal(fa.argmax(dim=1).cpu(), a.argmax(dim=1))
    assert torch.equal(fa.sort(dim=1).values.cpu(), a.sort(dim=1).values)
    assert (fa > 0).sum().item() == (a > 0).sum().item()


def test_indexing(gen: torch.Generator) -> None:
    x = rand(gen, 10, 4)
    idx = torch.randint(0, 10, (6,), generator=gen)
    fx = x.to(DEVICE)
    assert_close_to_reference(fx[idx.to(DEVICE)], x[idx].double())
    # CPU index tensors are accepted with flagos data, as CUDA accepts them.
    assert_close_to_reference(fx[idx], x[idx].double())
    assert_close_to_reference(F.embedding(idx.to(DEVICE), fx), F.embedding(idx, x).double())
    mask = x > 0
    assert_close_to_reference(fx[mask.to(DEVICE)], x[mask].double())
    y = fx.clone()
    y[idx.to(DEVICE)] = 0.5
    ref = x.clone()
    ref[idx] = 0.5
    assert_close_to_reference(y, ref.double())
    z = torch.zeros(10, 4, device=DEVICE).index_add_(0, idx.to(DEVICE), fx[:6])
    assert_close_to_reference(z, torch.zeros(10, 4).index_add_(0, idx, x[:6]).double())


def test_topk_and_unique(gen: torch.Generator) -> None:
    x = rand(gen, 50)
    values, indices = x.to(DEVICE).topk(5)
    ref_values, ref_indices = x.topk(5)
    assert_close_to_reference(values, ref_values.double())
    assert torch.equal(indices.cpu(), ref_indices)
    ints = torch.randint(0, 6, (40,), generator=gen)
    u, counts = torch.unique(ints.to(DEVICE), return_counts=True)
    ru, rcounts = torch.unique(ints, return_counts=True)
    assert torch.equal(u.cpu(), ru) and torch.equal(counts.cpu(), rcounts)


def test_item_and_scalars(gen: torch.Generator) -> None:
    x = rand(gen, 5)
    fx = x.to(DEVICE)
    assert fx.sum().item() == pytest.approx(x.double().sum().item(), rel=1e-5, abs=1e-6)  # float32 sum
    assert fx[2].item() == x[2].item()
    assert bool((fx == fx).all())
    assert fx.shape[0] == 5 and fx.numel() == 5
    assert_close_to_reference(fx + torch.tensor(2.0), (x + 2.0).double())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.bool, torch.bfloat16,
                                   torch.complex64], ids=str)
def test_factories(dtype: torch.dtype) -> None:
    for t, ref in [
        (torch.zeros(3, 4, dtype=dtype, device=DEVICE), torch.zeros(3, 4, dtype=dtype)),
        (torch.ones(5, dtype=dtype, device=DEVICE), torch.ones(5, dtype=dtype)),
        (torch.full((2, 2), 1, dtype=dtype, device=DEVICE), torch.full((2, 2), 1, dtype=dtype)),
    ]:
        assert t.device.type == DEVICE and t.dtype == dtype
        assert torch.equal(t.cpu(), ref)
    e = torch.empty_strided((2, 3), (1, 2), dtype=dtype, device=DEVICE)
    assert e.stride() == (1, 2) and e.device.type == DEVICE
    assert torch.equal(torch.arange(7, device=DEVICE).cpu(), torch.arange(7))
    assert torch.equal(torch.eye(3, device=DEVICE).cpu(), torch.eye(3))
    assert_close_to_reference(torch.linspace(0, 1, 5, device=DEVICE), torch.linspace(0, 1, 5, dtype=torch.float64))
