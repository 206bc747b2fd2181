"""What routing costs per operator call, by provider path.

    ./bazelw run //benchmarks:routing_overhead [-- --loop 2000 --repeat 9]

Columns (median microseconds per call of a Python loop over tiny tensors, so the time is the
per-call cost, not arithmetic):
  native      the native device's own tensors (cpu on host, cuda on cuda): the floor;
  flagos      flagos tensors, route native (the default): the bridge plus the route lookup;
  +400 routes the same with 400 other operators routed by name: the lookup must not grow;
  provider    flagos tensors routed to a kernel provider whose kernels call the same native
              kernels: the cost of the provider path (Python kernel, flaggems' path);
  gems direct FlagGems' kernel called directly on native tensors (cuda, flag_gems installed): a
              Python call, no dispatcher;
  gems use    the same operator on native tensors inside flag_gems.use_gems(): through PyTorch's
              dispatcher to FlagGems' Python kernel, as FlagGems' own users call it;
  gems route  flagos tensors routed to flaggems: gems route - gems use is flagos' share (gems use
              - gems direct is PyTorch's cost of calling a Python kernel, which any dispatcher
              integration pays).
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from typing import Callable, Optional

import torch

import flagos
from flagos.routing import KernelProvider

aten = torch.ops.aten

# operator overload -> (call on tensors a, b)
CASES: dict[str, Callable[[torch.Tensor, torch.Tensor], object]] = {
    "add.Tensor": lambda a, b: torch.add(a, b),
    "mul.Tensor": lambda a, b: a * b,
    "relu.default": lambda a, b: torch.relu(a),
    "sum.default": lambda a, b: aten.sum.default(a),
    "mm.default": lambda a, b: aten.mm.default(a, b),
    "_softmax.default": lambda a, b: aten._softmax.default(a, -1, False),
}


def _identity_kernel(op: str) -> Callable:
    overload = getattr(getattr(aten, op.split(".")[0]), op.split(".")[1])
    return lambda *args, **kwargs: overload(*args, **kwargs)


def timed(fn: Callable[[], object], loop: int, sync: Callable[[], None]) -> float:
    for _ in range(min(loop, 200)):
        fn()
    sync()
    start = time.perf_counter()
    for _ in range(loop):
        fn()
    sync()
    return (time.perf_counter() - start) / loop * 1e6


def flaggems_kernels() -> Optional[dict[str, Callable]]:
    if flagos.platform != "cuda":
        return None
    provider = next(p for p in flagos.routing.providers() if p.name == "flaggems")
    if provider.unavailable():
        print(f"(flaggems columns skipped: {provider.unavailable()})")
        return None
    return {op.display: fn for op, fn in provider.kernels().items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--loop", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=9)
    p.add_argument("--threads", type=int, default=1,
                   help="CPU threads for ATen (1: per-call cost without OpenMP wake-ups, which on a small shared "
                        "machine dwarf it)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    native = torch.ops.flagos.to_native(torch.empty(1, device="flagos")).device
    sync_native = torch.cuda.synchronize if native.type == "cuda" else (lambda: None)
    sync = torch.flagos.synchronize
    x, y = torch.randn(4, 4), torch.randn(4, 4)
    na, nb = x.to(native), y.to(native)
    fa, fb = x.to("flagos"), y.to("flagos")
    flagos.routing.register_provider(KernelProvider("identity", {op: _identity_kernel(op) for op in CASES}))
    gems = flaggems_kernels()
    filler = {}
    for name in torch._C._dispatch_get_all_op_names():
        if len(filler) >= 400:
            break
        if name.startswith("aten::") and "." in name and name[6:] not in CASES:
            filler[name[6:]] = "native"

    print(f"flagos {flagos.__version__} platform={flagos.platform} torch {torch.__version__}; native={native.type}; "
          f"tensors 4x4 float32; {args.loop} calls x {args.repeat} repeats (median us per call)")
    head = f"{'operator':18}{'native':>9}{'flagos':>9}{'+400 rt':>9}{'provider':>10}"
    if gems:
        head += f"{'gems dir':>10}{'gems use':>10}{'gems rt':>9}"
    print(head + f"{'flagos-nat':>12}{'prov-flagos':>12}" + (f"{'rt-dir':>8}{'rt-use':>8}" if gems else ""))
    for op, call in CASES.items():
        columns: dict[str, list[float]] = {}
        runs: list[tuple[str, Callable[[], object], Callable[[], None], dict]] = [
            ("native", lambda: call(na, nb), sync_native, {}),
            ("flagos", lambda: call(fa, fb), sync, {}),
            ("many", lambda: call(fa, fb), sync, filler),
            ("provider", lambda: call(fa, fb), sync, {op: "identity"}),
        ]
        if gems and op in gems:
            kernel = gems[op]
            runs += [("gems_direct", (lambda k=kernel: call_kernel(k, op, na, nb)), sync_native, {}),
                     ("gems_use", lambda: call(na, nb), sync_native, {}),
                     ("gems_route", lambda: call(fa, fb), sync, {op: "flaggems"})]
        for _ in range(args.repeat):  # interleaved: machine drift hits every column alike
            for label, fn, s, routes in runs:
                scope = gems_scope() if label == "gems_use" else contextlib.nullcontext()
                with flagos.routing.override(routes), scope:
                    columns.setdefault(label, []).append(timed(fn, args.loop, s))
        m = {k: statistics.median(v) for k, v in columns.items()}
        line = f"{op:18}{m['native']:9.2f}{m['flagos']:9.2f}{m['many']:9.2f}{m['provider']:10.2f}"
        if gems:
            line += (f"{m['gems_direct']:10.2f}{m['gems_use']:10.2f}{m['gems_route']:9.2f}" if "gems_direct" in m
                     else f"{'-':>10}{'-':>10}{'-':>9}")
        line += f"{m['flagos'] - m['native']:+12.2f}{m['provider'] - m['flagos']:+12.2f}"
        if gems:
            line += (f"{m['gems_route'] - m['gems_direct']:+8.2f}{m['gems_route'] - m['gems_use']:+8.2f}"
                     if "gems_direct" in m else f"{'-':>8}{'-':>8}")
        print(line)


def gems_scope() -> contextlib.AbstractContextManager:
    """FlagGems registered for the native device while one column is timed (flag_gems.use_gems())."""
    import flag_gems

    return flag_gems.use_gems()


def call_kernel(kernel: Callable, op: str, a: torch.Tensor, b: torch.Tensor) -> object:
    """FlagGems' kernel for ``op`` called as ATen would call it (the same arguments as CASES)."""
    if op in ("add.Tensor", "mul.Tensor", "mm.default"):
        return kernel(a, b)
    if op == "_softmax.default":
        return kernel(a, -1, False)
    return kernel(a)


if __name__ == "__main__":
    main()
