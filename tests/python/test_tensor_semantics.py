"""Aliasing and metadata semantics of flagos tensors: views share memory, in-place and out= ops
return and mutate the tensors they were given, resizes and set_ behave as on native devices, and
copies between devices convert dtypes and strides. These are the properties the zero-copy kernel
must preserve; each test checks one against a CPU run of the same code."""
from __future__ import annotations

import threading

import pytest
import torch

import flagos
from testing import DEVICE, assert_close_to_reference, rand


def test_views_share_memory(gen: torch.Generator) -> None:
    x = rand(gen, 4, 6)
    fx = x.to(DEVICE)
    views = [fx[1:3, ::2], fx.view(24)[5:9], fx.t()[2], fx.unsqueeze(0).expand(2, 4, 6)[1, 0], fx.as_strided((2, 2), (6, 1), 1)]
    for v in views:
        assert v.untyped_storage().data_ptr() == fx.untyped_storage().data_ptr()
    fx[1:3, ::2].fill_(7.0)
    x[1:3, ::2].fill_(7.0)
    fx.view(24)[0] = -3.0
    x.view(24)[0] = -3.0
    assert torch.equal(fx.cpu(), x)
    assert fx.unfold(1, 2, 2).shape == x.unfold(1, 2, 2).shape
    assert torch.equal(torch.view_as_real(fx.to(torch.complex64)).cpu(), torch.view_as_real(x.to(torch.complex64)))


def test_inplace_returns_self_and_bumps_version(gen: torch.Generator) -> None:
    fa, fb = rand(gen, 5).to(DEVICE), rand(gen, 5).to(DEVICE)
    before = fa._version
    assert fa.add_(fb) is fa
    assert fa.mul_(2).clamp_(-1, 1) is fa
    assert fa._version > before


def test_out_variant_resizes_output(gen: torch.Generator) -> None:
    a, b = rand(gen, 3, 4), rand(gen, 3, 4)
    out = torch.empty(0, device=DEVICE)
    storage_before = out.untyped_storage().nbytes()
    result = torch.mul(a.to(DEVICE), b.to(DEVICE), out=out)
    assert result is out
    assert out.shape == (3, 4) and out.untyped_storage().nbytes() > storage_before
    assert_close_to_reference(out, (a * b).double())
    big = torch.empty(100, device=DEVICE)
    torch.add(a.to(DEVICE), 1, out=big[:12].view(3, 4))
    assert_close_to_reference(big[:12].view(3, 4), (a + 1).double())


def test_resize_keeps_prefix_and_device() -> None:
    t = torch.arange(6.0, device=DEVICE)
    t.resize_(2, 10)
    assert t.shape == (2, 10) and t.device.type == DEVICE
    assert torch.equal(t.view(-1)[:6].cpu(), torch.arange(6.0))
    t.resize_(3)
    assert torch.equal(t.cpu(), torch.arange(3.0))


def test_set_and_storage_sharing() -> None:
    base = torch.arange(12.0, device=DEVICE)
    t = torch.empty(0, device=DEVICE)
    t.set_(base.untyped_storage(), 2, (2, 3), (3, 1))
    assert torch.equal(t.cpu(), torch.arange(12.0)[2:8].view(2, 3))
    base[2] = 100.0
    assert t[0, 0].item() == 100.0
    u = torch.empty(0, device=DEVICE).set_(base)
    assert u.shape == base.shape and u.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
    with pytest.raises(RuntimeError, match="the devices must match"):
        torch.empty(0, device=DEVICE).set_(torch.arange(3.0).untyped_storage())
    grown = torch.empty(0, device=DEVICE).set_(base.untyped_storage(), 0, (20,), (1,))  # beyond the storage
    assert grown.untyped_storage().nbytes() >= 20 * 4 and torch.equal(grown[:12].cpu(), base.cpu())


def test_untyped_storage_on_flagos() -> None:
    s = torch.UntypedStorage(16, device=DEVICE)
    assert s.device.type == DEVICE and s.nbytes() == 16
    s.resize_(64)
    assert s.nbytes() == 64
    t = torch.tensor([1.0, 2.0, 3.0], device=DEVICE)
    assert torch.equal(torch.tensor(t.untyped_storage().cpu().tolist(), dtype=torch.uint8),
                       torch.tensor(torch.tensor([1.0, 2.0, 3.0]).untyped_storage().tolist(), dtype=torch.uint8))


@pytest.mark.parametrize("src_dtype,dst_dtype", [(torch.float32, torch.float16), (torch.float64, torch.bfloat16),
                                                 (torch.int32, torch.float32), (torch.float32, torch.int64)])
def test_copies_convert_dtype_and_layout(src_dtype: torch.dtype, dst_dtype: torch.dtype, gen: torch.Generator) -> None:
    x = (rand(gen, 6, 5) * 10).to(src_dtype)
    ref = x.t().to(dst_dtype)
    # cpu -> flagos into a non-contiguous destination
    dst = torch.empty(5, 6, dtype=dst_dtype, device=DEVICE)
    dst.copy_(x.t())
    assert torch.equal(dst.cpu(), ref)
    # flagos -> flagos with conversion, flagos -> cpu into a non-contiguous destination
    fx = x.to(DEVICE)
    assert torch.equal(fx.t().to(dst_dtype).cpu(), ref)
    out = torch.empty(6, 5, dtype=dst_dtype).t()
    out.copy_(fx.t())
    assert torch.equal(out, ref)


def test_non_blocking_copies_complete_after_synchronize(gen: torch.Generator) -> None:
    x = rand(gen, 1000).pin_memory()
    assert x.is_pinned()
    fx = x.to(DEVICE, non_blocking=True)
    back = torch.empty_like(x).pin_memory()
    back.copy_(fx, non_blocking=True)
    torch.flagos.synchronize()
    assert torch.equal(back, x)


def test_results_are_zero_copy(gen: torch.Generator) -> None:
    """Outputs that native kernels allocate become flagos tensors without copies."""
    before = flagos._runtime.bridge_stats()
    x = rand(gen, 64, 64).to(DEVICE)
    y = torch.nn.functional.layer_norm(x @ x.t(), (64,))
    nz = torch.nonzero(y > 0)
    after = flagos._runtime.bridge_stats()
    assert after["copied_outputs"] == before["copied_outputs"]
    assert after["adopted_outputs"] >= before["adopted_outputs"] + 3
    assert y.device.type == DEVICE and nz.device.type == DEVICE


def test_concurrent_threads_get_correct_results(gen: torch.Generator) -> None:
    """The zero-copy kernel mutates no shared metadata: threads sharing inputs stay correct."""
    a, b = rand(gen, 32, 32), rand(gen, 32, 32)
    fa, fb = a.to(DEVICE), b.to(DEVICE)
    expected = (a @ b + a).tanh()
    errors: list[str] = []

    def work() -> None:
        for _ in range(50):
            got = (fa @ fb + fa).tanh().cpu()
            if not torch.allclose(got, expected, atol=1e-5):
                errors.append("wrong result")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_bridge_round_trip_keeps_memory(gen: torch.Generator) -> None:
    from flagos import _bridge

    x = rand(gen, 4, 4).to(DEVICE)
    native = _bridge.to_native(x)
    assert native.device.type in ("cpu", "cuda") and native.shape == x.shape
    assert native.data_ptr() == x.data_ptr()
    native[0, 0] = 123.0  # writes through to the flagos tensor
    assert x[0, 0].item() == 123.0
    back = _bridge.from_native(native[1:], x.get_device())
    assert back.device.type == DEVICE and back.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    back.fill_(-1.0)
    assert (x[1:] == -1.0).all()
    fresh = _bridge.from_native(native * 2, x.get_device())
    assert fresh.device.type == DEVICE and torch.equal(fresh.cpu(), x.cpu() * 2)


def test_from_native_never_takes_memory_from_a_tensor_still_in_use(gen: torch.Generator) -> None:
    from flagos import _bridge

    x = rand(gen, 8).to(DEVICE)
    native = _bridge.to_native(x) * 3  # a fresh native tensor, held here
    expected = native.clone()
    a = _bridge.from_native(native, x.get_device())
    b = _bridge.from_native(native, x.get_device())
    assert native.data_ptr() != 0 and torch.equal(native, expected), "from_native emptied a tensor still in use"
    assert torch.equal(a.cpu(), expected.cpu()) and torch.equal(b.cpu(), expected.cpu())


def test_copies_of_conjugate_and_negative_views(gen: torch.Generator) -> None:
    # Copies take the views' bits as they are (before: PyTorch's conjugate fallback re-entered the
    # copy without end and crashed the process).
    x = torch.complex(rand(gen, 4, 3), rand(gen, 4, 3))
    y = x.to("flagos")
    assert torch.equal(y.conj().cpu(), x.conj())
    assert torch.equal(y.conj().to("flagos").cpu(), x.conj())
    assert torch.equal(y.conj().resolve_conj().cpu(), x.conj())
    d = torch.zeros_like(y).conj()  # writing through a conjugate view stores the conjugate
    d.copy_(y)
    assert torch.equal(d.resolve_conj().cpu(), x) and torch.equal(d._conj().cpu(), x.conj())
    r = rand(gen, 5)
    assert torch.equal(torch._neg_view(r.to("flagos")).cpu(), -r)
    assert torch.equal(torch._neg_view(r.to("flagos")).resolve_neg().cpu(), -r)
