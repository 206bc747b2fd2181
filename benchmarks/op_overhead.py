"""Per-operator host overhead of flagos tensors against the native device's own tensors.

    python benchmarks/op_overhead.py [OUT_DIR] [--processes 5] [--loop 1000] [--repeat 5]
    ./bazelw run //benchmarks:op_overhead -- OUT_DIR

Protocol (wall-clock on shared machines moves by more than the differences measured):
  - the op_overhead set (op_cases.py): tiny tensors, so the time is the per-call cost, not arithmetic;
  - `--processes` worker processes, one after the other; in each, every case is timed `--repeat`
    times as a Python loop of `--loop` calls, native and flagos interleaved (native, flagos,
    native, ...) so that drifts of the machine hit both alike; a process reports its medians;
  - the table gives, over processes, the median native and flagos µs per call, the overhead
    (flagos - native) as median [min, max] of the per-process overheads, and the ratio likewise.
The figures a target is judged on are the median overhead of the non-view operators and the worst
operator; views are listed apart (they take no kernel). OUT_DIR/op_overhead.{txt,json} keep it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def per_call_us(fn: Callable[[dict], object], t: dict, loop: int, sync: Callable[[], None]) -> float:
    for _ in range(min(loop, 100)):
        fn(t)
    sync()
    start = time.perf_counter()
    for _ in range(loop):
        fn(t)
    sync()
    return (time.perf_counter() - start) / loop * 1e6


def worker(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """One process: per case, the median µs per call on each device."""
    import torch

    import flagos
    from op_cases import CASES, operands

    native = torch.device(args.native or ("cuda" if flagos.platform == "cuda" else "cpu"))
    sync_native = torch.cuda.synchronize if native.type == "cuda" else (lambda: None)
    if native.type == "cpu":
        torch.set_num_threads(1)  # both sides run CPU kernels: no OpenMP team waits on a shared machine
    devices = {"native": (operands(native), sync_native), "flagos": (operands("flagos"), torch.flagos.synchronize)}
    out: dict[str, dict[str, float]] = {}
    for name, fn in CASES.items():
        samples: dict[str, list[float]] = {label: [] for label in devices}
        for _ in range(args.repeat):
            for label, (t, sync) in devices.items():
                samples[label].append(per_call_us(fn, t, args.loop, sync))
        out[name] = {label: statistics.median(v) for label, v in samples.items()}
    out["_about"] = {"native": native.type, "torch": torch.__version__, "flagos": flagos.__version__,
                     "platform": flagos.platform}  # type: ignore[dict-item]
    return out


def spread(values: list[float], fmt: str) -> str:
    return f"{statistics.median(values):{fmt}} [{min(values):{fmt}}, {max(values):{fmt}}]"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out_dir", nargs="?", default=None, help="where op_overhead.{txt,json} go (default: print only)")
    p.add_argument("--processes", type=int, default=5, help="worker processes (the spread is over them)")
    p.add_argument("--loop", type=int, default=1000, help="calls per timing")
    p.add_argument("--repeat", type=int, default=5, help="timings per case and device in each process")
    p.add_argument("--native", default=None, help="device to compare against (default: the platform's native device)")
    p.add_argument("--worker-json", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker_json:
        with open(args.worker_json, "w") as fh:
            json.dump(worker(args), fh)
        return

    from op_cases import VIEWS

    runs = []
    for i in range(args.processes):
        with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
            cmd = [sys.executable, os.path.abspath(__file__), "--worker-json", tmp.name, "--loop", str(args.loop),
                   "--repeat", str(args.repeat)] + (["--native", args.native] if args.native else [])
            subprocess.run(cmd, check=True)
            runs.append(json.load(open(tmp.name)))
        print(f"process {i + 1}/{args.processes} done", file=sys.stderr, flush=True)
    about = runs[0].pop("_about")
    for r in runs[1:]:
        r.pop("_about")
    n = about["native"]
    lines = [f"flagos {about['flagos']} platform={about['platform']} torch {about['torch']}; native device: {n}; "
             f"{args.processes} processes x {args.repeat} interleaved timings x {args.loop} calls",
             f"{'operation':22}{n + ' us':>9}{'flagos us':>10}   {'overhead us: median [min, max]':32}"
             f"{'ratio: median [min, max]'}"]
    rows = []
    for name in runs[0]:
        nat = [r[name]["native"] for r in runs]
        fl = [r[name]["flagos"] for r in runs]
        over = [f - a for a, f in zip(nat, fl)]
        ratio = [f / a for a, f in zip(nat, fl)]
        rows.append({"case": name, "native_us": nat, "flagos_us": fl, "view": name in VIEWS})
        lines.append(f"{name:22}{statistics.median(nat):9.2f}{statistics.median(fl):10.2f}   "
                     f"{spread(over, '+.2f'):32}{spread(ratio, '.2f')}{'  (view)' if name in VIEWS else ''}")
    ops = [statistics.median([f - a for a, f in zip(r["native_us"], r["flagos_us"])]) for r in rows if not r["view"]]
    lines.append(f"median overhead over {len(ops)} non-view operators: {statistics.median(ops):+.2f} us "
                 f"(worst {max(ops):+.2f} us)")
    text = "\n".join(lines)
    print(text)
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        with open(os.path.join(args.out_dir, "op_overhead.txt"), "w") as fh:
            fh.write(text + "\n")
        with open(os.path.join(args.out_dir, "op_overhead.json"), "w") as fh:
            json.dump({"about": about, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
