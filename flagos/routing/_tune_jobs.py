"""The worker side of ``python -m flagos tune``: one job is one operator on one provider.

A job first runs ``check``'s correctness test (flagos/routing/_check.py: every traced sample of
the operator, plus generated ones in ``spec["dtypes"]``) unless the provider is ``native``, the
reference; a provider that passes is then timed on each traced sample (flagos/routing/
_tune_time.py), the way the workload calls it: flagos tensors routed to the provider. Jobs run in
a worker process (flagos/routing/_isolate.py), native's job of an operator first, so that a slow
candidate can be cut short against native's times.
"""
from __future__ import annotations

import dataclasses
import traceback
from typing import Any

import torch

from . import _check, _samples, _tune_time

# op -> sample index -> the best median µs measured in this worker (native's, first)
_BEST: dict[str, dict[int, float]] = {}


def _prepared(op: Any, sample: _samples.Sample) -> tuple[list[Any], dict[str, Any]]:
    """The sample's arguments on flagos, as ``_check`` builds them, with Device arguments set to flagos."""
    args = _check._map(sample.args, _check.to_device)
    kwargs = {k: _check._map(v, _check.to_device) for k, v in sample.kwargs.items()}
    for i, a in enumerate(op._schema.arguments):
        if "Device" in str(a.type):
            if a.kwarg_only:
                kwargs[a.name] = torch.device("flagos")
            elif i < len(args):
                args[i] = torch.device("flagos")
    return args, kwargs


def time_provider(op_text: str, provider: str, rows: list[dict[str, Any]], spec: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    """Per traced sample (``rows``: one per signature): a Timing as a dict, or {"error": why}."""
    import flagos
    from ._names import parse

    name = parse(op_text)
    op = name.overload_op()
    sync = _tune_time.device_sync()
    best = _BEST.setdefault(name.display, {})
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        sample = next(_samples.from_trace(name, [row], spec["seed"]))
        try:
            args, kwargs = _prepared(op, sample)
            with flagos.routing.override({name.display: provider}):
                timing = _tune_time.measure(lambda: op(*args, **kwargs), sync, repeats=spec["repeats"],
                                            warmup=spec["warmup"], batch_s=spec["batch_s"], best_us=best.get(i),
                                            give_up=spec["give_up"])
        except Exception as e:  # noqa: BLE001 (this provider cannot time this sample: it is not eligible)
            out.append({"label": sample.label, "error": f"{type(e).__name__}: {str(e).strip()[:160]}"})
            continue
        finally:
            args = kwargs = None  # type: ignore[assignment]  (free the sample before the next one)
        best[i] = min(best.get(i, timing.median_us), timing.median_us)
        out.append({"label": sample.label, **dataclasses.asdict(timing), "jit_us": timing.jit_us})
    return out


def run_job(spec: dict[str, Any], job: list[str]) -> tuple[dict[str, Any], bool]:
    """One (operator, provider): its check result and, if it passed, its timings."""
    op, provider = job
    rows = spec["ops"][op]
    result: dict[str, Any] = {"op": op, "provider": provider, "status": "pass", "detail": "", "times": []}
    try:
        if provider != "native":
            dtypes = tuple(getattr(torch, d) for d in spec["dtypes"])
            checked, usable = _check.check_one(op, provider, rows, dtypes, spec["seed"],
                                               spec["max_samples"] + len(rows), traced_limit=len(rows))
            result.update(status=checked.status, detail=checked.detail, passed=checked.passed, total=checked.total)
            if not usable:
                return result, False
            if checked.status != "pass":
                return result, True
        result["times"] = time_provider(op, provider, rows, spec)
    except Exception as e:  # noqa: BLE001 (this job's result)
        traceback.print_exc()
        result.update(status="error", detail=f"tune failed: {type(e).__name__}: {str(e).strip()[:160]}")
        return result, _check._device_usable()
    return result, True


def worker(jobfile: str, start: int) -> int:
    import flagos  # noqa: F401 (registers the device)

    from . import _isolate

    return _isolate.serve(jobfile, start, run_job)


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        sys.exit(worker(sys.argv[2], int(sys.argv[3])))
    sys.exit("flagos.routing._tune_jobs is python -m flagos tune's worker; run python -m flagos tune")
