"""Training through the ascend platform's native kernels (platforms/ascend/kernels): the backward operators
that run on aclnn (_fused_rms_norm_backward over aclnnRmsNormGrad, _softmax_backward_data over
aclnnSoftmaxBackward, native_layer_norm_backward over aclnnLayerNormBackward,
embedding_dense_backward over aclnnEmbeddingDenseBackward) against float64 autograd of the
operators' definitions, and a training step.

Run on the synthetic stand-in toolkit, as test_aclnn_kernels.py (which says what that checks).
_fused_rms_norm_backward has no CPU kernel in stock PyTorch: once F.rms_norm reaches flagos as
_fused_rms_norm, its gradient exists only as this native kernel.
"""
from __future__ import annotations

import copy
import ctypes

import pytest
import torch
import torch.nn.functional as F

import flagos
from aclnn_testing import acl, count, last_call, rms_norm_reference  # noqa: F401  (acl: a fixture)
from testing import assert_close_to_reference, rand

pytestmark = pytest.mark.skipif(flagos.platform != "ascend", reason="the ascend platform's aclnn kernels")

F32_EPS = torch.finfo(torch.float32).eps  # eps=None: the op-math dtype's epsilon (float32 for bfloat16)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_rms_norm_gradients(gen: torch.Generator, acl: ctypes.CDLL, dtype: torch.dtype) -> None:
    x, w, g = rand(gen, 2, 3, 16, dtype=dtype), rand(gen, 16, dtype=dtype), rand(gen, 2, 3, 16, dtype=dtype)
    for shape, weight, eps in (([16], w, 0.25), ([16], w, None), ([3, 16], None, None), ([16], None, 1e-3)):
        fx = x.to("flagos").requires_grad_()
        fw = weight.to("flagos").requires_grad_() if weight is not None else None
        y = F.rms_norm(fx, shape, fw, eps=eps)
        before = count(acl, "aclnnRmsNormGrad")
        with flagos.trace() as trace:
            y.backward(g.to("flagos"))
        assert trace.counts() == {("_fused_rms_norm_backward.default", "native"): 1}, trace.summary()
        assert count(acl, "aclnnRmsNormGrad") == before + 1
        xd = x.double().requires_grad_()
        wd = weight.double().requires_grad_() if weight is not None else None
        rms_norm_reference(xd, shape, wd, eps if eps is not None else F32_EPS).backward(g.double())
        assert fx.grad.dtype == dtype and fx.grad.shape == x.shape
        assert_close_to_reference(fx.grad, xd.grad, scale=2)
        if weight is not None:
            assert fw.grad.dtype == dtype and fw.grad.shape == w.shape
            assert_close_to_reference(fw.grad, wd.grad, scale=2)
    launch = last_call(acl, "aclnnRmsNormGrad")
    assert launch.bytes > 0 and launch.ptr, "aclnnRmsNormGrad asks for a workspace: flagos must hand it one"


def test_rms_norm_backward_output_mask(gen: torch.Generator, acl: ctypes.CDLL) -> None:
    x, w, g = rand(gen, 4, 2, 8), rand(gen, 2, 8), rand(gen, 4, 2, 8)
    fx, fw = x.to("flagos"), w.to("flagos")
    fg = g.to("flagos").transpose(0, 2).contiguous().transpose(0, 2)  # a strided gradient
    assert not fg.is_contiguous()
    _, rstd = torch.ops.aten._fused_rms_norm(fx, [2, 8], fw, 1e-2)
    xd, wd = x.double().requires_grad_(), w.double().requires_grad_()
    rms_norm_reference(xd, [2, 8], wd, 1e-2).backward(g.double())
    backward = torch.ops.aten._fused_rms_norm_backward
    before = count(acl, "aclnnRmsNormGrad")
    dx, dw = backward(fg, fx, [2, 8], rstd, fw, [True, False])
    assert dw is None
    assert_close_to_reference(dx, xd.grad)
    dx, dw = backward(fg, fx, [2, 8], rstd, fw, [False, True])
    assert dx is None
    assert_close_to_reference(dw, wd.grad, scale=2)
    assert count(acl, "aclnnRmsNormGrad") == before + 2
    # no weight: no gradient for it, even when asked for; nothing asked for: no call
    _, rstd = torch.ops.aten._fused_rms_norm(fx, [8], None, None)
    xd = x.double().requires_grad_()
    rms_norm_reference(xd, [8], None, F32_EPS).backward(g.double())
    dx, dw = backward(fg, fx, [8], rstd, None, [True, True])
    assert dw is None
    assert_close_to_reference(dx, xd.grad)
    assert backward(fg, fx, [8], rstd, None, [False, True]) == (None, None)
    e = torch.empty(0, 8, device="flagos")  # no rows: the weight's gradient is a sum over nothing
    dx, dw = backward(e, e, [8], torch.ops.aten._fused_rms_norm(e, [8], fw[0], None)[1], fw[0], [True, True])
    assert dx.shape == (0, 8) and torch.equal(dw.cpu(), torch.zeros(8))
    assert count(acl, "aclnnRmsNormGrad") == before + 3


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_softmax_backward(gen: torch.Generator, acl: ctypes.CDLL, dtype: torch.dtype) -> None:
    x, g = rand(gen, 2, 5, 7, dtype=dtype), rand(gen, 2, 5, 7, dtype=dtype)
    for dim in (1, -1, 0):
        fx = x.to("flagos").requires_grad_()
        y = F.softmax(fx, dim=dim)
        before = count(acl, "aclnnSoftmaxBackward")
        with flagos.trace() as trace:
            y.backward(g.to("flagos"))
        assert trace.counts() == {("_softmax_backward_data.default", "native"): 1}, trace.summary()
        assert count(acl, "aclnnSoftmaxBackward") == before + 1
        xd = x.double().requires_grad_()
        F.softmax(xd, dim=dim).backward(g.double())
        assert fx.grad.dtype == dtype
        assert_close_to_reference(fx.grad, xd.grad, scale=2)
    launch = last_call(acl, "aclnnSoftmaxBackward")
    assert launch.bytes > 0 and launch.ptr, "aclnnSoftmaxBackward asks for a workspace: flagos must hand it one"
    # float gradients of a half-to-float softmax are half, as ATen's CUDA kernel returns them
    out, gf = F.softmax(x.double(), dim=-1), g.double()
    ref = out * (gf - (gf * out).sum(-1, keepdim=True))
    got = torch._softmax_backward_data(gf.float().to("flagos"), out.float().to("flagos"), -1, torch.half)
    assert got.dtype == torch.half
    assert_close_to_reference(got, ref, scale=2)
    s = torch.tensor(0.5)  # a 0-d tensor has one dimension
    assert_close_to_reference(torch._softmax_backward_data(s.to("flagos"), s.to("flagos"), -1, torch.float),
                              torch._softmax_backward_data(s.double(), s.double(), -1, torch.double))
    fg = g.to("flagos")
    with pytest.raises(RuntimeError, match=r"Expected tensor for argument #1 'grad' to have same size as tensor for "
                                           r"argument #2 'output'; but \[2, 5, 7\] does not equal \[2, 5, 6\]"):
        torch._softmax_backward_data(fg, fg[..., :6], -1, dtype)
    with pytest.raises(IndexError, match="Dimension out of range"):
        torch._softmax_backward_data(fg, fg, 3, dtype)
    with pytest.raises(RuntimeError, match="expected scalar type Double but found"):
        torch._softmax_backward_data(fg.double(), fg, -1, dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_layer_norm_gradients(gen: torch.Generator, acl: ctypes.CDLL, dtype: torch.dtype) -> None:
    x, g = rand(gen, 2, 3, 16, dtype=dtype), rand(gen, 2, 3, 16, dtype=dtype)
    w, b = rand(gen, 16, dtype=dtype), rand(gen, 16, dtype=dtype)
    w2, b2 = rand(gen, 3, 16, dtype=dtype), rand(gen, 3, 16, dtype=dtype)
    for shape, weight, bias in (([16], w, b), ([16], None, None), ([3, 16], w2, None), ([16], None, b)):
        fx = x.to("flagos").requires_grad_()
        fw = weight.to("flagos").requires_grad_() if weight is not None else None
        fb = bias.to("flagos").requires_grad_() if bias is not None else None
        y = F.layer_norm(fx, shape, fw, fb, eps=1e-3)
        before = count(acl, "aclnnLayerNormBackward")
        with flagos.trace() as trace:
            y.backward(g.to("flagos"))
        assert trace.counts() == {("native_layer_norm_backward.default", "native"): 1}, trace.summary()
        assert count(acl, "aclnnLayerNormBackward") == before + 1
        xd = x.double().requires_grad_()
        wd = weight.double().requires_grad_() if weight is not None else None
        bd = bias.double().requires_grad_() if bias is not None else None
        F.layer_norm(xd, shape, wd, bd, eps=1e-3).backward(g.double())
        for got, ref in ((fx, xd), (fw, wd), (fb, bd)):
            if ref is None:
                continue
            assert got.grad.dtype == dtype and got.grad.shape == ref.shape
            assert_close_to_reference(got.grad, ref.grad, scale=2)
    launch = last_call(acl, "aclnnLayerNormBackward")
    assert launch.bytes > 0 and launch.ptr, "aclnnLayerNormBackward asks for a workspace: flagos must hand it one"


def test_layer_norm_backward_output_mask(gen: torch.Generator, acl: ctypes.CDLL) -> None:
    x, w, b, g = rand(gen, 4, 8), rand(gen, 8), rand(gen, 8), rand(gen, 4, 8)
    fx, fw, fb, fg = x.to("flagos"), w.to("flagos"), b.to("flagos"), g.to("flagos").t().contiguous().t()
    assert not fg.is_contiguous()  # a strided gradient
    _, mean, rstd = torch.ops.aten.native_layer_norm(fx, [8], fw, fb, 1e-5)
    xd, wd, bd = (t.double().requires_grad_() for t in (x, w, b))
    F.layer_norm(xd, [8], wd, bd, eps=1e-5).backward(g.double())
    backward = torch.ops.aten.native_layer_norm_backward
    before = count(acl, "aclnnLayerNormBackward")
    dx, dw, db = backward(fg, fx, [8], mean, rstd, fw, fb, [True, False, False])
    assert dw is None and db is None
    assert_close_to_reference(dx, xd.grad)
    dx, dw, db = backward(fg, fx, [8], mean, rstd, fw, fb, [False, True, True])
    assert dx is None
    assert_close_to_reference(dw, wd.grad, scale=2)
    assert_close_to_reference(db, bd.grad, scale=2)
    # no weight or bias: no gradient for them, even when asked for; nothing asked for: no call
    assert backward(fg, fx, [8], mean, rstd, None, None, [False, True, True]) == (None, None, None)
    assert count(acl, "aclnnLayerNormBackward") == before + 2
    e = torch.empty(0, 8, device="flagos")  # no rows: weight and bias gradients are sums over nothing
    _, em, er = torch.ops.aten.native_layer_norm(e, [8], fw, fb, 1e-5)
    dx, dw, db = backward(e, e, [8], em, er, fw, fb, [True, True, True])
    assert dx.shape == (0, 8) and torch.equal(dw.cpu(), torch.zeros(8)) and torch.equal(db.cpu(), torch.zeros(8))
    assert count(acl, "aclnnLayerNormBackward") == before + 2


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_embedding_gradients(gen: torch.Generator, acl: ctypes.CDLL, dtype: torch.dtype) -> None:
    weight = rand(gen, 10, 6, dtype=dtype)
    indices = torch.tensor([[1, 3, 3, 0], [9, 3, 1, 0], [5, 5, 5, 2]])  # repeated indices
    g = rand(gen, 3, 4, 6, dtype=dtype)
    for padding_idx, scale, idx_dtype in ((None, False, torch.long), (3, False, torch.long), (None, True, torch.int),
                                          (5, True, torch.long), (-1, False, torch.int)):
        idx = indices.to(idx_dtype)
        fw = weight.to("flagos").requires_grad_()
        y = F.embedding(idx.to("flagos"), fw, padding_idx=padding_idx, scale_grad_by_freq=scale)
        before = count(acl, "aclnnEmbeddingDenseBackward")
        with flagos.trace() as trace:
            y.backward(g.to("flagos"))
        assert trace.counts() == {("embedding_dense_backward.default", "native"): 1}, trace.summary()
        assert count(acl, "aclnnEmbeddingDenseBackward") == before + 1
        wd = weight.double().requires_grad_()
        F.embedding(idx, wd, padding_idx=padding_idx, scale_grad_by_freq=scale).backward(g.double())
        assert fw.grad.dtype == dtype and fw.grad.shape == weight.shape
        assert_close_to_reference(fw.grad, wd.grad, scale=2)
        if padding_idx is not None:
            assert torch.equal(fw.grad.cpu()[padding_idx], torch.zeros(6, dtype=dtype)), "the padding row stays zero"
    assert last_call(acl, "aclnnEmbeddingDenseBackward").bytes > 0
    # a 1-D indices of nothing: the gradient is zeros
    out = torch.ops.aten.embedding_dense_backward(torch.empty(0, 6, device="flagos"),
                                                 torch.empty(0, dtype=torch.long, device="flagos"), 10, -1, False)
    assert torch.equal(out.cpu(), torch.zeros(10, 6))


def test_a_training_step_through_rms_norm_matches_float64(gen: torch.Generator) -> None:
    torch.manual_seed(int(torch.randint(0, 2**31, (), generator=gen)))
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.RMSNorm(16), torch.nn.SiLU(), torch.nn.Linear(16, 5))
    with torch.no_grad():
        model[1].weight.copy_(rand(gen, 16))  # not ones: its gradient must reach the input's
    reference = copy.deepcopy(model).double()
    model.to("flagos")
    x, target = rand(gen, 6, 8), F.softmax(rand(gen, 6, 5), dim=-1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    ref_optimizer = torch.optim.SGD(reference.parameters(), lr=0.5)
    with flagos.trace() as trace:
        loss = F.mse_loss(F.softmax(model(x.to("flagos")), dim=-1), target.to("flagos"))
        loss.backward()
        optimizer.step()
    ref = F.mse_loss(F.softmax(reference(x.double()), dim=-1), target.double())
    ref.backward()
    ref_optimizer.step()
    assert_close_to_reference(loss, ref)
    for p, r in zip(model.parameters(), reference.parameters()):
        assert p.grad is not None and p.grad.shape == r.grad.shape
        assert_close_to_reference(p.grad, r.grad, scale=4)
        assert_close_to_reference(p, r, scale=4)  # the updated parameters
    native = {op for (op, provider) in trace.counts() if provider == "native"}
    assert {"_fused_rms_norm.default", "_fused_rms_norm_backward.default", "_softmax.default",
            "_softmax_backward_data.default", "mm.default", "silu.default"} <= native, trace.summary()
