"""scaled_dot_product_attention on flagos chooses its kernel by the native device's rules, which
depend on autograd state as well as on shapes: a mask that requires grad (T5's relative position
bias) rules out kernels without a mask gradient, on the CPU as on CUDA. References: the same
calls on CPU tensors (outputs and every input's gradient) in float64.
"""
from __future__ import annotations

import re

import pytest
import torch
import torch.nn.functional as F

from testing import DEVICE, assert_close_to_reference, rand

SHAPES = {"q": (2, 4, 8, 16), "k": (2, 4, 6, 16), "v": (2, 4, 6, 16)}
# On a platform whose native device is a GPU (cuda), that device's own behaviour is also checked.
NATIVE_GPU = "cuda" if torch.ops.flagos.platform() == "cuda" else None
MASKS = {"per_head": (1, 4, 8, 6), "full": (2, 4, 8, 6), "broadcast_2d": (8, 6)}


def _run(inputs: dict[str, torch.Tensor], device: str, grad: set[str]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    leaves = {n: t.to(device).detach().requires_grad_(n in grad) for n, t in inputs.items()}
    out = F.scaled_dot_product_attention(leaves["q"], leaves["k"], leaves["v"], attn_mask=leaves.get("mask"))
    if grad:
        (out * out).sum().backward()
    return out, {n: leaves[n].grad for n in grad}


@pytest.mark.parametrize("mask_shape", sorted(MASKS))
@pytest.mark.parametrize("grad", ["all", "mask_only", "qkv_only"])
def test_mask_requiring_grad_trains_like_cpu(mask_shape: str, grad: str, gen: torch.Generator) -> None:
    inputs = {n: rand(gen, *s) for n, s in SHAPES.items()} | {"mask": rand(gen, *MASKS[mask_shape])}
    needs = {"all": {"q", "k", "v", "mask"}, "mask_only": {"mask"}, "qkv_only": {"q", "k", "v"}}[grad]
    ref_out, ref_grads = _run({n: t.double() for n, t in inputs.items()}, "cpu", needs)
    if NATIVE_GPU:
        # The native device is the reference for what it refuses: where its own kernels cannot
        # train these inputs, flagos (which runs them) must fail the same way, not differently.
        try:
            _run(inputs, NATIVE_GPU, needs)
        except RuntimeError as native_error:
            with pytest.raises(RuntimeError, match=re.escape(str(native_error).splitlines()[0][:60])):
                _run(inputs, DEVICE, needs)
            return
    out, grads = _run(inputs, DEVICE, needs)
    assert_close_to_reference(out, ref_out)
    for name in needs:
        assert grads[name] is not None, f"no gradient for {name}"
        assert_close_to_reference(grads[name], ref_grads[name], scale=10)


def test_mask_requiring_grad_under_no_grad(gen: torch.Generator) -> None:
    # Without grad mode the requires_grad flags do not matter (the native choice ignores them too).
    inputs = {n: rand(gen, *s) for n, s in SHAPES.items()} | {"mask": rand(gen, *MASKS["per_head"])}
    with torch.no_grad():
        ref, _ = _run({n: t.double() for n, t in inputs.items()}, "cpu", set())
        leaves = {n: t.to(DEVICE).requires_grad_() for n, t in inputs.items()}
        out = F.scaled_dot_product_attention(leaves["q"], leaves["k"], leaves["v"], attn_mask=leaves["mask"])
    assert_close_to_reference(out, ref)


def test_t5_style_position_bias_trains(gen: torch.Generator) -> None:
    # A learned bias table gathered into a per-head mask, as T5's relative attention does.
    table = rand(gen, 15, 4)
    positions = torch.arange(8)[:, None] - torch.arange(8)[None, :] + 7
    q, k, v = (rand(gen, 2, 4, 8, 16) for _ in range(3))
    grads = []
    for device, dtype in (("cpu", torch.float64), (DEVICE, torch.float32)):
        bias = table.to(device, dtype).requires_grad_()
        qd, kd, vd = (t.to(device, dtype).requires_grad_() for t in (q, k, v))
        mask = bias[positions.to(device)].permute(2, 0, 1).unsqueeze(0)
        F.scaled_dot_product_attention(qd, kd, vd, attn_mask=mask).pow(2).sum().backward()
        grads.append(bias.grad)
    assert_close_to_reference(grads[1], grads[0], scale=10)
