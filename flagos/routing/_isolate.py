"""Runs jobs in worker processes so that a kernel that kills its process fails its own job only.

Shared by ``python -m flagos check`` and ``python -m flagos tune``. Kernels can corrupt the device
(an illegal memory access poisons a CUDA context for good), so each tool's worker runs its jobs in
a child process (``python -m <module> --worker JOBFILE START``) and reports on stdout:

    S <index>          starting job <index>
    R <json>           the result of the job started last

When the child dies inside a job, that job gets ``died(job, last stderr line)`` as its result and
a fresh child goes on with the next job. A child that exits with ``FAILED_DEVICE_EXIT`` found the
device unusable after the job it reported last; a fresh child goes on after it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Callable, Optional, Sequence

FAILED_DEVICE_EXIT = 3


def run(module: str, jobs: Sequence[Any], spec: dict[str, Any], died: Callable[[Any, str], Any],
        step: Callable[[Any, Any], None], env: Optional[dict[str, str]] = None,
        deadline: Optional[float] = None) -> list[Any]:
    """Results of ``jobs`` (JSON-decoded ``R`` lines, or ``died``'s) in job order; ``step(job, result)``
    is called as each arrives (progress). ``spec`` and the jobs reach the worker through a file.
    At ``deadline`` (time.monotonic()) the worker is stopped: the job it was running and those not
    started get ``died(job, "out of time")``."""
    results: dict[int, Any] = {}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({**spec, "jobs": list(jobs)}, f)
        jobfile = f.name
    try:
        start = 0
        while start < len(jobs):
            proc = subprocess.Popen([sys.executable, "-m", module, "--worker", jobfile, str(start)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env=env)
            current = None
            watchdog = None
            if deadline is not None:
                watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), proc.kill)
                watchdog.start()
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("S "):
                    current = int(line[2:])
                elif line.startswith("R ") and current is not None:
                    results[current] = json.loads(line[2:])
                    step(jobs[current], results[current])
                    current = None
            stderr = proc.stderr.read() if proc.stderr else ""
            code = proc.wait()
            if watchdog is not None:
                watchdog.cancel()
            if deadline is not None and time.monotonic() >= deadline:
                for i in range(len(jobs)):
                    if i not in results:
                        results[i] = died(jobs[i], "out of time")
                        step(jobs[i], results[i])
                break
            if current is not None:  # died inside a job
                tail = stderr.strip().splitlines()[-1:] or [f"exit status {code}"]
                results[current] = died(jobs[current], tail[0][:200])
                step(jobs[current], results[current])
                start = current + 1
            elif code not in (0, FAILED_DEVICE_EXIT):
                raise RuntimeError(f"{module}: the worker failed before finishing a job:\n{stderr}")
            else:
                start = max(results) + 1 if results else len(jobs)
    finally:
        os.unlink(jobfile)
    return [results[i] for i in range(len(jobs))]


def serve(jobfile: str, start: int, do: Callable[[dict[str, Any], Any], tuple[Any, bool]]) -> int:
    """The worker's loop: ``do(spec, job)`` gives (JSON-able result, device still usable)."""
    with open(jobfile, encoding="utf-8") as f:
        spec = json.load(f)
    for i in range(start, len(spec["jobs"])):
        print(f"S {i}", flush=True)
        result, usable = do(spec, spec["jobs"][i])
        print("R " + json.dumps(result), flush=True)
        if not usable:
            return FAILED_DEVICE_EXIT
    return 0
