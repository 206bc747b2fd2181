"""A small workload for ``python -m flagos tune --run`` in tests/python/test_routing_tune.py: a
broadcast matrix product (which tune_provider.tunekernels computes much faster), additions and
multiplications; it hands its time and its results to tune's confirmation."""
from __future__ import annotations

import sys
import time

import torch

import flagos

n = int(sys.argv[1]) if len(sys.argv) > 1 else 384
g = torch.Generator().manual_seed(0)
x = torch.randn(1, n, generator=g).to("flagos").expand(n, n)
w = torch.randn(n, n, generator=g).to("flagos")
a = torch.randn(1 << 16, generator=g).to("flagos")

def step() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return x @ w, a + a, a * a


step()  # the first call of a provider loads it: not part of the time
start = time.perf_counter()
for _ in range(5):
    y, z, m = step()
torch.flagos.synchronize()
elapsed = time.perf_counter() - start
flagos.routing.tune_result(work_s=elapsed, y=y.sum(0)[:8].tolist(), z=z[:8].tolist(), m=m[:8].tolist(),
                           signs=[int(v > 0) for v in y[0, :16].tolist()])
