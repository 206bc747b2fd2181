"""Shared helpers for flagos' Python tests: references, tolerances, fresh inputs.

Results on flagos are compared with a CPU reference computed in float64 (or the same dtype where
the operation is exact), with tolerances that fit the dtype under test.
"""
from __future__ import annotations

import os
import random
import zlib

import torch

DEVICE = "flagos"

# Inputs are fresh on every run yet reproducible: FLAGOS_TEST_SEED=<seed> replays a session. Every
# test directory's conftest prints this seed in pytest's report header.
SESSION_SEED = int(os.environ.get("FLAGOS_TEST_SEED") or random.SystemRandom().randrange(2**31))


def generator_for(nodeid: str) -> torch.Generator:
    """A CPU generator private to one test (its pytest node id) in this session."""
    return torch.Generator().manual_seed(zlib.crc32(nodeid.encode()) ^ SESSION_SEED)


# (rtol, atol) for comparing a result in `dtype` with a float64 reference.
TOLERANCES: dict[torch.dtype, tuple[float, float]] = {
    torch.float64: (1e-12, 1e-12),
    torch.float32: (1e-5, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-2),
    torch.float16: (2e-3, 1e-3),
}


def rand(gen: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Random CPU input drawn from the test's generator (never zeros: zeros hide unwritten outputs)."""
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)


def assert_close_to_reference(actual: torch.Tensor, reference: torch.Tensor, dtype: torch.dtype | None = None,
                              scale: float = 1.0) -> None:
    """`actual` (any device) against `reference` (computed in float64 on CPU); `scale` widens the
    dtype's tolerance for results that legitimately accumulate more rounding."""
    assert actual.device.type == DEVICE, f"result is on {actual.device}, expected a flagos tensor"
    dtype = dtype or actual.dtype
    rtol, atol = (scale * t for t in TOLERANCES.get(dtype, (0.0, 0.0)))
    got = actual.detach().cpu()
    assert not torch.isnan(got).any() or torch.isnan(reference).any(), "NaN in the flagos result"
    if got.is_floating_point() or got.is_complex():
        torch.testing.assert_close(got.to(torch.float64), reference.to(torch.float64), rtol=rtol, atol=atol)
    else:
        assert torch.equal(got, reference.to(got.dtype)), f"{got} != {reference}"
