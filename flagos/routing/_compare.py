"""How `python -m flagos check` judges a provider's result against native's.

Exact where exactness is due (shapes, dtypes, integers, NaN positions), per-dtype tolerances for
floating values, and for values out of tolerance a second opinion from the operator in float64.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import torch

# (rtol, atol) per dtype: one kernel against another, both rounding in that dtype.
TOLERANCES = {
    torch.float64: (1e-7, 1e-9),
    torch.float32: (1e-4, 1e-5),
    torch.float16: (1e-2, 1e-3),
    torch.bfloat16: (5e-2, 1e-2),
    torch.complex64: (1e-4, 1e-5),
    torch.complex128: (1e-7, 1e-9),
}


Exact = Optional[Callable[[], Any]]  # gives the float64 CPU result, aligned with the reference


def _part(exact: Exact, i: int) -> Exact:
    return None if exact is None else (lambda: exact()[i])


def compare(ref: Any, got: Any, random: bool, where: str = "result", exact: Exact = None) -> Optional[str]:
    """Why ``got`` differs from ``ref``, or None.

    Values out of tolerance get a second opinion when ``exact`` gives the operator's float64 result:
    a provider within twice native's own error of it (plus the tolerance) passes. Native is an
    approximation too, and where an output is a small difference of large terms (a long reduction,
    a softmax backward) two correct summation orders differ by more than any per-element tolerance.
    """
    if isinstance(ref, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(ref):
            return f"{where}: native gives {len(ref)} values, the provider {type(got).__name__}"
        for i, (r, g) in enumerate(zip(ref, got)):
            why = compare(r, g, random, f"{where}[{i}]", _part(exact, i))
            if why:
                return why
        return None
    if not isinstance(ref, torch.Tensor):
        if isinstance(got, torch.Tensor) or (ref != got and not (ref != ref and got != got)):
            return f"{where}: native gives {ref!r}, the provider {got!r}"
        return None
    if not isinstance(got, torch.Tensor):
        return f"{where}: native gives a tensor, the provider {type(got).__name__}"
    if ref.shape != got.shape or ref.dtype != got.dtype:
        return (f"{where}: native gives {str(ref.dtype).removeprefix('torch.')}{list(ref.shape)}, the provider "
                f"{str(got.dtype).removeprefix('torch.')}{list(got.shape)}")
    if ref.dtype.is_floating_point or ref.dtype.is_complex:
        bad = torch.isfinite(ref) & ~torch.isfinite(got)
        if bad.any():
            return (f"{where}: NaN/Inf where native is finite ({int(bad.sum())} of {ref.numel()} elements)")
        if random:
            return None
        if not torch.equal(torch.isnan(ref), torch.isnan(got)):
            return f"{where}: finite values where native has NaN"
        rtol, atol = TOLERANCES.get(ref.dtype, (1e-4, 1e-5))
        finite = torch.isfinite(ref)
        r, g = ref[finite].double(), got[finite].double()
        excess = (g - r).abs() / (atol + rtol * r.abs())  # > 1 where an element is out of tolerance
        if bool((excess > 1).any()):
            verdict = _against_exact(r, g, finite, rtol, atol, exact)
            if verdict is None:
                return None
            worst = int(excess.argmax())
            return (f"{where}: {int((excess > 1).sum())} of {r.numel()} elements off; worst: native "
                    f"{float(r[worst]):.6g}, provider {float(g[worst]):.6g} (rtol {rtol}, atol {atol}){verdict}")
        if not torch.equal(torch.isinf(ref), torch.isinf(got)) or not torch.equal(ref[torch.isinf(ref)],
                                                                                    got[torch.isinf(ref)]):
            return f"{where}: infinities differ"
        return None
    if random:
        return None
    if not torch.equal(ref, got):
        return f"{where}: {int((ref != got).sum())} of {ref.numel()} elements differ"
    return None


def _against_exact(r: torch.Tensor, g: torch.Tensor, finite: torch.Tensor, rtol: float, atol: float,
                   exact: Exact) -> Optional[str]:
    """None when the provider is within twice native's own error of the float64 result (plus the
    tolerance); else what to add to the failure."""
    if exact is None or torch.is_complex(r):
        return ""
    try:
        x = exact()
    except Exception:  # noqa: BLE001 (no float64 run for this operator or sample: no second opinion)
        return ""
    if not isinstance(x, torch.Tensor) or x.shape != finite.shape:
        return ""
    x = x[finite].double()
    allowed = atol + rtol * x.abs() + 2 * (r - x).abs()
    if bool(((g - x).abs() <= allowed).all()):
        return None
    return "; beyond twice native's own error against float64 too"
