"""The ``flaggems`` provider with real FlagGems kernels (GPU machines only: FlagGems' Triton
kernels cannot run on a CPU; on the host platform these tests skip).

    python -m pytest tests/gpu   # after installing the cuda wheel, flag_gems and its deps

Each test routes operators to FlagGems on flagos tensors and compares with the same operators on
native (the platform's own kernels) over fresh random inputs, with dtype-appropriate tolerances.
"""
from __future__ import annotations

import os
import sys

import pytest
import torch

import flagos

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from testing import rand  # noqa: E402

routing = flagos.routing

pytestmark = pytest.mark.skipif(not flagos.is_flaggems_available(),
                                reason="needs a GPU platform (cuda) with flag_gems installed")

TOL = {torch.float32: (1e-4, 1e-5), torch.float16: (1e-2, 1e-3), torch.bfloat16: (5e-2, 1e-2)}


@pytest.fixture(autouse=True)
def clean_routes():
    routing.reset()
    yield
    routing.reset()


@pytest.fixture(scope="module")
def gems() -> routing.Provider:
    provider = next(p for p in routing.providers() if p.name == "flaggems")
    assert provider.unavailable() is None, provider.unavailable()
    return provider


def test_flaggems_table_comes_from_flaggems(gems) -> None:
    ops = {op.display for op in gems.operators()}
    assert len(ops) > 300, f"FlagGems' table gave only {len(ops)} overloads"
    assert {"add.Tensor", "mm.default", "_softmax.default", "sum.default"} <= ops


CASES = {
    "add.Tensor": lambda a, b: torch.add(a, b, alpha=0.5),
    "mul.Tensor": lambda a, b: a * b,
    "mm.default": lambda a, b: a @ b.T,
    "_softmax.default": lambda a, b: torch.softmax(a, dim=-1),
    "sum.dim_IntList": lambda a, b: a.sum(dim=1),
    "exp.default": lambda a, b: a.exp(),
    "where.self": lambda a, b: torch.where(a > 0, a, b),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize("op", sorted(CASES))
def test_flaggems_routes_match_native(op: str, dtype: torch.dtype, gen: torch.Generator, gems) -> None:
    a, b = rand(gen, 96, 160, dtype=dtype), rand(gen, 96, 160, dtype=dtype)
    fa, fb = a.to("flagos"), b.to("flagos")
    with routing.override({op: "native"}), flagos.trace() as t_native:
        reference = CASES[op](fa, fb)
    with routing.override({op: "flaggems"}), flagos.trace() as t_gems:
        got = CASES[op](fa, fb)
    assert t_native.counts().get((op, "native")) and t_gems.counts().get((op, "flaggems")), t_gems.summary()
    assert got.device.type == "flagos" and got.dtype == reference.dtype and got.shape == reference.shape
    rtol, atol = TOL[dtype]
    scale = 4.0 if op in ("mm.default", "sum.dim_IntList") else 1.0
    torch.testing.assert_close(got.cpu(), reference.cpu(), rtol=rtol * scale, atol=atol * scale)


def test_flaggems_outputs_are_zero_copy(gen: torch.Generator, gems) -> None:
    fa = rand(gen, 4096).to("flagos")
    before = torch.ops.flagos.bridge_stats()
    with routing.override({"add.Tensor": "flaggems"}):
        for _ in range(5):
            fa + fa
    after = torch.ops.flagos.bridge_stats()
    assert after["copied_outputs"] == before["copied_outputs"], "FlagGems' outputs must be adopted, not copied"


def test_registered_ops_follow_the_routes(gems) -> None:
    assert flagos.get_registered_ops() == [] and not flagos.is_flaggems_enabled()
    routing.set("add.Tensor", "flaggems")
    assert flagos.get_registered_ops() == ["add.Tensor"] and flagos.is_flaggems_enabled()
    routing.set_default("flaggems", "native")
    served = flagos.get_registered_ops()
    assert len(served) > 200 and "mm.default" in served
    assert routing.get("mm.default") == "flaggems"
    assert "copy_.default" not in served and "_to_copy.default" not in served  # transfers stay flagos'


def test_whole_flaggems_policy_keeps_transfers_working(gen: torch.Generator, gems) -> None:
    # Under "flaggems, native" every operator FlagGems implements goes to it, but copies between
    # devices stay with flagos' runtime (FlagGems' copy_ is device-local); afterwards the composite
    # operators the policy served directly decompose as before.
    a = rand(gen, 64, 96)
    routing.set_default("flaggems", "native")
    f = a.to("flagos")
    torch.testing.assert_close((f * 2).cpu(), a * 2)
    f.copy_(a + 1)
    torch.testing.assert_close(f.cpu(), a + 1)
    routing.reset()
    torch.testing.assert_close(a.to("flagos").cpu(), a)


def test_training_step_with_flaggems_matmuls(gen: torch.Generator, gems) -> None:
    x, w = rand(gen, 64, 128), rand(gen, 128, 32)
    ref_w = w.double().requires_grad_()
    (x.double() @ ref_w).relu().pow(2).mean().backward()
    fw = w.to("flagos").requires_grad_()
    with routing.override({"mm.default": "flaggems", "relu.default": "flaggems"}), flagos.trace() as t:
        (x.to("flagos") @ fw).relu().pow(2).mean().backward()
    assert t.counts().get(("mm.default", "flaggems"), 0) >= 2  # forward and the weight gradient
    torch.testing.assert_close(fw.grad.cpu().double(), ref_w.grad, rtol=1e-3, atol=1e-4)
