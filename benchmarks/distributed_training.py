"""Loss curves and step times of data-parallel training on flagos: one device on the whole batch
against DDP and FSDP2 (`fully_shard`) on N ranks, each rank training on its slice of the same batch,
and each run again on the native device's tensors (cuda + NCCL, or cpu + gloo on the host platform).

    python benchmarks/distributed_training.py --nproc 2                         # a 2-GPU machine
    FLAGOS_HOST_DEVICE_COUNT=2 ./bazelw run //benchmarks:distributed_training -- --small

Data parallelism on N ranks computes the gradient of the same global mean loss as one device does on
the whole batch, so the curves must agree up to floating-point summation order (which Adam then
carries forward): the table prints every run's loss per step and the largest distance to the
one-device flagos run. Step time is the median over the steps after `--warmup`, synchronised per
step. Every run starts in fresh processes from the same initial weights (a seed) and the same data.

Native runs never load flagos (TORCH_DEVICE_BACKEND_AUTOLOAD=0, no import): on torch 2.11, once a PrivateUse1 device is registered,
at::getAccelerator() names it, and backward over cuda tensors trips an autograd-engine assert
(pytorch/pytorch#161129). Hence no flagos import at the top of this file (spawned ranks re-import it).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F

RUNS = [("1 device", "flagos", 1), ("ddp", "flagos", 0), ("fsdp2", "flagos", 0),
        ("1 device", "native", 1), ("ddp", "native", 0), ("fsdp2", "native", 0)]  # 0: --nproc ranks


class Transformer(nn.Module):
    """A small pre-norm decoder-style stack (nn.TransformerEncoderLayer with a causal mask)."""

    def __init__(self, vocab: int, dim: int, heads: int, layers: int, seq: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(seq, dim) * 0.02)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.0, batch_first=True, norm_first=True)
            for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        seq = tokens.shape[1]
        mask = nn.Transformer.generate_square_subsequent_mask(seq, device=tokens.device)
        h = self.embed(tokens) + self.pos[:seq]
        for layer in self.layers:
            h = layer(h, src_mask=mask, is_causal=True)
        return self.head(self.norm(h))


def shapes(args: argparse.Namespace) -> dict[str, int]:
    if args.small:  # the host platform: seconds, not minutes
        return {"vocab": 64, "dim": 32, "heads": 2, "layers": 2, "seq": 16}
    return {"vocab": 4096, "dim": 512, "heads": 8, "layers": 4, "seq": 256}


def batches(args: argparse.Namespace) -> torch.Tensor:
    """[steps, batch, seq + 1] token sequences with a learnable rule: x[i+1] = (a x[i] + b) mod vocab."""
    s = shapes(args)
    gen = torch.Generator().manual_seed(args.seed)
    start = torch.randint(0, s["vocab"], (args.steps, args.batch, 1), generator=gen)
    a = torch.randint(1, 8, (args.steps, args.batch, 1), generator=gen)
    steps = torch.arange(s["seq"] + 1)
    return (start + a * steps * (steps + 1) // 2) % s["vocab"]


def device_for(kind: str, local_rank: int, native: str) -> torch.device:
    if kind == "flagos":
        import flagos  # noqa: F401  (registers the device and backend="flagos"; see the docstring)
        return torch.device("flagos", local_rank)
    return torch.device(native, local_rank) if native != "cpu" else torch.device("cpu")


def synchronize(dev: torch.device) -> None:
    if dev.type == "flagos":
        torch.flagos.synchronize(dev)
    elif dev.type == "cuda":
        torch.cuda.synchronize(dev)


def train(rank: int, world: int, mode: str, kind: str, engine: tuple[str, str], args: argparse.Namespace,
          store: str, out: str) -> None:
    """One rank of one run; ``engine``: (the engine's name, its native device type)."""
    dev = device_for(kind, rank, engine[1])
    if dev.type == "flagos":
        torch.flagos.set_device(dev)
    elif dev.type == "cuda":
        torch.cuda.set_device(dev)
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 curves: compare summation order, not TF32
    torch.backends.cudnn.allow_tf32 = False
    if world > 1:
        backend = "flagos" if kind == "flagos" else engine[0]
        dist.init_process_group(backend, init_method=f"file://{store}", rank=rank, world_size=world)
    torch.manual_seed(args.seed)
    model = Transformer(**shapes(args)).to(dev)
    if mode == "ddp":
        model = nn.parallel.DistributedDataParallel(model, device_ids=[dev.index] if dev.type != "cpu" else None)
    elif mode == "fsdp2":
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.fsdp import fully_shard
        mesh = init_device_mesh(dev.type, (world,))
        for layer in model.layers:
            fully_shard(layer, mesh=mesh)
        fully_shard(model, mesh=mesh)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    data = batches(args).chunk(world, dim=1)[rank]  # this rank's slice of every global batch
    losses, seconds = [], []
    activities = [torch.profiler.ProfilerActivity.CPU] + ([torch.profiler.ProfilerActivity.CUDA]
                                                          if torch.cuda.is_available() else [])
    profiler = torch.profiler.profile(activities=activities) if args.profile else None
    for step in range(args.steps):
        if profiler is not None and step == args.warmup:
            profiler.start()
        tokens = data[step].to(dev)
        synchronize(dev)
        start = time.perf_counter()
        logits = model(tokens[:, :-1])
        loss = F.cross_entropy(logits.flatten(0, 1), tokens[:, 1:].flatten())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        synchronize(dev)
        seconds.append(time.perf_counter() - start)
        losses.append(loss.detach())
    if profiler is not None:
        profiler.stop()
        if rank == 0:
            for key in ("self_cpu_time_total",) + (("self_device_time_total",) if len(activities) > 1 else ()):
                print(f"== {kind} {mode}: torch.profiler, rank 0, steps {args.warmup + 1}-{args.steps}, by {key}")
                print(profiler.key_averages().table(sort_by=key, row_limit=18), flush=True)
    local = torch.stack(losses)  # equal slices: the global mean loss is the mean over ranks
    if world > 1:
        dist.all_reduce(local, op=dist.ReduceOp.SUM)
        local /= world
        dist.destroy_process_group()
    if rank == 0:
        torch.save({"losses": local.cpu().double(), "seconds": seconds}, out)


def run(mode: str, kind: str, world: int, engine: tuple[str, str], args: argparse.Namespace,
        tmp: str) -> dict[str, Any]:
    """{"losses", "seconds"} of one run, or {"error": its last line} (the table goes on without it)."""
    out = os.path.join(tmp, f"{mode}-{kind}.pt")
    store = os.path.join(tmp, f"store-{mode}-{kind}")
    autoload = os.environ.get("TORCH_DEVICE_BACKEND_AUTOLOAD")
    if kind == "native":  # the ranks inherit it: `import torch` then leaves flagos out (see the docstring)
        os.environ["TORCH_DEVICE_BACKEND_AUTOLOAD"] = "0"
    try:
        mp.spawn(train, args=(world, mode, kind, engine, args, store, out), nprocs=world)
    except mp.ProcessRaisedException as e:
        print(f"{kind} {mode} failed:\n{e}", file=sys.stderr)
        return {"error": str(e).strip().splitlines()[-1]}
    finally:
        os.environ.pop("TORCH_DEVICE_BACKEND_AUTOLOAD", None)
        if autoload is not None:
            os.environ["TORCH_DEVICE_BACKEND_AUTOLOAD"] = autoload
    return torch.load(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nproc", type=int, default=2, help="ranks of the DDP and FSDP2 runs")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--batch", type=int, default=16, help="global batch (split over the ranks)")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--warmup", type=int, default=5, help="steps left out of the median step time")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--small", action="store_true", help="a tiny model (host platform)")
    p.add_argument("--runs", default="", help="comma-separated runs to do (default: all), e.g. 'flagos ddp,native ddp'")
    p.add_argument("--profile", action="store_true", help="print each run's top operators (torch.profiler, rank 0)")
    args = p.parse_args()
    import flagos
    import flagos.distributed
    if args.batch % args.nproc:
        sys.exit(f"--batch {args.batch} must divide evenly over --nproc {args.nproc} ranks")
    if flagos.platform == "host" and torch.flagos.device_count() < args.nproc:
        os.environ["FLAGOS_HOST_DEVICE_COUNT"] = str(args.nproc)  # the ranks read it when they load flagos
    elif torch.flagos.device_count() < args.nproc:
        sys.exit(f"--nproc {args.nproc} needs that many flagos devices; {torch.flagos.device_count()} available")

    chosen = flagos.distributed.engine_for(flagos.platform)
    engine, native = chosen.name, chosen.native_device
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode, kind, world in RUNS:
            if args.runs and f"{kind} {mode}" not in args.runs.split(","):
                continue
            results[f"{kind} {mode}"] = run(mode, kind, world or args.nproc, (engine, native), args, tmp)
    print(f"flagos {flagos.__version__} platform={flagos.platform} torch {torch.__version__}; {args.nproc} ranks "
          f"({engine}), native = {native}; model {shapes(args)}, global batch {args.batch}, AdamW lr {args.lr}, fp32")
    for label, result in results.items():
        if "error" in result:
            print(f"{label}: FAILED: {result['error']}")
    results = {label: r for label, r in results.items() if "error" not in r}
    labels = list(results)
    print(f"{'step':>4}" + "".join(f"{label:>17}" for label in labels))
    for step in range(args.steps):
        print(f"{step + 1:>4}" + "".join(f"{results[label]['losses'][step].item():17.6f}" for label in labels))
    if "flagos 1 device" in results:
        reference = results["flagos 1 device"]["losses"]
        print("max |loss - flagos 1 device|: " + ", ".join(
            f"{label} {(results[label]['losses'] - reference).abs().max().item():.2e}" for label in labels[1:]))
    step_ms = {label: statistics.median(r["seconds"][args.warmup:] or r["seconds"]) * 1e3
               for label, r in results.items()}
    print("median step ms: " + ", ".join(f"{label} {ms:.2f}" for label, ms in step_ms.items()))
    for mode in ("1 device", "ddp", "fsdp2"):
        if f"flagos {mode}" in step_ms and f"native {mode}" in step_ms:
            print(f"step time flagos/native, {mode}: {step_ms[f'flagos {mode}'] / step_ms[f'native {mode}']:.3f}")


if __name__ == "__main__":
    main()
