"""Tensors without data on flagos: torch._efficientzerotensor, which autograd returns for some
gradients (sgn of a real tensor), has a storage with a size and a NULL pointer. Every path a
native kernel's result takes back to flagos must keep it a tensor without data (with its ZeroTensor
key) instead of reading the NULL pointer, and every path into a native kernel must present it as one.
"""
from __future__ import annotations

from typing import Callable

import pytest
import torch

from flagos import _runtime
from testing import DEVICE, rand

# Where ATen reads flagos memory (host, cuda) a result without data stays one (ZeroTensor key kept);
# where it cannot (ascend, metax on the stand-in SDKs: the cpu provider runs the operator on host
# copies) it comes back as real zeros: the values are the same, the saving is not.
KEEPS_ZERO_TENSORS = _runtime.native_aliases_readable()


def same_zero_kind(got: torch.Tensor, ref: torch.Tensor) -> bool:
    if KEEPS_ZERO_TENSORS:
        return got._is_zerotensor() == ref._is_zerotensor()
    return ref._is_zerotensor() or not got._is_zerotensor()  # never a zero tensor where CPU has data


def test_sgn_backward_matches_cpu(gen: torch.Generator) -> None:
    x = rand(gen, 20, 20)
    ref = x.clone().requires_grad_()
    ref.sgn().sum().backward()
    a = x.to(DEVICE).requires_grad_()
    a.sgn().sum().backward()
    assert a.grad is not None and a.grad.device.type == DEVICE
    assert same_zero_kind(a.grad, ref.grad)
    torch.testing.assert_close(a.grad.cpu(), ref.grad)


def test_sgn_in_a_graph_trains_like_cpu(gen: torch.Generator) -> None:
    # The zero gradient meets real ones in the accumulation of `w`'s gradient.
    x, w0 = rand(gen, 8, 8), rand(gen, 8, 8)
    grads = []
    for device in ("cpu", DEVICE):
        w = w0.to(device).detach().requires_grad_()
        xs = x.to(device)
        ((w * xs).sgn() * w + (w @ xs).tanh()).sum().backward()
        grads.append(w.grad.cpu())
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-5, atol=1e-5)


OPS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "view": lambda z, x: z.view(-1),
    "transpose": lambda z, x: z.t(),
    "as_strided": lambda z, x: z.as_strided((2, 2), (1, 2), 1),
    "reshape_copy": lambda z, x: z.t().reshape(-1),
    "clone": lambda z, x: z.clone(),
    "contiguous": lambda z, x: z.t().contiguous(),
    "add": lambda z, x: z + x,
    "mul": lambda z, x: z * x,
    "exp": lambda z, x: z.exp(),
    "cat": lambda z, x: torch.cat([z, x]),
    "where": lambda z, x: torch.where(x > 0, z, x),
    "matmul": lambda z, x: z @ x.t(),
    "sum": lambda z, x: z.sum(0),
    "to_float64": lambda z, x: z.double(),
    "copy_into": lambda z, x: torch.empty_like(x).copy_(z),
    "index_select": lambda z, x: z.index_select(0, torch.tensor([2, 0], device=x.device)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_operators_on_a_zero_tensor_match_cpu(name: str, gen: torch.Generator) -> None:
    x = rand(gen, 3, 4)
    ref = OPS[name](torch._efficientzerotensor((3, 4)), x)
    got = OPS[name](torch._efficientzerotensor((3, 4), device=DEVICE), x.to(DEVICE))
    assert got.device.type == DEVICE
    assert same_zero_kind(got, ref)
    torch.testing.assert_close(got.cpu(), ref)


def test_zero_tensor_moves_between_devices() -> None:
    z = torch._efficientzerotensor((5, 3), device=DEVICE)
    assert not KEEPS_ZERO_TENSORS or (z._is_zerotensor() and z.untyped_storage().nbytes() == 15 * 4)
    torch.testing.assert_close(z.cpu(), torch.zeros(5, 3))
    back = torch._efficientzerotensor((5, 3)).to(DEVICE)
    torch.testing.assert_close(back.cpu(), torch.zeros(5, 3))
