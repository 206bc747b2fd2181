"""What ``python -m flagos tune`` gives a person: the table, the routes file (a comment per line
with the times that chose it), the plot, and the confirmation's summary."""
from __future__ import annotations

import datetime
import math
from typing import Any

from ._tune import Choice, TuneReport


def _us(v: Any) -> str:
    if v is None:
        return "-"
    return f"{v:.1f}" if v < 1000 else f"{v:.0f}"


def _best_other(c: Choice) -> tuple[str, Any]:
    """The fastest timed provider other than native (what the 'best' column shows), if any."""
    timed = {n: p.us for n, p in c.providers.items() if p.us is not None and n != "native"}
    if not timed:
        return "-", None
    best = min(timed, key=lambda n: timed[n])
    return best, timed[best]


def format_table(report: TuneReport) -> str:
    rows = sorted(report.choices, key=lambda c: -(c.calls * (c.native_us or 0)))  # by native time spent
    width = max([len("operator")] + [len(c.op) for c in rows])
    lines = [f"{'operator':<{width}} {'calls':>8} {'native µs':>10} {'best µs':>10} {'best':>10} "
             f"{'speed-up':>8}  {'chosen':<10} why"]
    for c in rows:
        best, best_us = _best_other(c)
        speed = f"{c.native_us / best_us:.2f}x" if best_us and c.native_us else "-"
        lines.append(f"{c.op:<{width}} {c.calls:>8} {_us(c.native_us):>10} {_us(best_us):>10} {best:>10} "
                     f"{speed:>8}  {c.chosen:<10} {c.why}")
        for name, p in c.providers.items():
            if p.status != "pass":
                lines.append(f"{'':<{width}}   {name}: {p.status}: {p.detail[:150]}")
        for w in c.shape_winners[:3]:
            lines.append(f"{'':<{width}}   shape-dependent: {w['provider']} wins on {w['label'][:60]} "
                         f"({w['calls']} calls): {_us(w['us'])} vs {_us(w['chosen_us'])} µs")
    native_total = sum(c.calls * (c.native_us or 0) for c in report.choices)
    tuned_total = sum(c.calls * (c.chosen_us or c.native_us or 0) for c in report.choices)
    moved = [c for c in report.choices if c.chosen != "native"]
    jit = {}
    for c in report.choices:
        for name, p in c.providers.items():
            jit[name] = jit.get(name, 0.0) + p.jit_us
    lines.append(f"{len(moved)} of {len(report.choices)} tuned operators leave native; estimated time of the traced "
                 f"calls {native_total / 1e3:.1f} ms all-native -> {tuned_total / 1e3:.1f} ms tuned"
                 + (f" ({native_total / tuned_total:.2f}x)" if tuned_total else ""))
    lines.append("first-call time beyond steady calls (compilation, autotuning; not in the figures above): "
                 + ", ".join(f"{n} {v / 1e6:.1f} s" for n, v in jit.items()))
    if report.untuned:
        lines.append(f"{len(report.untuned)} traced operators not tuned (no candidate implements them, or not "
                     "routed); --json lists them")
    lines.append(f"providers {', '.join(report.providers)}; seed {report.seed}; {report.seconds:.0f} s")
    return "\n".join(lines)


def _comment(c: Choice) -> str:
    times = ", ".join(f"{n} {_us(p.us)} µs" for n, p in c.providers.items() if p.us is not None)
    failed = ", ".join(f"{n} {p.status}" for n, p in c.providers.items() if p.us is None)
    text = f"{c.calls} calls; per call: {times}" + (f"; {failed}" if failed else "")
    if c.speedup and c.chosen != "native":
        text += f"; {c.speedup:.2f}x"
    if c.shape_winners:
        text += f"; shape-dependent: {len(c.shape_winners)} samples favour another provider"
    return text


def write_routes(path: str, report: TuneReport) -> None:
    import torch

    import flagos

    from . import _file

    routes = {c.op: c.chosen for c in sorted(report.choices, key=lambda c: c.op)}
    header = (f"Written by `python -m flagos tune` on {datetime.date.today()} (flagos {flagos.__version__}, "
              f"platform {flagos.platform}, torch {torch.__version__}; seed {report.seed}).\n"
              f"Each traced operator goes to the fastest provider that passed the check (providers "
              f"{', '.join(report.providers)});\ntimes are µs per call, weighted by the trace's calls. Unlisted operators "
              "run on native. Use with FLAGOS_ROUTES=<this file>.")
    with open(path, "w", encoding="utf-8") as f:
        f.write(_file.render(routes, ["native"], header, {c.op: _comment(c) for c in report.choices}))


def plot(path: str, report: TuneReport, top: int = 30) -> None:
    """Bars of µs per call per operator and provider (log scale), the chosen one outlined."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise SystemExit(f"flagos tune: --plot needs matplotlib ({e}); pip install matplotlib") from None
    choices = sorted(report.choices, key=lambda c: -(c.calls * (c.native_us or 0)))[:top]
    providers = [p for p in report.providers if any(c.providers.get(p) and c.providers[p].us for c in choices)]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.5 * len(choices) + 2), 4.5))
    width = 0.8 / max(1, len(providers))
    for k, name in enumerate(providers):
        xs, ys, edges = [], [], []
        for i, c in enumerate(choices):
            p = c.providers.get(name)
            if p is not None and p.us:
                xs.append(i + (k - (len(providers) - 1) / 2) * width)
                ys.append(p.us)
                edges.append("black" if c.chosen == name else "none")
        ax.bar(xs, ys, width, label=name, edgecolor=edges, linewidth=1.5)
    ax.set_yscale("log")
    ax.set_ylabel("µs per call (weighted by traced calls)")
    ax.set_xticks(range(len(choices)), [c.op for c in choices], rotation=60, ha="right", fontsize=7)
    ax.set_title("flagos tune: time per operator and provider (outlined: chosen)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def format_confirmation(conf: dict[str, Any]) -> str:
    if conf.get("failed"):
        return (f"confirmation: the {conf['failed']} run failed (exit {conf['returncode']}): "
                + " | ".join(conf.get("stderr", [])))
    lines = [f"confirmation: the workload with the tuned routes against all-native ({conf['runs']} run(s) each)"]
    for key, t in conf["times"].items():
        ratio = f"{t['ratio']:.3f}" if t["ratio"] is not None else "-"
        lines.append(f"  {key:<24} native {t['native']:.4g}  tuned {t['tuned']:.4g}  tuned/native {ratio}")
    for key, v in conf["values"].items():
        if "of" in v:
            text = f"{v['equal']} of {v['of']} equal" + (f", first difference at {v['first_difference']}"
                                                          if v["first_difference"] is not None else "")
        elif "max_abs_diff" in v:
            text = f"max |difference| {v['max_abs_diff']:.3g} (relative {v['max_rel_diff']:.3g})"
            if not math.isfinite(v["max_abs_diff"]):
                text += " (non-finite values)"
        else:
            text = "equal" if v["equal"] else "different"
        lines.append(f"  {key:<24} {text}")
    return "\n".join(lines)
