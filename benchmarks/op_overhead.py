"""Per-operator host overhead of flagos tensors against the native device's own tensors.

    ./bazelw run //benchmarks:op_overhead [-- --repeat 7 --loop 2000]

For each operator it times a Python loop of `--loop` calls on tiny tensors (so the time is the
framework's per-call cost, not arithmetic), `--repeat` times, for native tensors (cpu on the host
platform, cuda on the cuda platform) and for flagos tensors, and prints medians and the
difference. Timings on a shared machine are noisy: read the medians, rerun to compare.
"""
from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import torch

import flagos

Case = Callable[[torch.Tensor, torch.Tensor], object]

CASES: dict[str, Case] = {
    "torch.add(a, b)": lambda a, b: torch.add(a, b),
    "a.add_(b)": lambda a, b: a.add_(b),
    "a * 2.0": lambda a, b: a * 2.0,
    "torch.relu(a)": lambda a, b: torch.relu(a),
    "a.sum()": lambda a, b: a.sum(),
    "a.view(4, 4)": lambda a, b: a.view(4, 4),
    "a[1:3]": lambda a, b: a[1:3],
    "mm 4x4": lambda a, b: a.view(4, 4) @ b.view(4, 4),
    "torch.cat([a, b])": lambda a, b: torch.cat([a, b]),
    "softmax": lambda a, b: torch.softmax(a, dim=0),
    "a.clone()": lambda a, b: a.clone(),
}


def per_call_us(fn: Case, a: torch.Tensor, b: torch.Tensor, loop: int, sync: Callable[[], None]) -> float:
    for _ in range(min(loop, 200)):
        fn(a, b)
    sync()
    start = time.perf_counter()
    for _ in range(loop):
        fn(a, b)
    sync()
    return (time.perf_counter() - start) / loop * 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--loop", type=int, default=2000, help="calls per timing")
    p.add_argument("--repeat", type=int, default=15, help="timings per operator and device (median reported)")
    p.add_argument("--native", default="cuda" if flagos.platform == "cuda" else "cpu",
                   help="device to compare against (default: the platform's native device)")
    args = p.parse_args()

    native = torch.device(args.native)
    sync_native = torch.cuda.synchronize if native.type == "cuda" else (lambda: None)
    x, y = torch.randn(16), torch.randn(16)
    devices = {"native": (x.to(native), y.to(native), sync_native),
               "flagos": (x.to("flagos"), y.to("flagos"), torch.flagos.synchronize)}
    print(f"flagos {flagos.__version__} platform={flagos.platform} torch {torch.__version__}; "
          f"native device: {native.type}; {args.loop} calls x {args.repeat} repeats, tensors of 16 floats")
    print(f"{'operation':22}{native.type + ' us':>10}{'flagos us':>11}{'overhead us':>13}{'ratio':>8}")
    for name, fn in CASES.items():
        samples: dict[str, list[float]] = {label: [] for label in devices}
        for _ in range(args.repeat):  # interleaved, so drifts of the machine hit both alike
            for label, (a, b, sync) in devices.items():
                samples[label].append(per_call_us(fn, a, b, args.loop, sync))
        n, f = statistics.median(samples["native"]), statistics.median(samples["flagos"])
        print(f"{name:22}{n:10.2f}{f:11.2f}{f - n:+13.2f}{f / n:8.2f}")


if __name__ == "__main__":
    main()
