"""Replays what `python -m flagos check` found wrong with FlagGems, without flagos in the way.

    python tools/gpu/flaggems_direct.py CHECK_JSON TRACE_JSON [--max-samples N]

For every operator that failed the check, the same samples (the traced ones, with their layouts
and CPU scalar operands, then generated bfloat16 ones) run on plain `cuda` tensors: once on
PyTorch's CUDA kernels, once inside `flag_gems.use_gems()`, the way FlagGems' own users call it.
Where the direct run fails the same way, the failure is FlagGems' own; where it passes, it lies in
flagos' path to FlagGems and is ours to fix. Prints one line per sample.
"""
from __future__ import annotations

import argparse
import json
import torch

from flagos.routing import _check, _samples
from flagos.routing._names import parse


def main() -> None:
    import flag_gems

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("check_json")
    p.add_argument("trace_json")
    p.add_argument("--max-samples", type=int, default=6)
    args = p.parse_args()
    results = json.load(open(args.check_json))["results"]
    rows = json.load(open(args.trace_json))["rows"]
    failed = [r for r in results if r["status"] == "FAIL"]
    print(f"{len(failed)} operators failed the check on flagos; replaying them on cuda tensors with "
          f"flag_gems.use_gems() (flag_gems {flag_gems.__version__}, torch {torch.__version__})")
    print(f"{'operator':34} {'sample':58} direct FlagGems")
    for r in failed:
        name = parse(r["op"])
        op = name.overload_op()
        traced = list(_samples.from_trace(name, rows, 0))
        candidates = [*traced, *_samples.generated(name, (torch.bfloat16,), 0)][: args.max_samples]
        for sample in candidates:
            try:
                ref = _check._run(op, sample, "cuda")
            except Exception:  # noqa: BLE001 (not applicable on CUDA either)
                continue
            try:
                with flag_gems.use_gems():
                    got = _check._run(op, sample, "cuda")
                exact = lambda sample=sample: _check._exact_run(op, sample)  # noqa: E731
                verdict = _check._compare(ref, got, _samples.is_random(name), exact=exact) or "matches CUDA"
            except Exception as e:  # noqa: BLE001 (the finding)
                verdict = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:120]}"
            print(f"{r['op']:34} {sample.label[:58]:58} {verdict}", flush=True)


if __name__ == "__main__":
    main()
