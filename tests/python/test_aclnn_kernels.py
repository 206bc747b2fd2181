"""The ascend platform's native kernels (platforms/ascend/kernels: ATen operators over aclnn).

Run on the synthetic stand-in toolkit (bazel test --config=ascend-synthetic), whose aclnn library
computes on its host-memory "device", later, on the stream it was given (tests/synthetic_sdk). So
these tests check flagos' side for real: that each operator reaches its aclnn kernel (the call
records), with ATen's output shapes, dtypes, broadcasting and promotion (results against CPU
float64), on the current flagos stream with the workspace aclnn asked for, and that everything
reading the results afterwards waits for that stream. What they cannot check is aclnn's own
numerics on an NPU.
"""
from __future__ import annotations

import ctypes
import warnings

import pytest
import torch
import torch.nn.functional as F

import flagos
from aclnn_testing import acl, count, last_call, rms_norm_reference, runs_native  # noqa: F401  (acl: a fixture)
from testing import assert_close_to_reference, rand

pytestmark = pytest.mark.skipif(flagos.platform != "ascend", reason="the ascend platform's aclnn kernels")


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_matmuls_run_aclnn_with_its_workspace(gen: torch.Generator, acl: ctypes.CDLL, dtype: torch.dtype) -> None:
    a, b = rand(gen, 7, 5, dtype=dtype), rand(gen, 5, 3, dtype=dtype)
    before = count(acl, "aclnnMm")
    out, providers = runs_native(torch.mm, a.to("flagos"), b.to("flagos").t().contiguous().t())  # strided mat2
    assert providers.get("mm.default") == "native"
    assert_close_to_reference(out, a.double() @ b.double(), scale=4)
    assert count(acl, "aclnnMm") == before + 1
    prepare, launch = last_call(acl, "aclnnMmGetWorkspaceSize"), last_call(acl, "aclnnMm")
    assert launch.bytes > 0 and launch.ptr, "aclnnMm asks for a workspace: flagos must hand it one"
    x, y = rand(gen, 3, 4, 6, dtype=dtype), rand(gen, 3, 6, 2, dtype=dtype)
    assert_close_to_reference(torch.bmm(x.to("flagos"), y.to("flagos")), x.double() @ y.double(), scale=4)
    assert prepare.device == launch.device == 0


def test_elementwise_broadcasting_and_promotion(gen: torch.Generator, acl: ctypes.CDLL) -> None:
    x, y = rand(gen, 4, 1, 5), rand(gen, 3, 1)
    fx, fy = x.to("flagos"), y.to("flagos")
    out, providers = runs_native(lambda: (fx + 2.5 * fy, fx - fy, fx * fy, fx / fy))
    assert {providers[op] for op in ("add.Tensor", "sub.Tensor", "mul.Tensor", "div.Tensor")} == {"native"}
    xd, yd = x.double(), y.double()
    for got, ref in zip(out, (xd + 2.5 * yd, xd - yd, xd * yd, xd / yd)):
        assert got.shape == ref.shape
        assert_close_to_reference(got, ref)
    assert_close_to_reference(torch.add(fx, fy, alpha=-3), xd - 3 * yd)
    # ATen's promotion: int + float -> float, int / int -> float, bf16 * f32 -> f32, CPU 0-dim scalar
    i = torch.randint(-9, 9, (4, 5), generator=gen)
    j = torch.randint(1, 9, (4, 5), generator=gen)
    fi, fj = i.to("flagos"), j.to("flagos")
    assert (fi + fx[0, 0]).dtype == torch.float32
    assert_close_to_reference(fi + fx[0, 0], i.double() + xd[0, 0])
    assert (fi / fj).dtype == torch.float32 and (fi * fj).dtype == torch.int64
    assert_close_to_reference(fi / fj, i.double() / j.double())
    assert torch.equal((fi * fj).cpu(), i * j)
    b = rand(gen, 4, 5, dtype=torch.bfloat16)
    assert (b.to("flagos") * fx[0]).dtype == torch.float32
    assert_close_to_reference(fx[0] * torch.tensor(3.0), xd[0] * 3)
    assert_close_to_reference(F.silu(fx), F.silu(xd))


def test_softmax_layer_norm_and_embedding(gen: torch.Generator) -> None:
    x = rand(gen, 2, 3, 8)
    fx = x.to("flagos")
    out, providers = runs_native(lambda: (F.softmax(fx, dim=1), F.softmax(fx, dim=-1)))
    assert providers["_softmax.default"] == "native"
    assert_close_to_reference(out[0], F.softmax(x.double(), dim=1))
    assert_close_to_reference(out[1], F.softmax(x.double(), dim=-1))
    w, b = rand(gen, 3, 8), rand(gen, 3, 8)
    for weight, bias in ((w, b), (None, None)):
        args = [t.to("flagos") if t is not None else None for t in (weight, bias)]
        got, providers = runs_native(torch.native_layer_norm, fx, [3, 8], *args, 1e-5)
        ref = torch.native_layer_norm(x.double(), [3, 8], *[t.double() if t is not None else None
                                                             for t in (weight, bias)], 1e-5)
        assert providers["native_layer_norm.default"] == "native"
        for g, r in zip(got, ref):  # output, mean and rstd, with ATen's shapes
            assert g.shape == r.shape and g.dtype == torch.float32
            assert_close_to_reference(g, r, scale=2)
    h = rand(gen, 4, 16, dtype=torch.bfloat16)
    _, mean, rstd = torch.native_layer_norm(h.to("flagos"), [16], None, None, 1e-5)
    assert mean.dtype == rstd.dtype == torch.float32 and mean.shape == (4, 1)  # ATen's statistics dtype
    table = rand(gen, 10, 4)
    for index_dtype in (torch.int64, torch.int32):
        idx = torch.randint(0, 10, (3, 5), generator=gen, dtype=index_dtype)
        got, providers = runs_native(F.embedding, idx.to("flagos"), table.to("flagos"))
        assert providers["embedding.default"] == "native" and got.shape == (3, 5, 4)
        assert torch.equal(got.cpu(), table[idx])


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_pow_and_rsqrt(gen: torch.Generator, acl: ctypes.CDLL, dtype: torch.dtype) -> None:
    x = rand(gen, 3, 7, dtype=dtype)
    positive = (x.abs() + 0.1).to(dtype)
    fx, fp = x.to("flagos"), positive.to("flagos")
    before = count(acl, "aclnnPowTensorScalar"), count(acl, "aclnnRsqrt")
    out, providers = runs_native(lambda: (fx.pow(2), fp.pow(0.5), torch.rsqrt(fp), fx.t().pow(3)))
    assert providers["pow.Tensor_Scalar"] == providers["rsqrt.default"] == "native"
    xd, pd = x.double(), positive.double()
    for got, ref in zip(out, (xd ** 2, pd ** 0.5, pd.rsqrt(), xd.t() ** 3)):
        assert got.dtype == dtype and got.shape == ref.shape
        assert_close_to_reference(got, ref, scale=2)
    assert (count(acl, "aclnnPowTensorScalar"), count(acl, "aclnnRsqrt")) == (before[0] + 3, before[1] + 1)
    # ATen's dtypes: an integer tensor stays integral to an integer power, is float to a float power
    # and under rsqrt; integers to negative integer powers are refused
    i = torch.randint(1, 9, (4, 5), generator=gen)
    fi = i.to("flagos")
    assert fi.pow(2).dtype == torch.int64 and torch.equal(fi.pow(2).cpu(), i ** 2)
    assert fi.pow(0.5).dtype == torch.rsqrt(fi).dtype == torch.float32
    assert_close_to_reference(fi.pow(0.5), i.double() ** 0.5)
    assert_close_to_reference(torch.rsqrt(fi), i.double().rsqrt())
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        fi.pow(-1)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_mean(gen: torch.Generator, acl: ctypes.CDLL, dtype: torch.dtype) -> None:
    x = rand(gen, 3, 4, 5, dtype=dtype)
    fx, xd = x.to("flagos"), x.double()
    cases = [((1,), False), ((0, 2), False), ((-1, 0), True), (None, False), (None, True), ((), False)]
    for dims, keep in cases:
        got, providers = runs_native(lambda: torch.mean(fx, dim=dims, keepdim=keep))
        ref = xd.mean(dim=dims, keepdim=keep)
        assert providers["mean.dim"] == "native" and got.dtype == dtype and got.shape == ref.shape, (dims, keep)
        assert_close_to_reference(got, ref, scale=2)
    assert_close_to_reference(fx.mean(), xd.mean(), scale=2)  # mean.default reaches flagos as mean.dim
    assert_close_to_reference(fx[:, 1:, ::2].mean(-1), xd[:, 1:, ::2].mean(-1), scale=2)  # strided self
    launch = last_call(acl, "aclnnMean")
    assert launch.bytes > 0 and launch.ptr, "aclnnMean asks for a workspace: flagos must hand it one"
    wide = fx.mean(dim=(0, 1), dtype=torch.float64)  # dtype=: computed and returned in float64
    assert wide.dtype == torch.float64
    assert_close_to_reference(wide, xd.mean(dim=(0, 1)))
    i = torch.randint(-9, 9, (4, 6), generator=gen)
    assert_close_to_reference(i.to("flagos").mean(1, dtype=torch.float32), i.double().mean(1))
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype\. Input dtype must be either a "
                                           r"floating point or complex dtype\. Got: Long"):
        i.to("flagos").mean(1)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        fx.mean(dim=(0, -3))
    assert torch.isnan(fx[:, :0].mean(1).cpu()).all()  # a mean over no elements


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_add_in_place(gen: torch.Generator, acl: ctypes.CDLL, dtype: torch.dtype) -> None:
    x, o, row = rand(gen, 4, 5, dtype=dtype), rand(gen, 4, 5), rand(gen, 5, dtype=dtype)
    fx = x.to("flagos")
    before = count(acl, "aclnnInplaceAdd")
    got, providers = runs_native(lambda: fx.add_(row.to("flagos"), alpha=-2.5))
    assert got is fx and providers["add_.Tensor"] == "native" and fx.dtype == dtype
    ref = x.double() - 2.5 * row.double()
    assert_close_to_reference(fx, ref.to(dtype), scale=2)  # self keeps its dtype
    fx.add_(torch.tensor(0.75))  # a CPU 0-dim other
    fx.add_(o.to("flagos"))  # float32 other: computed in float32, stored in self's dtype
    ref = ref.to(dtype).double() + 0.75 + o.double()
    assert_close_to_reference(fx, ref, scale=4)
    fx.t().add_(row.to("flagos")[:4], alpha=2)  # a strided self
    ref = ref + 2 * row.double()[:4, None]
    assert_close_to_reference(fx, ref, scale=4)
    assert count(acl, "aclnnInplaceAdd") == before + 4
    fi = torch.zeros(3, 4, dtype=torch.int64, device="flagos")
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        fi.add_(fx[:3, :4].float())
    with pytest.raises(RuntimeError, match=r"output with shape \[4, 1\] doesn't match the broadcast shape \[4, 5\]"):
        fx[:, :1].add_(fx)
    with pytest.raises(RuntimeError, match="alpha must not be a floating point number"):
        fi.add_(fi, alpha=0.5)
    assert count(acl, "aclnnInplaceAdd") == before + 4


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_rms_norm_is_one_aclnn_call(gen: torch.Generator, acl: ctypes.CDLL, dtype: torch.dtype) -> None:
    x, w = rand(gen, 2, 3, 16, dtype=dtype), rand(gen, 16, dtype=dtype)
    fx, fw = x.to("flagos"), w.to("flagos")
    for shape, weight, eps in (([16], w, 0.25), ([3, 16], None, None), ([16], w, None)):  # 0.25 shows in results
        before = count(acl, "aclnnRmsNorm")
        with flagos.trace() as trace:
            got = F.rms_norm(fx, shape, fw if weight is not None else None, eps=eps)
        assert trace.counts() == {("_fused_rms_norm.default", "native"): 1}, trace.summary()
        assert count(acl, "aclnnRmsNorm") == before + 1
        # eps None: the epsilon of the op-math dtype (float32 for bfloat16), as ATen's
        ref = rms_norm_reference(x, shape, weight, eps if eps is not None else torch.finfo(torch.float32).eps)
        assert got.dtype == dtype and got.shape == x.shape
        assert_close_to_reference(got, ref, scale=2)
    launch = last_call(acl, "aclnnRmsNorm")
    assert launch.bytes > 0 and launch.ptr, "aclnnRmsNorm asks for a workspace: flagos must hand it one"
    other = w.to(torch.bfloat16 if dtype == torch.float32 else torch.float32)  # ATen itself decomposes this
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Mismatch dtype between input and module" (once per process)
        got, providers = runs_native(F.rms_norm, fx, [16], other.to("flagos"))
    assert set(providers) == {"pow.Tensor_Scalar", "mean.dim", "add_.Tensor", "rsqrt.default", "mul.Tensor"}
    assert set(providers.values()) == {"native"}
    assert_close_to_reference(got, rms_norm_reference(x, [16], other, torch.finfo(torch.float32).eps), scale=2)
    # rstd as ATen returns it (its CPU composite here): shape[:axis] + ones, float32 for bfloat16
    for shape in ([16], [2, 16]):
        y, rstd = torch.ops.aten._fused_rms_norm(fx.transpose(0, 1), shape, None, 1e-3)  # a strided input
        ref_y, ref_rstd = torch.ops.aten._fused_rms_norm(x.transpose(0, 1), shape, None, 1e-3)
        assert (y.dtype, y.shape, rstd.dtype, rstd.shape) == (ref_y.dtype, ref_y.shape, ref_rstd.dtype, ref_rstd.shape)
        assert rstd.dtype == torch.float32 and rstd.is_contiguous()
        xt = x.transpose(0, 1).double()
        dims = tuple(range(-len(shape), 0))
        assert_close_to_reference(rstd, torch.rsqrt(xt.pow(2).mean(dims, keepdim=True) + 1e-3))
        assert_close_to_reference(y, rms_norm_reference(x.transpose(0, 1), shape, None, 1e-3), scale=2)
    for rows, width in ((0, 16), (3, 0)):  # no rows; rows of nothing, whose rstd is NaN as in ATen
        e = torch.empty(rows, width)
        got, ref = torch.ops.aten._fused_rms_norm(e.to("flagos"), [width], None, None), \
            torch.ops.aten._fused_rms_norm(e, [width], None, None)
        for g, r in zip(got, ref):
            assert g.shape == r.shape and g.dtype == r.dtype
            torch.testing.assert_close(g.cpu(), r, equal_nan=True)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[3\], expected input with shape \[\*3\], but got "
                                           r"input of size\[2, 3, 16\]"):
        torch.ops.aten._fused_rms_norm(fx, [3], None, None)
    with pytest.raises(RuntimeError, match="Expected weight to be of same shape as normalized_shape"):
        torch.ops.aten._fused_rms_norm(fx, [16], fw[:8], None)


def test_kernels_run_on_the_current_stream_and_readers_wait(gen: torch.Generator, acl: ctypes.CDLL) -> None:
    a, b = rand(gen, 64, 32), rand(gen, 32, 16)
    fa, fb = a.to("flagos"), b.to("flagos")
    torch.flagos.synchronize()
    side = torch.flagos.Stream()
    with torch.flagos.stream(side):
        c = fa @ fb
        on_side = last_call(acl, "aclnnMm").stream
        d = fa @ fb
        assert last_call(acl, "aclnnMm").stream == on_side
    assert on_side, "the side stream, not ACL's default stream"
    assert acl.synthetic_acl_pending(ctypes.c_void_p(on_side)) >= 2, "aclnn work runs later, on the stream"
    torch.flagos.current_stream().wait_stream(side)
    assert_close_to_reference(c, a.double() @ b.double())  # the copy to the host waits for the stream
    e = fa @ fb
    assert last_call(acl, "aclnnMm").stream != on_side
    assert torch.equal(d.cpu(), e.cpu())


def test_storage_growth_keeps_what_pending_kernels_wrote(gen: torch.Generator) -> None:
    a, b = rand(gen, 16, 16), rand(gen, 16, 16)
    c = a.to("flagos") @ b.to("flagos")  # queued, not yet run
    c.untyped_storage().resize_(c.untyped_storage().nbytes() * 2)
    assert_close_to_reference(c, a.double() @ b.double())


def test_device_copies_convert_on_the_device(gen: torch.Generator, acl: ctypes.CDLL) -> None:
    x = rand(gen, 6, 5) * 100
    fx = x.to("flagos")
    before = count(acl, "aclnnInplaceCopy")
    for dtype in (torch.float16, torch.bfloat16, torch.int32, torch.float64):
        assert torch.equal(fx.to(dtype).cpu(), x.to(dtype))
    assert torch.equal(fx.t().contiguous().cpu(), x.t().contiguous())  # strided source
    y = torch.empty(5, 6, device="flagos").t()
    y.copy_(fx[0])  # broadcast into a transposed destination
    assert torch.equal(y.cpu(), x[0].expand(6, 5))
    assert count(acl, "aclnnInplaceCopy") == before + 6
    z = torch.zeros(3, 4, dtype=torch.complex64)
    assert torch.equal(z.to("flagos").conj().resolve_conj().cpu(), z)  # no aclnn type: the staged copy


def test_an_aclnn_failure_names_operator_status_and_message(gen: torch.Generator, acl: ctypes.CDLL) -> None:
    a = rand(gen, 3, 3).to("flagos")
    acl.synthetic_acl_fail_next(b"aclnnMmGetWorkspaceSize", 161002, b"injected: shape not supported", 1)
    with pytest.raises(RuntimeError, match=r"aclnnMmGetWorkspaceSize failed with aclnn status 161002: "
                                           r".*injected: shape not supported.*FLAGOS_OP_<op>=cpu"):
        a @ a
    acl.synthetic_acl_fail_next(b"aclnnMm", 361001, b"injected: launch failed", 1)
    with pytest.raises(RuntimeError, match=r"aclnnMm failed with aclnn status 361001: .*launch failed"):
        a @ a
    assert_close_to_reference(a @ a, a.cpu().double() @ a.cpu().double())  # and the next call works
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(3x3 and 2x3\)"):
        a @ a[:2]


def test_a_training_step_with_native_forwards_matches_float64(gen: torch.Generator) -> None:
    torch.manual_seed(int(torch.randint(0, 2**31, (), generator=gen)))
    model = torch.nn.Sequential(torch.nn.Embedding(20, 8), torch.nn.LayerNorm(8), torch.nn.Linear(8, 16),
                                torch.nn.SiLU(), torch.nn.Linear(16, 5))
    reference = __import__("copy").deepcopy(model).double()
    model.to("flagos")
    idx, target = torch.randint(0, 20, (6,), generator=gen), torch.randint(0, 5, (6,), generator=gen)
    with flagos.trace() as trace:
        loss = F.cross_entropy(model(idx.to("flagos")), target.to("flagos"))
        loss.backward()
    ref = F.cross_entropy(reference(idx), target)
    ref.backward()
    assert_close_to_reference(loss, ref)
    for p, r in zip(model.parameters(), reference.parameters()):
        assert p.grad is not None
        assert_close_to_reference(p.grad, r.grad, scale=2)
    native = {op for op, provider in trace.counts() if provider == "native"}
    assert {"embedding.default", "native_layer_norm.default", "silu.default"} <= native, trace.summary()
