"""``python -m flagos tune`` / ``flagos.routing.tune(...)``: each traced operator routed to the
fastest provider among those that compute it correctly.

Input: a trace (``FLAGOS_TRACE`` JSON, or ``--run script.py args``, which traces the script) and
the providers to consider (default: every available one; ``native`` is always one: it is the
reference). For each traced operator overload that flagos routes and some candidate implements:

  1. check (flagos/routing/_check.py) each candidate on every traced sample of the operator (the
     recorded shapes, dtypes, strides, CPU operands; the ``max_shapes`` most called ones) plus
     generated samples in the traced dtypes;
  2. time native and each passing candidate on those exact samples (flagos/routing/_tune_time.py:
     device-synchronised batches, warm-up, repeats; the first call, where Triton compiles and
     autotunes, is reported apart);
  3. weigh each sample by how often the trace saw it: a provider's cost is its mean µs per call
     over the workload's calls;
  4. choose the fastest, if it beats native by ``min_speedup`` in the median and in the fastest
     batch, and its third quartile is below native's median (noise must not move a route: on a
     shared machine preemption inflates whole batches); else native.

Routes are per overload. A provider that wins only on some shapes is reported (table, JSON), not
routed by shape: see the README's "Tuning" section for why routes files have no shape rules.
Jobs run in worker processes (flagos/routing/_isolate.py) like check's: a kernel that kills its
process fails its own job.
"""
from __future__ import annotations

import collections
import dataclasses
import json
import os
import sys
import time
from typing import Any, Optional, Sequence

from . import _isolate


class TuneError(ValueError):
    """Bad input to tune: the message names the thing and the fix."""


@dataclasses.dataclass
class ProviderResult:
    status: str  # pass | FAIL | error | untimed (passed the check, failed while timed)
    detail: str = ""
    us: Optional[float] = None  # mean µs per call over the workload's calls (timed samples)
    q1_us: Optional[float] = None
    q3_us: Optional[float] = None
    min_us: Optional[float] = None
    jit_us: float = 0.0  # first calls beyond steady calls, all samples: compilation, autotuning
    samples: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Choice:
    op: str
    calls: int  # every traced call of the overload
    timed_calls: int  # calls of the samples that were timed (the ``max_shapes`` most called)
    chosen: str
    why: str
    native_us: Optional[float]
    chosen_us: Optional[float]
    providers: dict[str, ProviderResult]
    shape_winners: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def speedup(self) -> Optional[float]:
        if self.native_us and self.chosen_us:
            return self.native_us / self.chosen_us
        return None


@dataclasses.dataclass
class TuneReport:
    choices: list[Choice]
    untuned: dict[str, str]  # traced operators not tuned, and why
    providers: list[str]
    seed: int
    seconds: float
    confirmation: Optional[dict[str, Any]] = None

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for c, d in zip(self.choices, out["choices"]):
            d["speedup"] = c.speedup
        return out


def signatures(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """op -> one row per distinct argument signature, its calls summed over providers, most called first."""
    per: dict[str, dict[str, dict[str, Any]]] = collections.defaultdict(dict)
    for r in rows:
        key = json.dumps(r["args"])
        seen = per[r["op"]].get(key)
        if seen is None:
            per[r["op"]][key] = {"op": r["op"], "args": r["args"], "calls": int(r["calls"]),
                                 "time_us": float(r.get("time_us", 0.0))}
        else:
            seen["calls"] += int(r["calls"])
            seen["time_us"] += float(r.get("time_us", 0.0))
    return {op: sorted(v.values(), key=lambda r: -r["calls"]) for op, v in sorted(per.items())}


def resolve_providers(names: Optional[Sequence[str]]) -> list[str]:
    """The candidates: ``names`` checked (unknown or unavailable ones are errors), or every
    available provider; native first, always."""
    from ._table import STATE

    known = {p.name: p for p in STATE.providers()}
    if not names:
        return ["native"] + [n for n, p in known.items() if n != "native" and p.unavailable() is None]
    out = ["native"]
    for n in names:
        if n not in known:
            raise TuneError(f"flagos tune: unknown provider '{n}' (providers: {', '.join(known)}; declare your own "
                            "with FLAGOS_PROVIDERS=module or the flagos.providers entry point)")
        reason = known[n].unavailable()
        if reason:
            raise TuneError(f"flagos tune: provider '{n}' is unavailable here: {reason}")
        if n not in out:
            out.append(n)
    return out


def plan(ops: dict[str, list[dict[str, Any]]], providers: list[str], only: Sequence[str] = ()
         ) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Jobs (op, provider), native's first per op, and the traced operators left alone with why.
    Operators come in order of the time the trace saw them take (a timed trace), else of their
    calls: with a time budget, what matters most is tuned first."""
    from .. import _runtime
    from ._names import parse
    from ._table import STATE

    jobs: list[tuple[str, str]] = []
    untuned: dict[str, str] = {}
    wanted = {parse(o).display for o in only}
    weight = {op: (sum(r.get("time_us", 0.0) for r in rs), sum(r["calls"] for r in rs)) for op, rs in ops.items()}
    for op in sorted(ops, key=lambda o: (-weight[o][0], -weight[o][1], o)):
        if wanted and op not in wanted:
            continue
        name = parse(op)
        if not _runtime.routing_status(name.qualified).routable:
            untuned[op] = "served by flagos' runtime or decomposed by PyTorch: not routed"
            continue
        candidates = [p for p in providers[1:] if STATE.provider(p).implements(name) is None]  # type: ignore[union-attr]
        if not candidates:
            untuned[op] = "no candidate provider implements it"
            continue
        jobs += [(op, "native")] + [(op, p) for p in candidates]
    return jobs, untuned


def _weighted(samples: list[dict[str, Any]], calls: list[int], key: str) -> float:
    return sum(c * s[key] for s, c in zip(samples, calls)) / max(1, sum(calls))


def decide(op: str, rows: list[dict[str, Any]], total_calls: int, results: dict[str, dict[str, Any]],
           min_speedup: float) -> Choice:
    """The route of one operator from its jobs' results (see the module docstring, steps 3-4)."""
    native = results["native"]
    # Samples native cannot run were not applicable (as in check): left out for every provider.
    keep = [i for i, s in enumerate(native.get("times", [])) if "error" not in s]
    calls = [rows[i]["calls"] for i in keep]
    providers: dict[str, ProviderResult] = {}
    for name, r in results.items():
        pr = ProviderResult(r["status"], r.get("detail", ""), samples=r.get("times", []))
        times = [r["times"][i] for i in keep] if len(r.get("times", [])) == len(rows) else []
        if r["status"] == "pass":
            broken = [s for s in times if "error" in s] if times else [{"error": "not timed", "label": ""}]
            if broken or not keep:
                pr.status = "untimed"
                pr.detail = (f"failed while timed: {broken[0]['label']}: {broken[0]['error']}" if broken
                             else "native ran none of the traced samples")
            else:
                pr.us, pr.q1_us, pr.q3_us, pr.min_us = (_weighted(times, calls, k)
                                                        for k in ("median_us", "q1_us", "q3_us", "min_us"))
                pr.jit_us = sum(s["jit_us"] for s in times)
        providers[name] = pr
    timed = {n: p for n, p in providers.items() if p.us is not None}
    nat = providers["native"]
    choice = Choice(op, total_calls, sum(calls), "native", "", nat.us, nat.us, providers)
    if "native" not in timed:
        choice.why = f"native could not be timed ({nat.detail}); left on native"
        return choice
    best = min(timed, key=lambda n: timed[n].us)  # type: ignore[arg-type,return-value]
    b = timed[best]
    if best == "native":
        choice.why = "native is fastest"
    elif nat.us / b.us < min_speedup:  # type: ignore[operator]
        choice.why = f"{best} is faster by {nat.us / b.us:.2f}x only (< {min_speedup:.2f}x): native kept"  # type: ignore[operator]
    elif b.q3_us >= nat.us or b.min_us * min_speedup > nat.min_us:  # type: ignore[operator]
        choice.why = (f"{best} is faster in the median, but not beyond the noise (its third quartile is not below "
                      "native's median, or its fastest batch not faster than native's): native kept")
    else:
        choice.chosen, choice.chosen_us = best, b.us
        choice.why = f"{best} is fastest ({nat.us / b.us:.2f}x native) and passed the check"  # type: ignore[operator]
    chosen_times = [providers[choice.chosen].samples[i] for i in keep]
    for j, i in enumerate(keep):
        winner = min(timed, key=lambda n: providers[n].samples[i]["median_us"])
        w, c = providers[winner].samples[i], chosen_times[j]
        w_us, c_us = w["median_us"], c["median_us"]
        clear = w["q3_us"] < c_us and w["min_us"] * min_speedup <= c["min_us"]  # the same noise guard
        if winner != choice.chosen and c_us / w_us >= min_speedup and clear:
            choice.shape_winners.append({"sample": rows[i]["args"], "label": chosen_times[j]["label"],
                                         "calls": rows[i]["calls"], "provider": winner, "us": w_us,
                                         "chosen_us": c_us})
    return choice


def _progress(total: int):  # noqa: ANN202 (tqdm's bar, or check's plain one)
    try:
        from tqdm import tqdm
    except ImportError:
        from ._check import _Progress

        bar = _Progress(total)
        return (lambda job, result: bar.step(f"{job[0]} on {job[1]}")), bar.close
    bar = tqdm(total=total, unit="job", desc="flagos tune", file=sys.stderr, dynamic_ncols=True)

    def step(job: Any, result: Any) -> None:
        bar.set_postfix_str(f"{job[0]} on {job[1]}: {result.get('status', '?')}", refresh=False)
        bar.update(1)

    return step, bar.close


def tune(trace: Sequence[str] = (), run: Optional[Sequence[str]] = None, providers: Optional[Sequence[str]] = None,
         ops: Sequence[str] = (), write_routes: Optional[str] = None, dtypes: Optional[Sequence[str]] = None,
         max_samples: int = 4, max_shapes: int = 8, repeats: int = 7, warmup: int = 2, batch_s: float = 0.002,
         min_speedup: float = 1.05, give_up: float = 10.0, seed: Optional[int] = None, isolate: bool = True,
         confirm: bool = True, confirm_runs: int = 1, timeout_s: Optional[float] = None,
         budget_s: Optional[float] = None) -> TuneReport:
    """Tunes routes for a workload; see the module docstring. ``run``: a script and its arguments,
    traced unless ``trace`` gives its trace, and with ``confirm`` re-run with the tuned routes
    against all-native. Writes ``write_routes`` if given. ``budget_s``: the jobs' time limit;
    operators not tuned by then stay native. Raises TuneError on bad input."""
    from . import _tune_jobs, _tune_run

    started = time.monotonic()
    if not trace and not run:
        raise TuneError("flagos tune: give a trace (--trace trace.json, written with FLAGOS_TRACE=trace.json) or "
                        "a workload to trace (--run script.py [args])")
    names = resolve_providers(providers)
    if run:
        _tune_run.check_script(list(run))
    rows = _tune_run.read_traces(trace) if trace else _tune_run.trace_script(list(run or []), timeout_s)
    by_op = signatures(rows)
    jobs, untuned = plan(by_op, names, ops)
    seed = seed if seed is not None else int.from_bytes(os.urandom(4), "little")
    floating = sorted({a["dtype"] for r in rows for a in _tensors(r["args"])} & {"float32", "float16", "bfloat16"})
    spec = {"ops": {op: r[:max_shapes] for op, r in by_op.items()}, "seed": seed, "max_samples": max_samples,
            "dtypes": list(dtypes) if dtypes is not None else floating, "repeats": repeats, "warmup": warmup,
            "batch_s": batch_s, "give_up": give_up}
    print(f"flagos tune: {len(by_op)} traced operators, {len(jobs)} jobs over providers {', '.join(names)}; "
          f"seed {seed}", file=sys.stderr)
    step, close = _progress(len(jobs))
    if isolate:
        def died(job: list[str], why: str) -> dict[str, Any]:
            if why == "out of time":
                return {"op": job[0], "provider": job[1], "status": "skipped", "detail": "out of the time budget"}
            return {"op": job[0], "provider": job[1], "status": "FAIL", "detail": f"the process died: {why}"}

        deadline = time.monotonic() + budget_s if budget_s else None
        results = _isolate.run("flagos.routing._tune_jobs", jobs, spec, died, step, deadline=deadline)
    else:
        results = []
        for job in jobs:
            r, usable = _tune_jobs.run_job(spec, list(job))
            results.append(r)
            step(job, r)
            if not usable:
                raise TuneError(f"flagos tune: the device is unusable after {job[0]} on {job[1]}; rerun isolated")
    close()
    per_op: dict[str, dict[str, dict[str, Any]]] = collections.defaultdict(dict)
    for (op, provider), r in zip(jobs, results):
        per_op[op][provider] = r
    choices = [decide(op, spec["ops"][op], sum(r["calls"] for r in by_op[op]), res, min_speedup)
               for op, res in per_op.items()]
    report = TuneReport(choices, untuned, names, seed, 0.0)
    from ._tune_report import write_routes as write

    if write_routes:
        write(write_routes, report)
    report.seconds = time.monotonic() - started
    if run and confirm:
        if write_routes:
            report.confirmation = _tune_run.confirm(list(run), write_routes, report, confirm_runs, timeout_s)
        else:  # the confirmation needs the routes in a file
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "tuned.conf")
                write(path, report)
                report.confirmation = _tune_run.confirm(list(run), path, report, confirm_runs, timeout_s)
    return report


def _tensors(args: Any) -> list[dict[str, Any]]:
    if isinstance(args, dict) and "dtype" in args:
        return [args]
    if isinstance(args, list):
        return [t for a in args for t in _tensors(a)]
    return []
