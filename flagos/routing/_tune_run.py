"""The workload side of ``python -m flagos tune``: reading traces, tracing ``--run script.py
args``, and the end-to-end confirmation (the workload again with the tuned routes, against
all-native).

A workload tells tune what to compare by calling :func:`result` (``flagos.routing.tune_result``),
which writes JSON to ``FLAGOS_TUNE_RESULT`` when tune runs it and does nothing otherwise::

    flagos.routing.tune_result(decode_s=elapsed, tokens=tokens, loss=losses)

Keys ending in ``_s`` or ``_ms`` are times (compared as ratios, tuned/native); other values are
compared with native's (integers exactly, floats by their largest difference). Without it, tune
compares the processes' wall times, which include start-up and Triton's compilation.
"""
from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Optional

RESULT_VARIABLE = "FLAGOS_TUNE_RESULT"


def result(**values: Any) -> None:
    """Hands ``values`` (JSON-able) to ``python -m flagos tune``'s confirmation, when it runs this process."""
    path = os.environ.get(RESULT_VARIABLE)
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(values, f)


def read_traces(paths: Any) -> list[dict[str, Any]]:
    from .._trace import Trace
    from ._tune import TuneError

    rows: list[dict[str, Any]] = []
    for path in paths:
        if not os.path.isfile(path):
            raise TuneError(f"flagos tune: --trace {path}: no such file (write one with FLAGOS_TRACE={path} "
                            "python your_script.py, or let tune trace it: --run your_script.py)")
        try:
            trace = Trace.load(path)
        except (ValueError, KeyError, TypeError) as e:
            raise TuneError(f"flagos tune: --trace {path}: not a readable flagos trace ({e})") from None
        rows += [{"op": r.op, "provider": r.provider, "args": r.args, "calls": r.calls} for r in trace.rows]
    if not rows:
        raise TuneError(f"flagos tune: {', '.join(paths)}: the trace has no operator calls on flagos tensors")
    return rows


def check_script(argv: list[str]) -> None:
    from ._tune import TuneError

    if not argv:
        raise TuneError("flagos tune: --run needs a script: --run script.py [args]")
    try:
        with open(argv[0], "rb"):
            pass
    except OSError as e:
        raise TuneError(f"flagos tune: --run {argv[0]}: cannot read the script: {e.strerror}") from None


def _run(argv: list[str], env: dict[str, str], timeout_s: Optional[float]) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, *argv], env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired as e:
        stderr = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        proc = subprocess.CompletedProcess(e.cmd, 124, "", stderr + f"\nstopped after the {timeout_s:.0f} s timeout")
    return proc, time.perf_counter() - start


def trace_script(argv: list[str], timeout_s: Optional[float]) -> list[dict[str, Any]]:
    """Runs the script once with FLAGOS_TRACE and returns the trace's rows."""
    from ._tune import TuneError

    check_script(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trace.json")
        print(f"flagos tune: tracing {' '.join(argv)}", file=sys.stderr)
        proc, seconds = _run(argv, {"FLAGOS_TRACE": path}, timeout_s)
        if proc.returncode != 0:
            tail = "\n  ".join(proc.stderr.strip().splitlines()[-6:])
            raise TuneError(f"flagos tune: --run {argv[0]} failed (exit {proc.returncode}) while traced:\n  {tail}")
        if not os.path.exists(path):
            raise TuneError(f"flagos tune: --run {argv[0]} wrote no trace: does it import flagos (or torch, which "
                            "autoloads it) and exit normally?")
        print(f"flagos tune: traced in {seconds:.1f} s", file=sys.stderr)
        return read_traces([path])


def _compare_values(native: Any, tuned: Any) -> dict[str, Any]:
    if isinstance(native, list) and isinstance(tuned, list) and len(native) == len(tuned):
        if all(isinstance(v, int) and not isinstance(v, bool) for v in native + tuned):
            equal = sum(a == b for a, b in zip(native, tuned))
            first = next((i for i, (a, b) in enumerate(zip(native, tuned)) if a != b), None)
            return {"equal": equal, "of": len(native), "first_difference": first}
        if all(isinstance(v, (int, float)) for v in native + tuned):
            diffs = [abs(a - b) if math.isfinite(b) else math.inf for a, b in zip(native, tuned)]
            rel = [d / max(abs(a), 1e-12) for d, a in zip(diffs, native)]
            return {"max_abs_diff": max(diffs, default=0.0), "max_rel_diff": max(rel, default=0.0)}
    if isinstance(native, (int, float)) and isinstance(tuned, (int, float)) and not isinstance(native, bool):
        d = abs(native - tuned)
        return {"max_abs_diff": d, "max_rel_diff": d / max(abs(native), 1e-12)}
    return {"equal": native == tuned}


def _baseline(tuned_routes: str, out: str) -> None:
    """All-native: the tuned file's operators and every non-native route in force now, on native."""
    from . import _file
    from ._table import STATE

    ops = list(_file.load(tuned_routes).routes)
    ops += [r.op for r in STATE.routes() if r.provider != "native" and r.op not in ops]
    with open(out, "w", encoding="utf-8") as f:
        f.write(_file.render({op: "native" for op in ops}, ["native"], "all-native baseline of flagos tune"))


def confirm(argv: list[str], tuned_routes: str, report: Any, runs: int, timeout_s: Optional[float]) -> dict[str, Any]:
    """The workload with the tuned routes against all-native, ``runs`` times each, alternating."""
    with tempfile.TemporaryDirectory() as tmp:
        native_routes = os.path.join(tmp, "native.conf")
        _baseline(tuned_routes, native_routes)
        got: dict[str, list[dict[str, Any]]] = {"native": [], "tuned": []}
        for i in range(max(1, runs)):
            for label, routes in (("native", native_routes), ("tuned", tuned_routes)):
                print(f"flagos tune: confirming, {label} run {i + 1}/{runs}", file=sys.stderr)
                path = os.path.join(tmp, f"{label}{i}.json")
                proc, seconds = _run(argv, {"FLAGOS_ROUTES": os.path.abspath(routes), RESULT_VARIABLE: path}, timeout_s)
                if proc.returncode != 0:
                    tail = proc.stderr.strip().splitlines()[-3:]
                    return {"failed": label, "returncode": proc.returncode, "stderr": tail}
                values = json.load(open(path)) if os.path.exists(path) else {}
                got[label].append({"process_s": seconds, **values})
    out: dict[str, Any] = {"runs": runs, "times": {}, "values": {}}
    for key in got["native"][0]:
        native = [r[key] for r in got["native"] if key in r]
        tuned = [r[key] for r in got["tuned"] if key in r]
        if not tuned:
            continue
        if key.endswith(("_s", "_ms")) and all(isinstance(v, (int, float)) for v in native + tuned):
            n, t = statistics.median(native), statistics.median(tuned)
            out["times"][key] = {"native": n, "tuned": t, "ratio": t / n if n else None}
        else:
            out["values"][key] = _compare_values(native[0], tuned[0])
    return out
