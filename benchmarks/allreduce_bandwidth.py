"""all_reduce bus bandwidth on flagos tensors (backend="flagos") against the native device's tensors
on the engine's own process group (gloo on host, NCCL on cuda): the cost of the flagos layer.

    FLAGOS_HOST_DEVICE_COUNT=2 ./bazelw run //benchmarks:allreduce_bandwidth        # host: 2 ranks
    torchrun --nproc-per-node 8 benchmarks/allreduce_bandwidth.py --max-size 1G       # a GPU node

Without torchrun it starts `--nproc` ranks itself (FileStore in a temporary directory). Each size
is timed `--repeat` times over `--iters` back-to-back all_reduces (after warm-up); rank 0 prints
the medians. Bus bandwidth is the nccl-tests definition: size / time * 2 (n - 1) / n. Timings on
a shared machine are noisy: read the medians, rerun to compare.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from typing import Callable

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import flagos
import flagos.distributed


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().rstrip("B")
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def human(n: int) -> str:
    for unit, scale in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= scale:
            return f"{n / scale:g}{unit}"
    return f"{n}B"


def time_all_reduce(t: torch.Tensor, group: dist.ProcessGroup, iters: int, sync: Callable[[], None]) -> float:
    """Seconds per all_reduce of `t` on `group`, averaged over `iters` calls."""
    # Line the ranks up with a small all_reduce, not dist.barrier: barrier takes its device type from
    # torch.accelerator (flagos once flagos is loaded), which the engine's own NCCL group lacks.
    dist.all_reduce(t[:1], group=group)
    sync()
    start = time.perf_counter()
    for _ in range(iters):
        dist.all_reduce(t, group=group)
    sync()
    return (time.perf_counter() - start) / iters


def profile_flagos(rank: int, args: argparse.Namespace, sync: Callable[[], None], dtype: torch.dtype) -> None:
    """Where the flagos layer's time goes: Python profile of `--profile` small all_reduces (rank 0 prints)."""
    import cProfile
    import pstats

    t = torch.ones(1024, dtype=dtype, device="flagos")
    time_all_reduce(t, dist.group.WORLD, args.warmup, sync)
    profiler = cProfile.Profile()
    profiler.enable()
    time_all_reduce(t, dist.group.WORLD, args.profile, sync)
    profiler.disable()
    if rank == 0:
        print(f"\nPython profile of {args.profile} all_reduces of 4 KB on flagos tensors (rank 0, by own time):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(20)


def run(rank: int, world: int, args: argparse.Namespace, store_file: str) -> None:
    if store_file:  # started by this script
        local_rank = rank
        torch.flagos.set_device(local_rank)
        dist.init_process_group("flagos", init_method=f"file://{store_file}", rank=rank, world_size=world)
    else:  # under torchrun
        flagos.distributed.init()
        local_rank, rank, world = flagos.distributed.local_rank(), dist.get_rank(), dist.get_world_size()

    engine = flagos.distributed.engine_for(flagos.platform)
    native_group = dist.new_group(backend=engine.name)  # the engine itself, on native tensors
    native = torch.device(engine.native_device, local_rank) if engine.native_device != "cpu" else torch.device("cpu")
    if native.type == "cuda":
        torch.cuda.set_device(native)
    sync_native = (lambda: torch.cuda.synchronize(native)) if native.type == "cuda" else (lambda: None)
    sync_flagos = torch.flagos.synchronize
    dtype = getattr(torch, args.dtype)
    element = torch.tensor([], dtype=dtype).element_size()

    if rank == 0:
        print(f"flagos {flagos.__version__} platform={flagos.platform} torch {torch.__version__}; {world} ranks, "
              f"engine {engine.name}, native tensors on {native.type}; {args.dtype}, {args.iters} all_reduces x "
              f"{args.repeat} repeats (median)")
        print(f"{'size':>8}{native.type + ' us':>12}{'flagos us':>12}{native.type + ' GB/s':>13}"
              f"{'flagos GB/s':>13}{'flagos/native':>15}")
    size = args.min_size
    while size <= args.max_size:
        numel = max(1, size // element)
        cases = {
            "native": (torch.ones(numel, dtype=dtype, device=native), native_group, sync_native),
            "flagos": (torch.ones(numel, dtype=dtype, device="flagos"), dist.group.WORLD, sync_flagos),
        }
        seconds = {}
        for label, (t, group, sync) in cases.items():
            time_all_reduce(t, group, args.warmup, sync)
            seconds[label] = statistics.median(time_all_reduce(t, group, args.iters, sync) for _ in range(args.repeat))
        if rank == 0:
            nbytes = numel * element
            busbw = {k: nbytes / s * 2 * (world - 1) / world / 1e9 for k, s in seconds.items()}
            print(f"{human(nbytes):>8}{seconds['native'] * 1e6:12.1f}{seconds['flagos'] * 1e6:12.1f}"
                  f"{busbw['native']:13.3f}{busbw['flagos']:13.3f}{busbw['flagos'] / busbw['native']:15.2f}")
        size *= args.step
    if args.profile:
        profile_flagos(rank, args, sync_flagos, dtype)
    dist.barrier()
    dist.destroy_process_group()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nproc", type=int, default=2, help="ranks to start when not under torchrun")
    p.add_argument("--min-size", type=parse_size, default=parse_size("4K"), help="smallest message (bytes, K/M/G)")
    p.add_argument("--max-size", type=parse_size, default=parse_size("16M"), help="largest message")
    p.add_argument("--step", type=int, default=4, help="size multiplier between rows")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--iters", type=int, default=20, help="all_reduces per timing")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--repeat", type=int, default=5, help="timings per size and tensor kind")
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="afterwards, profile N small flagos all_reduces in Python (rank 0 prints)")
    args = p.parse_args()

    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:  # torchrun
        run(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), args, "")
        return
    if flagos.platform == "host" and torch.flagos.device_count() < args.nproc:
        # Simulated devices: the ranks (fresh interpreters) read this when they load flagos.
        os.environ["FLAGOS_HOST_DEVICE_COUNT"] = str(args.nproc)
    elif torch.flagos.device_count() < args.nproc:
        sys.exit(f"--nproc {args.nproc} needs that many flagos devices; {torch.flagos.device_count()} available")
    with tempfile.TemporaryDirectory() as tmp:
        mp.spawn(run, args=(args.nproc, args, os.path.join(tmp, "store")), nprocs=args.nproc)


if __name__ == "__main__":
    main()
