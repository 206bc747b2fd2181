"""How the Qwen3 tests judge a result against its reference: tolerances scaled to the dtype and to
the size of the values, and greedy decodes compared token by token.

Why scaled tolerances: a model's logits and gradients span orders of magnitude from one model (or
parameter) to another, and their rounding error grows with that magnitude, not with a fixed atol.
A tolerance here is `factor` units of the dtype's machine epsilon times the largest reference
magnitude, so the factor says how many roundings of slack a comparison allows.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Mapping, Optional, Sequence

import torch


def eps(dtype: torch.dtype) -> float:
    return torch.finfo(dtype).eps


def assert_scaled_close(actual: torch.Tensor, reference: torch.Tensor, dtype: torch.dtype, factor: float,
                        what: str) -> None:
    """|actual - reference| <= factor * eps(dtype) * max|reference| elementwise, NaN never allowed."""
    got, ref = actual.detach().cpu().double(), reference.detach().cpu().double()
    assert got.shape == ref.shape, f"{what}: shape {tuple(got.shape)} != reference {tuple(ref.shape)}"
    assert torch.isfinite(got).all(), f"{what}: non-finite values on the device under test"
    scale = ref.abs().max().item()
    atol = factor * eps(dtype) * scale
    err = (got - ref).abs().max().item()
    assert err <= atol, (f"{what}: max |difference| {err:.3e} exceeds {atol:.3e} "
                         f"({factor} x eps({dtype}) x max|reference| {scale:.3e})")


def assert_grads_close(actual: Mapping[str, torch.Tensor], reference: Mapping[str, torch.Tensor],
                       dtype: torch.dtype, factor: float) -> None:
    """Every parameter's gradient, each scaled by its own largest reference value."""
    assert set(actual) == set(reference), f"parameters differ: {sorted(set(actual) ^ set(reference))}"
    for name in sorted(reference):
        assert_scaled_close(actual[name], reference[name], dtype, factor, f"gradient of {name}")


def assert_curves_close(actual: Sequence[float], reference: Sequence[float], rtol: float | Sequence[float],
                        what: str) -> None:
    """Two loss curves, step by step, each step within its rtol (one for all, or one per step) of
    the reference's value."""
    assert len(actual) == len(reference), f"{what}: {len(actual)} steps, reference has {len(reference)}"
    rtols = [rtol] * len(reference) if isinstance(rtol, (int, float)) else list(rtol)
    assert len(rtols) == len(reference), f"{what}: {len(rtols)} tolerances for {len(reference)} steps"
    for step, (a, r, tol) in enumerate(zip(actual, reference, rtols)):
        assert math.isfinite(a), f"{what}: step {step} loss is {a}"
        assert abs(a - r) <= tol * abs(r), (f"{what}: step {step} loss {a:.6f} vs reference {r:.6f} "
                                            f"(rtol {tol})\n  device:    {list(actual)}\n  reference: {list(reference)}")


def ulp(value: float, dtype: torch.dtype) -> float:
    """The spacing of `dtype`'s numbers at |value| (one unit in the last place)."""
    value = abs(value)
    if value == 0.0:
        return torch.finfo(dtype).tiny
    return eps(dtype) * 2.0 ** math.floor(math.log2(value))


@dataclasses.dataclass
class Divergence:
    """Where a greedy decode first left the reference's, and why that is explained by rounding."""

    row: int
    step: int  # index among the generated tokens
    token: int  # the device's choice
    reference_token: int
    gap: float  # reference score of its token minus reference score of the device's token
    tolerance: float

    def __str__(self) -> str:
        return (f"row {self.row} diverged at generated token {self.step}: {self.token} instead of "
                f"{self.reference_token}; on the reference their scores differ by {self.gap:.3e} "
                f"<= {self.tolerance:.3e} (a tie within rounding)")


def compare_greedy(tokens: torch.Tensor, reference_tokens: torch.Tensor, reference_scores: torch.Tensor,
                   prompt_length: int, tie_dtype: Optional[torch.dtype], tie_ulps: float = 2.0) -> list[Divergence]:
    """Checks a greedy decode against the reference's: the same tokens, or, where `tie_dtype` is
    given, tokens that agree up to a first divergence that the reference itself calls a tie: at that
    step the reference's score for the device's token is within `tie_ulps` units of `tie_dtype`
    rounding of its own best score. After a divergence the two decodes condition on different
    prefixes, so nothing later in that row is compared. Returns the explained divergences; raises
    AssertionError for anything else (tie_dtype None: any difference)."""
    assert tokens.shape == reference_tokens.shape, f"shape {tuple(tokens.shape)} != {tuple(reference_tokens.shape)}"
    assert torch.equal(tokens[:, :prompt_length], reference_tokens[:, :prompt_length]), "the prompts differ"
    new = tokens[:, prompt_length:]
    ref = reference_tokens[:, prompt_length:]
    assert reference_scores.shape[:2] == ref.T.shape, "scores must be (steps, batch, vocab)"
    # The reference's tokens must be its scores' argmax: greedy decoding, as the comparison assumes.
    assert torch.equal(reference_scores.argmax(-1).T, ref), "the reference's tokens are not its scores' argmax"
    explained: list[Divergence] = []
    for row in range(new.shape[0]):
        differs = (new[row] != ref[row]).nonzero()
        if differs.numel() == 0:
            continue
        step = int(differs[0])
        token, best = int(new[row, step]), int(ref[row, step])
        scores = reference_scores[step, row].double()
        gap = (scores[best] - scores[token]).item()
        tolerance = tie_ulps * ulp(scores[best].item(), tie_dtype) if tie_dtype is not None else 0.0
        where = (f"row {row}: generated token {step} is {token}, the reference chose {best} "
                 f"(reference score gap {gap:.3e}, tie tolerance {tolerance:.3e})\n"
                 f"  device:    {new[row].tolist()}\n  reference: {ref[row].tolist()}")
        assert tie_dtype is not None, f"greedy decodes differ: {where}"
        assert gap <= tolerance, f"greedy decodes differ where the reference saw no tie: {where}"
        explained.append(Divergence(row, step, token, best, gap, tolerance))
    return explained
