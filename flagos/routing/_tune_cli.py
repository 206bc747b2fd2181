"""``python -m flagos tune``: the command line of flagos/routing/_tune.py.

    python -m flagos tune --run train.py --epochs 1 --write-routes tuned.conf   # trace, tune, confirm
    python -m flagos tune --trace trace.json --providers native,flaggems --json tune.json --plot tune.png
    FLAGOS_ROUTES=tuned.conf python train.py
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Optional


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m flagos tune", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trace", action="append", default=[], help="trace JSON (FLAGOS_TRACE=path or flagos.trace())")
    p.add_argument("--run", nargs=argparse.REMAINDER, metavar="SCRIPT ARGS",
                   help="trace this script (unless --trace gives its trace), then confirm the tuned routes on it "
                        "(the last option: what follows goes to the script)")
    p.add_argument("--providers", help="comma-separated candidates (default: every available provider); "
                                       "native is always one")
    p.add_argument("--ops", help="comma-separated operator overloads to tune (default: every traced one)")
    p.add_argument("--write-routes", metavar="FILE", help="write the tuned routes here")
    p.add_argument("--json", metavar="FILE", help="write every measurement and decision as JSON")
    p.add_argument("--plot", metavar="PNG", help="plot time per operator per provider (matplotlib)")
    p.add_argument("--dtypes", help="dtypes of check's generated samples (default: the traced floating dtypes; "
                                    "'none': traced samples only)")
    p.add_argument("--max-samples", type=int, default=4, help="generated samples checked per operator")
    p.add_argument("--max-shapes", type=int, default=8, help="most-called traced signatures timed per operator")
    p.add_argument("--repeats", type=int, default=7, help="timed batches per sample")
    p.add_argument("--min-speedup", type=float, default=1.05, help="a route leaves native only this much faster")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--no-isolate", action="store_true", help="run the jobs in this process (faster, less safe)")
    p.add_argument("--no-confirm", action="store_true", help="with --run: skip the end-to-end confirmation")
    p.add_argument("--confirm-runs", type=int, default=1, help="confirmation runs per routing (alternating)")
    p.add_argument("--timeout", type=float, default=None, help="seconds allowed for each run of the script")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds for checking and timing; operators not reached by then stay native")
    return p


def main(argv: Optional[list[str]] = None) -> int:
    args = _parser().parse_args(argv)
    from ._tune import TuneError, tune
    from ._tune_report import format_confirmation, format_table, plot

    dtypes = None
    if args.dtypes:
        dtypes = [] if args.dtypes == "none" else args.dtypes.split(",")
    try:
        report = tune(trace=args.trace, run=args.run, providers=args.providers.split(",") if args.providers else None,
                      ops=args.ops.split(",") if args.ops else (), write_routes=args.write_routes, dtypes=dtypes,
                      max_samples=args.max_samples, max_shapes=args.max_shapes, repeats=args.repeats,
                      min_speedup=args.min_speedup, seed=args.seed, isolate=not args.no_isolate,
                      confirm=not args.no_confirm, confirm_runs=args.confirm_runs, timeout_s=args.timeout,
                      budget_s=args.budget)
    except TuneError as e:
        print(e, file=sys.stderr)
        return 2
    print(format_table(report))
    if report.confirmation is not None:
        print(format_confirmation(report.confirmation))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report.to_json(), f, indent=1)
    if args.plot:
        plot(args.plot, report)
    if args.write_routes:
        print(f"routes written to {args.write_routes} (use: FLAGOS_ROUTES={args.write_routes})")
    if not report.choices:
        print("flagos tune: nothing to tune: no traced operator has a candidate provider besides native",
              file=sys.stderr)
    return 0

