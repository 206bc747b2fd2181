"""``python -m flagos check``: does a provider compute what native computes?

For each operator overload routed to a non-native provider (or named on the command line), run
sample inputs (flagos/routing/_samples.py: recorded by traces, or generated from the schema in
float32, float16 and bfloat16) once through the provider and once through ``native``, and compare:
same structure, shapes and dtypes, values within dtype-appropriate tolerances, no NaN or Inf
where native has finite values, no exception where native has none. Samples native rejects are
not applicable. ``--write-routes FILE`` writes a routes file that keeps only the routes that
passed (everything else ``native``), for ``FLAGOS_ROUTES``.

Kernels can corrupt the device (an illegal memory access poisons a CUDA context for good), so the
checks run in a worker process: when it dies, or finds the device unusable after a failure, the
operator it was running is marked failed and a fresh worker goes on with the next one.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import sys
import time
import traceback
from typing import Any, Optional

import torch

from . import _isolate, _samples
from ._compare import compare as _compare

FAILED_DEVICE_EXIT = _isolate.FAILED_DEVICE_EXIT

@dataclasses.dataclass
class Result:
    op: str
    provider: str
    status: str  # pass | FAIL | untested | error
    passed: int = 0
    total: int = 0
    detail: str = ""


# ---- worker side -------------------------------------------------------------------------------


def _map(value: Any, fn) -> Any:
    if isinstance(value, _samples.Placed):
        return value.tensor.clone()  # stays where it was recorded (a CPU scalar operand)
    if isinstance(value, torch.Tensor):
        return fn(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_map(v, fn) for v in value)
    return value


def _outputs(op, args: list[Any], kwargs: dict[str, Any], out: Any) -> list[Any]:
    """What a call produced: its returns and the arguments it may write, on the CPU."""
    written = []
    for i, a in enumerate(op._schema.arguments):
        if a.alias_info is not None and a.alias_info.is_write:
            written.append(kwargs[a.name] if a.kwarg_only else args[i])
    results = list(out) if isinstance(out, (list, tuple)) else [out]
    return _map(results + written, lambda t: t.detach().cpu())


def to_device(t: torch.Tensor, device: str = "flagos") -> torch.Tensor:
    """A copy on ``device`` with the same layout: sizes, strides (overlapping ones too) and offset."""
    if t.is_contiguous() and t.storage_offset() == 0:
        return t.clone().to(device)
    span = t.untyped_storage().nbytes() // t.element_size()
    storage = torch.empty(0, dtype=t.dtype).set_(t.untyped_storage(), 0, (span,), (1,)).to(device)
    return storage.as_strided(t.shape, t.stride(), t.storage_offset())



def _call_on(op, args: list[Any], kwargs: dict[str, Any], device: str) -> list[Any]:
    """Calls ``op`` with its Device arguments set to ``device`` (factories allocate there), waits for
    it, and gives back what it produced (see _outputs)."""
    for i, a in enumerate(op._schema.arguments):
        if "Device" in str(a.type):
            if a.kwarg_only:
                kwargs[a.name] = torch.device(device)
            elif i < len(args):
                args[i] = torch.device(device)
    out = op(*args, **kwargs)
    if device != "cpu":
        getattr(torch, device).synchronize()
    return _outputs(op, args, kwargs, out)


def _run(op, sample, device: str = "flagos") -> list[Any]:
    """One call of ``op`` on ``device`` copies of the sample (under whatever route is in force)."""
    args = _map(sample.args, lambda t: to_device(t, device))
    kwargs = {k: _map(v, lambda t: to_device(t, device)) for k, v in sample.kwargs.items()}
    return _call_on(op, args, kwargs, device)


def _exact_run(op, sample) -> list[Any]:
    """``op`` on the CPU with floating tensors (and floating dtype arguments) in float64: the value
    both native and the provider approximate."""
    def up(value: Any) -> Any:
        if isinstance(value, _samples.Placed):
            value = value.tensor
        if isinstance(value, torch.Tensor):
            return value.double() if value.is_floating_point() else value.clone()
        if isinstance(value, torch.dtype) and value.is_floating_point:
            return torch.float64
        if isinstance(value, (list, tuple)):
            return type(value)(up(v) for v in value)
        return value

    return _call_on(op, [up(a) for a in sample.args], {k: up(v) for k, v in sample.kwargs.items()}, "cpu")


def _display(op) -> str:
    ns, name = op._schema.name.split("::")
    base = name if ns == "aten" else f"{ns}::{name}"
    return f"{base}.{op._schema.overload_name or 'default'}"


def _device_usable() -> bool:
    try:
        x = torch.ones(4, device="flagos").add(1)
        torch.flagos.synchronize()
        return float(x.sum().cpu()) == 8.0
    except Exception:  # noqa: BLE001 (any failure means the device is gone)
        return False


def check_one(op_text: str, provider: str, traces: list[dict[str, Any]], dtypes: tuple[torch.dtype, ...],
              seed: int, max_samples: int, traced_limit: Optional[int] = None) -> tuple[Result, bool]:
    """Checks one route; returns the result and whether the device is still usable. Traced samples
    take up to half of ``max_samples`` unless ``traced_limit`` says how many (tune checks every
    traced sample it times)."""
    import flagos
    from . import _samples
    from ._names import parse

    name = parse(op_text)
    op = name.overload_op()
    result = Result(name.display, provider, "untested")
    try:
        with flagos.routing.override({name.display: provider}):
            pass
    except (flagos.routing.RoutingError, ValueError) as e:
        result.status, result.detail = "error", str(e).split("\n")[-1].strip()
        return result, True
    random = _samples.is_random(name)
    traced = list(_samples.from_trace(name, traces, seed))[: traced_limit or max(1, max_samples // 2)]
    candidates = [*traced, *_samples.generated(name, dtypes, seed)]
    applicable = []
    with flagos.routing.override({name.display: "native"}):
        for sample in candidates:
            if len(applicable) >= max_samples:
                break
            try:
                applicable.append((sample, _run(op, sample)))
            except Exception:  # noqa: BLE001 (native rejects the sample: not applicable)
                continue
    failures: list[str] = []
    result.total = len(applicable)
    with flagos.routing.override({name.display: provider}):
        for sample, ref in applicable:
            try:
                got = _run(op, sample)
            except Exception as e:  # noqa: BLE001 (reported)
                message = str(e).strip().split("\n")[0][:200]
                failures.append(f"{sample.label}: {type(e).__name__}: {message}")
                if not _device_usable():
                    result.status, result.detail = "FAIL", failures[0] + " (the device is unusable afterwards)"
                    return result, False
                continue
            cache: list[Any] = []

            def exact(sample=sample, cache=cache) -> Any:  # computed once, only when needed
                if not cache:
                    cache.append(_exact_run(op, sample))
                return cache[0]

            why = _compare(ref, got, random, exact=exact)
            if why:
                failures.append(f"{sample.label}: {why}")
            else:
                result.passed += 1
    if result.total == 0:
        result.detail = "no applicable sample (native rejected them all); record one with flagos.trace()"
    elif failures:
        result.status, result.detail = "FAIL", f"{len(failures)} failed; first: {failures[0]}"
    else:
        result.status = "pass"
    return result, True


def _check_job(spec: dict[str, Any], job: list[str]) -> tuple[dict[str, Any], bool]:
    op, provider = job
    dtypes = tuple(getattr(torch, d) for d in spec["dtypes"])
    try:
        result, usable = check_one(op, provider, spec["trace_rows"], dtypes, spec["seed"], spec["max_samples"])
    except Exception as e:  # noqa: BLE001 (a sample that cannot be built, ...: this op's result)
        traceback.print_exc()
        detail = f"the check itself failed: {type(e).__name__}: {str(e).strip().splitlines()[0][:160]}"
        result, usable = Result(op, provider, "error", detail=detail), _device_usable()
    return dataclasses.asdict(result), usable


def _worker(jobfile: str, start: int) -> int:
    import flagos  # noqa: F401 (registers the device)

    return _isolate.serve(jobfile, start, _check_job)


# ---- parent side -------------------------------------------------------------------------------


class _Progress:
    def __init__(self, total: int) -> None:
        self.total, self.done, self.tty = total, 0, sys.stderr.isatty()
        self.start = time.monotonic()

    def step(self, label: str) -> None:
        self.done += 1
        if self.tty:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {label[:40]:<40}")
            sys.stderr.flush()
        elif self.done == self.total or self.done % max(1, self.total // 10) == 0:
            print(f"check: {self.done}/{self.total} ({time.monotonic() - self.start:.0f} s)", file=sys.stderr)

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def _run_isolated(jobs: list[tuple[str, str]], spec: dict[str, Any], progress: _Progress) -> list[Result]:
    def died(job: list[str], why: str) -> dict[str, Any]:
        return dataclasses.asdict(Result(job[0], job[1], "FAIL", detail=f"the check process died: {why}"))

    rows = _isolate.run("flagos.routing._check", jobs, spec, died, lambda job, _: progress.step(job[0]))
    return [Result(**r) for r in rows]


def _routable(ops: list[str], provider) -> list[str]:
    """The traced operators that could be routed to ``provider``; says how many could not."""
    from .. import _runtime
    from ._names import parse

    keep, lacking, fixed = [], 0, 0
    for op in ops:
        name = parse(op)
        if not _runtime.routing_status(name.qualified).routable:
            fixed += 1  # flagos' runtime serves it, or PyTorch decomposes it into traced parts
        elif provider.implements(name) is not None:
            lacking += 1
        else:
            keep.append(op)
    print(f"flagos check: {len(keep)} of {len(ops)} traced operators can go to '{provider.name}'; {lacking} it "
          f"has no kernel for and {fixed} flagos' runtime serves stay where they are", file=sys.stderr)
    return keep


def _jobs(ops: list[str], provider: Optional[str], trace_rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    import flagos
    from ._providers import KernelProvider
    from ._table import STATE

    if ops:
        names = ops
    elif provider is not None:
        p = STATE.provider(provider)
        if p is None:
            raise SystemExit(f"flagos check: unknown provider '{provider}'")
        if trace_rows:
            names = _routable(sorted({r["op"] for r in trace_rows}), p)
        elif isinstance(p, KernelProvider):
            reason = p.unavailable()
            if reason:
                raise SystemExit(f"flagos check: provider '{provider}' is unavailable: {reason}")
            names = sorted(o.display for o in p.operators())
        else:
            raise SystemExit(f"flagos check: name operators or give --trace to check provider '{provider}'")
    else:
        return [(r.op, r.provider) for r in flagos.routing.table() if r.provider != "native"]
    jobs = []
    for op in names:
        target = provider or flagos.routing.get(op)
        if target == "native":
            print(f"flagos check: {op} runs on native (the reference); name a --provider to check another",
                  file=sys.stderr)
        else:
            jobs.append((op, target))
    return jobs


def _write_routes(path: str, results: list[Result]) -> None:
    import flagos

    from . import _file

    routes = {}
    for r in results:
        routes[r.op] = r.provider if r.status == "pass" else "native"
    header = (f"Written by `python -m flagos check` on {datetime.date.today()} (flagos {flagos.__version__}, "
              f"platform {flagos.platform}, torch {torch.__version__}).\n"
              f"{sum(r.status == 'pass' for r in results)} of {len(results)} checked routes passed and are kept; "
              "the others run on native.\nUnlisted operators run on native too. Use with FLAGOS_ROUTES=<this file>.")
    with open(path, "w", encoding="utf-8") as f:
        f.write(_file.render(routes, ["native"], header))


def format_table(results: list[Result]) -> str:
    width = max([len("operator")] + [len(r.op) for r in results])
    lines = [f"{'operator':<{width}}  {'provider':<10} {'status':<8} {'samples':>7}  detail"]
    order = {"FAIL": 0, "error": 1, "untested": 2, "pass": 3}
    for r in sorted(results, key=lambda r: (order.get(r.status, 9), r.op)):
        lines.append(f"{r.op:<{width}}  {r.provider:<10} {r.status:<8} {f'{r.passed}/{r.total}':>7}  {r.detail}")
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "FAIL", "error", "untested")}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()) + f" of {len(results)} routes")
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flagos check", description=__doc__.split("\n\n")[0])
    parser.add_argument("ops", nargs="*", help="operator overloads (default: every non-native route)")
    parser.add_argument("--provider", help="check this provider (default: each operator's current route)")
    parser.add_argument("--trace", action="append", default=[], help="trace JSON (flagos.trace) with shapes to replay")
    parser.add_argument("--dtypes", default="float32,float16,bfloat16", help="dtypes of generated samples")
    parser.add_argument("--max-samples", type=int, default=8, help="applicable samples per operator")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: fresh)")
    parser.add_argument("--write-routes", metavar="FILE", help="write a routes file keeping the passing routes")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON")
    parser.add_argument("--no-isolate", action="store_true", help="check in this process (faster, less safe)")
    args = parser.parse_args(argv)

    from .._trace import Trace

    trace_rows = []
    for path in args.trace:
        trace_rows += [dataclasses.asdict(r) for r in Trace.load(path).rows]
    jobs = _jobs(args.ops, args.provider, trace_rows)
    if not jobs:
        print("flagos check: nothing to check (every operator runs on native; name operators and --provider)")
        return 0
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    spec = {"dtypes": args.dtypes.split(","), "seed": seed, "max_samples": args.max_samples, "trace_rows": trace_rows}
    print(f"flagos check: {len(jobs)} routes, seed {seed}", file=sys.stderr)
    progress = _Progress(len(jobs))
    if args.no_isolate:
        results = []
        dtypes = tuple(getattr(torch, d) for d in spec["dtypes"])
        for op, provider in jobs:
            result, usable = check_one(op, provider, trace_rows, dtypes, seed, args.max_samples)
            results.append(result)
            progress.step(op)
            if not usable:
                raise SystemExit(f"flagos check: the device is unusable after {op} on {provider}; rerun isolated")
    else:
        results = _run_isolated(jobs, spec, progress)
    progress.close()
    print(format_table(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"seed": seed, "results": [dataclasses.asdict(r) for r in results]}, f, indent=1)
    if args.write_routes:
        _write_routes(args.write_routes, results)
        print(f"routes written to {args.write_routes}")
    return 1 if any(r.status in ("FAIL", "error") for r in results) else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        sys.exit(_worker(sys.argv[2], int(sys.argv[3])))
    sys.exit(main())
