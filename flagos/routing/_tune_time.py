"""How ``python -m flagos tune`` times one operator call on one provider.

What a route costs a workload is what each call costs in a stream of calls: the host's dispatch
(FlagGems' Python dispatch is 20 to 110 µs) or the device's kernel, whichever is longer, since a
device runs ahead of its host. So a measurement is a batch of back-to-back calls between two
device synchronisations, divided by the batch's length: no per-call synchronisation, whose own
cost (tens of µs on a GPU) would swamp small kernels, and no overlap with anything else.

  - the first call is timed on its own and reported apart: it includes Triton's compilation and
    autotuning (seconds to minutes), which a workload pays once, not per call;
  - a few more calls warm up caches and allocators;
  - batches are sized to last about ``batch_s`` (1 to ``max_batch`` calls), repeated ``repeats``
    times; the result is the median per-call time and its spread (quartiles, min, max);
  - a candidate far slower than the best time known for the sample (``give_up`` times, in its
    fastest of the first three batches) stops there: it cannot win, and a slow provider (the cpu
    one on a large tensor) must not cost minutes.

In-place operators run again and again on the same inputs, whose values drift; kernels' speed
does not depend on values on the devices flagos targets (the CPU's denormals aside).
"""
from __future__ import annotations

import dataclasses
import statistics
import time
from typing import Any, Callable, Optional

import torch


@dataclasses.dataclass
class Timing:
    """Per-call µs of one provider on one sample."""

    median_us: float
    q1_us: float
    q3_us: float
    min_us: float
    max_us: float
    first_us: float  # the first call alone (JIT compilation, autotuning); not in the median
    batches: int
    calls: int  # calls per batch
    cut_short: bool = False  # stopped after three batches: far slower than the best known

    @property
    def jit_us(self) -> float:
        """What the first call cost beyond a steady call: compilation and autotuning."""
        return max(0.0, self.first_us - self.median_us)


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def measure(call: Callable[[], Any], sync: Callable[[], None], repeats: int = 7, warmup: int = 2,
            batch_s: float = 0.002, max_batch: int = 200, best_us: Optional[float] = None,
            give_up: float = 10.0) -> Timing:
    """Times ``call`` (one operator call on prepared inputs) as described in the module docstring."""
    sync()
    start = time.perf_counter()
    call()
    sync()
    first = (time.perf_counter() - start) * 1e6
    one = first
    for _ in range(warmup):
        sync()
        start = time.perf_counter()
        call()
        sync()
        one = min(one, (time.perf_counter() - start) * 1e6)
    n = max(1, min(max_batch, int(batch_s * 1e6 / max(one, 0.1))))
    times: list[float] = []
    for i in range(repeats):
        sync()
        start = time.perf_counter()
        for _ in range(n):
            call()
        sync()
        times.append((time.perf_counter() - start) * 1e6 / n)
        if i == 2 and best_us is not None and min(times) > give_up * best_us:
            q1, q3 = _quartiles(times)
            return Timing(statistics.median(times), q1, q3, min(times), max(times), first, len(times), n,
                          cut_short=True)
    q1, q3 = _quartiles(times)
    return Timing(statistics.median(times), q1, q3, min(times), max(times), first, len(times), n)


def device_sync() -> Callable[[], None]:
    """Waits for the current flagos device (what a kernel provider's work is queued on too)."""
    flagos_mod = getattr(torch, "flagos")
    return flagos_mod.synchronize
