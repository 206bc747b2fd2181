"""Per-operator host cost of flagos tensors in instructions, under callgrind (host platform).

    python benchmarks/op_instructions.py OUT_DIR [--calls 200] [--only NAME ...]
    ./bazelw run //benchmarks:op_instructions -- OUT_DIR

Wall-clock figures on a shared machine move by more than the differences being measured; an
instruction count does not. This runs one Python process under `valgrind --tool=callgrind` with
collection off except between markers: for each case of the op_overhead set (op_cases.py) it
makes `--calls` calls on CPU tensors, then the same on flagos tensors (after a warm-up of each,
so plans, routes and pools are built), and callgrind dumps the counts of each segment when the
script calls `os.getppid()` (the marker, `--dump-before=getppid`). The table gives instructions
per call on cpu, on flagos, and their difference; OUT_DIR/op_instructions.{txt,json} keep it.
Needs valgrind; the host platform (native device cpu) is what it measures.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def worker(calls: int, only: list[str], go: str, inference: bool) -> None:
    """Runs inside callgrind: marker, segment, marker, ... in the order the driver expects."""
    import torch

    import flagos  # noqa: F401
    from op_cases import CASES, operands

    torch.set_num_threads(1)
    if inference:  # generation runs in inference mode: the whole worker does, operands included
        torch.inference_mode().__enter__()
    devices = {"cpu": operands("cpu"), "flagos": operands("flagos")}
    # The driver turns instrumentation on, then creates `go`. Spin rather than block: callgrind
    # reads its commands while the program runs.
    print("ready", flush=True)
    while not os.path.exists(go):
        pass
    for name, fn in CASES.items():
        if only and name not in only:
            continue
        for label, t in devices.items():
            for _ in range(20):
                fn(t)  # warm-up: plans, routes, pools; not counted
            os.getppid()  # marker: ends the previous segment
            for _ in range(calls):
                fn(t)
            os.getppid()  # marker: this segment is the `calls` calls
        print(f"case {name}", flush=True)


def totals(path: str) -> int:
    with open(path) as fh:
        for line in fh:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError(f"no totals line in {path}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out_dir", nargs="?", default=".", help="where op_instructions.{txt,json} go")
    p.add_argument("--calls", type=int, default=200, help="calls per counted segment")
    p.add_argument("--only", nargs="*", default=[], help="case names (default: all)")
    p.add_argument("--inference-mode", action="store_true", help="make every call under torch.inference_mode")
    p.add_argument("--keep", action="store_true", help="keep callgrind's dumps in OUT_DIR/callgrind (for callgrind_annotate)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--go", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args.calls, args.only, args.go, args.inference_mode)
        return

    from op_cases import CASES, VIEWS

    assert shutil.which("valgrind"), "op_instructions needs valgrind (apt-get install valgrind)"
    names = [n for n in CASES if not args.only or n in args.only]
    tmp = tempfile.mkdtemp(prefix="op_instructions.")
    env = dict(os.environ, OMP_NUM_THREADS="1", TORCH_DEVICE_BACKEND_AUTOLOAD="0")
    # Instrumentation starts off (importing torch under full instrumentation takes minutes) and is
    # turned on by callgrind_control once the worker has its operands ready.
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--dump-before=getppid",
           "--dump-instr=no", "--compress-strings=no", f"--callgrind-out-file={tmp}/cg.out.%p",
           sys.executable, os.path.abspath(__file__), "--worker", "--calls", str(args.calls),
           "--go", f"{tmp}/go"]
    cmd += ["--inference-mode"] if args.inference_mode else []
    cmd += ["--only", *names] if args.only else []
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline().strip() == "ready", "the worker did not start"
    subprocess.run(["callgrind_control", "--instr=on", str(proc.pid)], check=True, stdout=subprocess.DEVNULL)
    open(f"{tmp}/go", "w").close()
    for line in proc.stdout:
        print(line.rstrip(), flush=True)
    assert proc.wait() == 0, f"the worker failed ({proc.returncode})"
    dumps = glob.glob(f"{tmp}/cg.out.*.*")
    dumps.sort(key=lambda f: int(re.search(r"\.(\d+)$", f).group(1)))
    counts = [totals(f) for f in dumps]
    # Dump k (1-based) holds what ran before the k-th marker. Markers come in pairs per segment:
    # dump 2, 4, 6, ... are the counted segments, cpu then flagos for each case.
    segments = counts[1::2]
    assert len(segments) >= 2 * len(names), f"expected {2 * len(names)} segments, got {len(segments)}"
    if args.keep:
        shutil.rmtree(os.path.join(args.out_dir, "callgrind"), ignore_errors=True)
        shutil.copytree(tmp, os.path.join(args.out_dir, "callgrind"))
    shutil.rmtree(tmp)

    rows = []
    for i, name in enumerate(names):
        cpu, fl = segments[2 * i] / args.calls, segments[2 * i + 1] / args.calls
        rows.append({"case": name, "cpu": cpu, "flagos": fl, "overhead": fl - cpu, "view": name in VIEWS})
    ops = [r["overhead"] for r in rows if not r["view"]]
    mode = ", torch.inference_mode" if args.inference_mode else ""
    lines = [f"instructions per call, host platform{mode}, {args.calls} calls per segment (callgrind)",
             f"{'operation':22}{'cpu':>10}{'flagos':>10}{'flagos-cpu':>12}{'ratio':>8}"]
    for r in rows:
        lines.append(f"{r['case']:22}{r['cpu']:10.0f}{r['flagos']:10.0f}{r['overhead']:+12.0f}"
                     f"{r['flagos'] / r['cpu']:8.2f}{'  (view)' if r['view'] else ''}")
    if ops:
        lines.append(f"median overhead over {len(ops)} non-view operators: {statistics.median(ops):+.0f} "
                     f"instructions per call (max {max(ops):+.0f})")
    text = "\n".join(lines)
    print(text)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "op_instructions.txt"), "w") as fh:
        fh.write(text + "\n")
    with open(os.path.join(args.out_dir, "op_instructions.json"), "w") as fh:
        json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
