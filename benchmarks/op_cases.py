"""The op_overhead set: tiny-tensor calls of the operators that dominate real models.

Shared by benchmarks/op_overhead.py (wall-clock, interleaved processes) and
benchmarks/op_instructions.py (instruction counts under callgrind), so that both measure the
same calls. Each case takes a dict of prepared tensors on one device (see `operands`) and makes
one call; the tensors are tiny so the figure is the framework's per-call cost, not arithmetic.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

Operands = dict[str, torch.Tensor]
Case = Callable[[Operands], object]

# Views cost no kernel call: they are reported apart (target: unchanged), not in the medians.
VIEWS = ("a.view(4, 4)", "a[1:3]")

CASES: dict[str, Case] = {
    "torch.add(a, b)": lambda t: torch.add(t["a"], t["b"]),
    "a.add_(b)": lambda t: t["a"].add_(t["b"]),
    "a * 2.0": lambda t: t["a"] * 2.0,
    "a - b": lambda t: t["a"] - t["b"],
    "a / b": lambda t: t["a"] / t["b"],
    "a.mul_(b)": lambda t: t["a"].mul_(t["b"]),
    "torch.relu(a)": lambda t: torch.relu(t["a"]),
    "F.silu(a)": lambda t: F.silu(t["a"]),
    "F.gelu(a)": lambda t: F.gelu(t["a"]),
    "a.sum()": lambda t: t["a"].sum(),
    "a.mean(-1)": lambda t: t["m"].mean(-1),
    "a.view(4, 4)": lambda t: t["a"].view(4, 4),
    "a[1:3]": lambda t: t["a"][1:3],
    "mm 4x4": lambda t: t["m"] @ t["n"],
    "F.linear 4x4": lambda t: F.linear(t["m"], t["n"], t["bias"]),
    "bmm 2x4x4": lambda t: torch.bmm(t["bm"], t["bm"]),
    "torch.cat([a, b])": lambda t: torch.cat([t["a"], t["b"]]),
    "softmax": lambda t: torch.softmax(t["a"], dim=0),
    "F.layer_norm": lambda t: F.layer_norm(t["m"], (4,), t["w4"], t["bias"]),
    "F.rms_norm": lambda t: F.rms_norm(t["m"], (4,), t["w4"]),
    "F.embedding": lambda t: F.embedding(t["ids"], t["m"]),
    "a[idx]": lambda t: t["a"][t["ids"]],
    "a.copy_(b)": lambda t: t["a"].copy_(t["b"]),
    "a.clone()": lambda t: t["a"].clone(),
    "sdpa 1x2x4x4": lambda t: F.scaled_dot_product_attention(t["q"], t["q"], t["q"]),
}


def operands(device: torch.device | str, seed: int = 0) -> Operands:
    """The tensors the cases use, on `device` (same values on every device for one seed)."""
    g = torch.Generator().manual_seed(seed)

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g).to(device)

    return {
        "a": randn(16), "b": randn(16).abs() + 1, "m": randn(4, 4), "n": randn(4, 4), "bias": randn(4),
        "w4": randn(4), "bm": randn(2, 4, 4), "q": randn(1, 2, 4, 4),
        "ids": torch.tensor([0, 3, 1, 2]).to(device),
    }
