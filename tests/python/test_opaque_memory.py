"""The runtime where ATen cannot read flagos memory: the ascend platform (NPU memory, which no ATen
device addresses; here on the synthetic stand-in toolkit: bazel test --config=ascend-synthetic),
and the host platform made to behave so (FLAGOS_HOST_OPAQUE_MEMORY=1, in every CI run).

Copies then move bytes only through the HAL (runtime/ops/staged_copy.cc), operators run on the
cpu provider (default route cpu, as platforms/ascend/routes.conf has it; its aclnn kernels are
test_aclnn_kernels'), and a route to the native provider where the platform has no kernel of its
own is refused with an error that says what to do. References: the same copies and
operators on CPU tensors (exact), float64 on the CPU for arithmetic.
"""
from __future__ import annotations

import copy
import os
import subprocess
import sys
from typing import Iterator

import pytest
import torch
import torch.nn.functional as F

import flagos
import flagos.routing
from flagos import _runtime
from testing import assert_close_to_reference, rand

pytestmark = pytest.mark.skipif(_runtime.native_aliases_readable(),
                                reason="needs the ascend platform, or the host one with FLAGOS_HOST_OPAQUE_MEMORY=1")


@pytest.fixture(autouse=True)
def cpu_default_route() -> Iterator[None]:
    with flagos.routing.override(default="cpu"):
        yield


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int64, torch.bool, torch.complex64])
def test_round_trip_is_exact(gen: torch.Generator, dtype: torch.dtype) -> None:
    x = (rand(gen, 5, 7, dtype=torch.complex64) * 10).to(dtype) if dtype.is_complex else (rand(gen, 5, 7) * 10).to(dtype)
    y = x.to("flagos")
    assert y.device.type == "flagos"
    assert torch.equal(y.cpu(), x)
    if dtype.is_complex:
        assert torch.equal(y.conj().cpu(), x.conj())  # a conjugate view: the bit travels with the copy
        assert torch.equal(y.conj().resolve_conj().cpu(), x.conj())


def test_conversions_and_layouts_match_the_cpu_copy(gen: torch.Generator) -> None:
    x = rand(gen, 4, 6, dtype=torch.float64)
    assert torch.equal(x.to("flagos", torch.float32).cpu(), x.float())
    y = x.to("flagos")
    assert torch.equal(y.t().cpu(), x.t())  # non-contiguous source
    assert torch.equal(y.to(torch.float16).cpu(), x.half())
    # a strided destination: the elements between its own come back unchanged
    base = rand(gen, 4, 6)
    d, ref = base.to("flagos"), base.clone()
    patch = rand(gen, 4, 3)
    d[:, ::2] = patch
    ref[:, ::2] = patch
    assert torch.equal(d.cpu(), ref)
    # broadcasting and a transposed destination
    row = rand(gen, 6)
    d.copy_(row)
    assert torch.equal(d.cpu(), row.expand(4, 6))
    e = torch.empty(6, 4, device="flagos").t()
    e.copy_(base)
    assert torch.equal(e.cpu(), base)


def test_copies_between_flagos_tensors(gen: torch.Generator) -> None:
    x = rand(gen, 3, 5)
    a = x.to("flagos")
    b = torch.empty(5, 3, dtype=torch.float64, device="flagos")
    b.copy_(a.t())
    assert torch.equal(b.cpu(), x.t().double())
    a[:, 1:].copy_(a[:, :-1].clone())  # within one storage
    ref = x.clone()
    ref[:, 1:] = x[:, :-1]
    assert torch.equal(a.cpu(), ref)
    if torch.flagos.device_count() > 1:
        c = a.to("flagos:1")
        assert c.device.index == 1 and torch.equal(c.cpu(), ref)


def test_operators_run_on_the_cpu_provider(gen: torch.Generator) -> None:
    x, w = rand(gen, 8, 16), rand(gen, 16, 4)
    fx, fw = x.to("flagos"), w.to("flagos")
    with flagos.trace() as trace, flagos.routing.override({"mm.default": "cpu", "_softmax.default": "cpu"}):
        out = F.softmax(fx @ fw, dim=-1).sum(0)  # (ascend has aclnn kernels for those two: test_aclnn_kernels)
    assert_close_to_reference(out, F.softmax(x.double() @ w.double(), dim=-1).sum(0))
    providers = {provider for _, provider in trace.counts()}
    assert providers == {"cpu"}, trace.summary()


def test_a_training_step_matches_float64(gen: torch.Generator) -> None:
    torch.manual_seed(int(torch.randint(0, 2**31, (), generator=gen)))
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    reference = copy.deepcopy(model).double()
    model.to("flagos")
    x, y = rand(gen, 5, 6), rand(gen, 5, 2)
    F.mse_loss(model(x.to("flagos")), y.to("flagos")).backward()
    F.mse_loss(reference(x.double()), y.double()).backward()
    for p, r in zip(model.parameters(), reference.parameters()):
        assert p.grad is not None and p.grad.device.type == "flagos"
        assert_close_to_reference(p.grad, r.grad)


def test_random_numbers_are_reproducible() -> None:
    torch.manual_seed(123)
    a = torch.randn(16, device="flagos").cpu()
    torch.manual_seed(123)
    b = torch.randn(16, device="flagos").cpu()
    assert torch.equal(a, b) and a.std() > 0.1


def test_a_native_route_without_a_platform_kernel_is_refused_with_what_to_do(gen: torch.Generator) -> None:
    # tanh: no platform has a kernel of its own for it (ascend's aclnn set does not include it).
    a = rand(gen, 3, 3).to("flagos")
    with pytest.raises(ValueError, match=r"provider 'native' cannot run tanh.default: .*kernel layer has no kernel"):
        with flagos.routing.override({"tanh.default": "native"}):
            pass
    with flagos.routing.override(default="native"):  # the policy cannot be checked per operator
        with pytest.raises(RuntimeError, match=r"aten::tanh is routed to the native provider.*FLAGOS_OP_tanh__default=cpu"):
            a.tanh()
    with pytest.raises(RuntimeError, match=r"flagos.to_native is not available on the \w+ platform"):
        torch.ops.flagos.to_native(a)


@pytest.mark.skipif(flagos.platform != "host", reason="a host platform setting")
def test_a_malformed_setting_names_the_variable() -> None:
    env = dict(os.environ, FLAGOS_HOST_OPAQUE_MEMORY="yes")
    proc = subprocess.run([sys.executable, "-c", "import torch, flagos; torch.ones(2).to('flagos')"],
                          env=env, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "FLAGOS_HOST_OPAQUE_MEMORY='yes' is not valid" in proc.stderr


def test_out_variants_resize_their_output(gen: torch.Generator) -> None:
    a, b = rand(gen, 3, 4), rand(gen, 3, 4)
    out = torch.empty(0, device="flagos")
    result = torch.mul(a.to("flagos"), b.to("flagos"), out=out)
    assert result is out and out.shape == (3, 4)
    assert_close_to_reference(out, (a * b).double())
    grown = a.to("flagos")
    grown.resize_(5, 4)  # keeps the first 12 elements
    assert torch.equal(grown.cpu()[:3], a)
