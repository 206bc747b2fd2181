"""``flagos.trace()``: which provider served each operator call on flagos tensors.

    with flagos.trace() as t:
        model(x)
    print(t.summary())          # calls per operator x provider
    t.save("trace.json")        # rows with argument signatures: `python -m flagos check --trace`

The runtime aggregates calls by (operator overload, provider, argument signature), where a
signature holds tensors' dtypes and shapes and the values of other arguments; ``timed=True`` adds
the time of each call, measured with the device synchronised before and after (so it is the
kernel's time, and the run is slower). ``FLAGOS_TRACE=path`` traces a whole process and writes the
JSON at exit. Traces nest and see calls from every thread. Operators that flagos' runtime
implements itself (views, copies, allocation) are not routed and do not appear.
"""
from __future__ import annotations

import atexit
import collections
import contextlib
import dataclasses
import json
import os
import threading
from typing import Any, Iterator, Optional

import torch

from . import _build_info, _runtime

_FORMAT = 1


@dataclasses.dataclass
class TraceRow:
    op: str  # routes spelling: add.Tensor, mm.default
    provider: str
    args: list[Any]  # the signature: tensors as {"dtype", "shape"}, other arguments as values
    calls: int
    time_us: float  # 0 unless timed

    def inputs(self) -> str:
        """The tensor arguments, compactly: ``float32[4, 4], float32[4]``."""
        return tensor_signature(self.args)


def tensor_signature(args: list[Any]) -> str:
    """The tensors of a recorded signature, compactly: ``float32[4, 4], float32[4]`` ("" if none)."""
    out = []

    def walk(v: Any) -> None:
        if isinstance(v, dict) and "dtype" in v:
            out.append(f"{v['dtype']}[{', '.join(map(str, v['shape']))}]")
        elif isinstance(v, list):
            for e in v:
                walk(e)

    walk(args)
    return ", ".join(out)


def _display(qualified: str) -> str:
    namespace, _, rest = qualified.partition("::")
    name = rest if "." in rest else rest + ".default"
    return name if namespace == "aten" else f"{namespace}::{name}"


class Trace:
    """The calls recorded while a :func:`trace` was active."""

    def __init__(self, timed: bool = False) -> None:
        self.timed = timed
        self._rows: dict[tuple[str, str, str], TraceRow] = {}

    def _add(self, op: str, provider: str, signature: str, calls: int, ns: int) -> None:
        key = (op, provider, signature)
        row = self._rows.get(key)
        if row is None:
            self._rows[key] = TraceRow(_display(op), provider, json.loads(signature), calls, ns / 1000.0)
        else:
            row.calls += calls
            row.time_us += ns / 1000.0

    @property
    def rows(self) -> list[TraceRow]:
        _collect()
        return sorted(self._rows.values(), key=lambda r: (r.op, r.provider, -r.calls))

    def counts(self) -> dict[tuple[str, str], int]:
        """Calls per (operator, provider)."""
        out: dict[tuple[str, str], int] = collections.Counter()
        for r in self.rows:
            out[(r.op, r.provider)] += r.calls
        return dict(out)

    def ops(self, provider: Optional[str] = None) -> set[str]:
        return {r.op for r in self.rows if provider is None or r.provider == provider}

    def summary(self) -> str:
        per: dict[tuple[str, str], list[float]] = {}
        for r in self.rows:
            acc = per.setdefault((r.op, r.provider), [0, 0.0])
            acc[0] += r.calls
            acc[1] += r.time_us
        total = sum(int(v[0]) for v in per.values())
        width = max([len("operator")] + [len(op) for op, _ in per])
        head = f"{'operator':<{width}}  {'provider':<10} {'calls':>8}" + ("  time ms" if self.timed else "")
        lines = [f"flagos trace: {total} calls of {len({op for op, _ in per})} operator overloads", head]
        for (op, provider), (calls, us) in sorted(per.items(), key=lambda kv: (-kv[1][0], kv[0])):
            lines.append(f"{op:<{width}}  {provider:<10} {int(calls):>8}" + (f"  {us / 1000:7.3f}" if self.timed else ""))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "flagos_trace": _FORMAT,
            "platform": _build_info.PLATFORM,
            "torch": torch.__version__,
            "timed": self.timed,
            "rows": [dataclasses.asdict(r) for r in self.rows],
        }

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, indent=1)
            f.write("\n")

    @classmethod
    def load(cls, path: str) -> "Trace":
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.get("flagos_trace") != _FORMAT:
            raise ValueError(f"{path} is not a flagos trace (format {_FORMAT}; write one with flagos.trace())")
        t = cls(bool(data.get("timed")))
        for r in data["rows"]:
            t._rows[(r["op"], r["provider"], json.dumps(r["args"]))] = TraceRow(**r)
        return t


_lock = threading.Lock()
_active: list[Trace] = []


def _collect() -> None:
    """Moves the runtime's rows into the active traces."""
    with _lock:
        rows = _runtime.take_trace()
        for t in _active:
            for row in rows:
                t._add(*row)


def _start(t: Trace) -> None:
    _collect()
    with _lock:
        _active.append(t)
        _runtime.set_trace_mode(2 if any(a.timed for a in _active) else 1)


def _stop(t: Trace) -> None:
    _collect()
    with _lock:
        _active.remove(t)
        _runtime.set_trace_mode(0 if not _active else (2 if any(a.timed for a in _active) else 1))


@contextlib.contextmanager
def trace(timed: bool = False, path: Optional[str] = None) -> Iterator[Trace]:
    """Records operator calls on flagos tensors while active; see the module docstring."""
    t = Trace(timed)
    _start(t)
    try:
        yield t
    finally:
        _stop(t)
        if path:
            t.save(path)


def _trace_process() -> None:
    """FLAGOS_TRACE=path[,timed]: trace the whole process, written at exit."""
    spec = os.environ.get("FLAGOS_TRACE")
    if not spec:
        return
    path, _, option = spec.partition(",")
    t = Trace(option == "timed")
    _start(t)

    def finish() -> None:
        _stop(t)
        t.save(path)

    atexit.register(finish)
