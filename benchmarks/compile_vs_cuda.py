"""torch.compile on flagos against torch.compile on cuda (GPU machine, cuda platform).

    python benchmarks/compile_vs_cuda.py RESULTS_DIR [--rounds 3] [--workloads prefill,train,generate]

Workloads, on a model of Qwen3-0.6B's shape (transformers' Qwen3Config: 28 layers, hidden 1024,
16/8 heads of 128, vocabulary 151936; random weights, bfloat16):

- ``prefill``: the forward of 1x128 tokens, ``torch.compile(model)``;
- ``train``: one AdamW training step on 4x512 tokens, forward+backward through the compiled
  model and ``torch.compile(optimizer.step)``;
- ``generate``: greedy ``generate`` of 32 tokens with a static cache and the forward compiled
  with ``mode="reduce-overhead"`` (Hugging Face's recipe), against eager ``generate`` on cuda.

Each (workload, device) runs in a process of its own, the cuda ones without flagos loaded
(``TORCH_DEVICE_BACKEND_AUTOLOAD=0``: with a second accelerator loaded, backward over cuda
tensors trips an assert in PyTorch's autograd engine, pytorch#161129), and each process gets an
empty Inductor cache, so its first call measures a cold compile. Rounds interleave the devices
(cuda, flagos, then flagos, cuda, ...) so that drift of the machine hits both. Reported: medians
over rounds of each process' median time, with the spread (min-max) across rounds, the
flagos/cuda ratios, compile times (first call), and whether flagos' tokens and logits equal
cuda's. Written to RESULTS_DIR/compile_vs_cuda.{md,json}; each process' raw figures to
RESULTS_DIR/raw/.

Targets (issue 15): compiled prefill and training step on flagos <= 1.00x compiled on cuda;
generate with reduce-overhead: tokens identical to eager, time per token <= 1.00x cuda's and
>= 3x faster than eager cuda.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ("prefill", "train", "generate")
VOCAB = {"0.6b": 151936, "tiny": 512}  # --model tiny: the CI model, to try the script on the host


# ----------------------------------------------------------------------------- worker (one device)

def _sync() -> None:
    import torch

    torch.accelerator.synchronize()


def _median_ms(fn: Callable[[], Any], warmup: int, repeat: int) -> float:
    for _ in range(warmup):
        fn()
    _sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        _sync()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def _first_call_s(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    _sync()
    return time.perf_counter() - start


def _model(device: str, args: argparse.Namespace) -> Any:
    import torch
    from transformers import Qwen3ForCausalLM

    sys.path.insert(0, os.path.join(HERE, "..", "tests", "models"))
    from qwen3_runs import qwen3_0_6b_config, tiny_config

    torch.manual_seed(args.seed)
    config = tiny_config(VOCAB[args.model]) if args.model == "tiny" else qwen3_0_6b_config()
    with torch.device("cpu"):
        model = Qwen3ForCausalLM(config).to(torch.bfloat16)
    return model.to(device)


def _prefill(device: str, args: argparse.Namespace) -> dict[str, Any]:
    import torch

    model = _model(device, args).eval()
    ids = torch.randint(0, VOCAB[args.model], (1, 128), generator=torch.Generator().manual_seed(args.seed)).to(device)
    compiled = torch.compile(model)
    with torch.no_grad():
        compile_s = _first_call_s(lambda: compiled(input_ids=ids))
        ms = _median_ms(lambda: compiled(input_ids=ids), args.warmup, args.repeat)
        eager_ms = _median_ms(lambda: model(input_ids=ids), args.warmup, args.repeat)
        logits = compiled(input_ids=ids).logits[0, -1].float().cpu()
    return {"ms": ms, "eager_ms": eager_ms, "compile_s": compile_s, "logits": logits.tolist()}


def _train(device: str, args: argparse.Namespace) -> dict[str, Any]:
    import torch

    model = _model(device, args).train()
    ids = torch.randint(0, VOCAB[args.model], (4, 512), generator=torch.Generator().manual_seed(args.seed)).to(device)
    compiled = torch.compile(model)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    opt_step = torch.compile(opt.step)
    losses: list[float] = []

    def step() -> None:
        loss = compiled(input_ids=ids, labels=ids, use_cache=False).loss
        loss.backward()
        opt_step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.detach())

    compile_s = _first_call_s(step)
    ms = _median_ms(step, args.warmup, args.repeat)
    return {"ms": ms, "compile_s": compile_s, "losses": [float(x) for x in losses[:4]]}


def _generate(device: str, args: argparse.Namespace) -> dict[str, Any]:
    import torch
    from transformers import GenerationConfig

    model = _model(device, args).eval()
    prompt = torch.randint(0, VOCAB[args.model], (1, 32), generator=torch.Generator().manual_seed(args.seed)).to(device)
    # disable_compile: transformers compiles the forward by itself for a static cache on cuda (not
    # on flagos), which would make the eager reference a compiled one; the forward is compiled here.
    config = GenerationConfig(do_sample=False, max_new_tokens=args.tokens, min_new_tokens=args.tokens,
                              cache_implementation="static", eos_token_id=None, pad_token_id=0,
                              disable_compile=True)

    def run() -> Any:
        return model.generate(prompt, generation_config=config)

    out: dict[str, Any] = {}
    with torch.no_grad():
        if device == "cuda":  # the eager reference of the ">= 3x faster than eager cuda" target
            out["eager_ms_per_token"] = _median_ms(run, 1, max(1, args.repeat // 4)) / args.tokens
            out["eager_tokens"] = run()[0].tolist()
        model.forward = torch.compile(model.forward, mode="reduce-overhead", fullgraph=True)
        out["compile_s"] = _first_call_s(run)
        out["ms_per_token"] = _median_ms(run, 2, max(1, args.repeat // 4)) / args.tokens
        out["tokens"] = run()[0].tolist()
    try:
        from torch._dynamo.utils import counters

        out["cudagraph_skips"] = int(counters["inductor"]["cudagraph_skips"])
    except Exception:  # noqa: BLE001  (a figure, not a requirement)
        pass
    return out


def worker(args: argparse.Namespace) -> int:
    import torch

    if args.device == "flagos":
        import flagos  # noqa: F401
    fn = {"prefill": _prefill, "train": _train, "generate": _generate}[args.workload]
    result = fn(args.device, args)
    result.update(device=args.device, workload=args.workload, torch=torch.__version__)
    with open(args.out, "w") as f:
        json.dump(result, f)
    return 0


# ----------------------------------------------------------------------------- driver

def _run_one(workload: str, device: str, out: str, args: argparse.Namespace) -> dict[str, Any] | None:
    env = dict(os.environ)
    env["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="inductor_")  # cold compile in each process
    if device == "cuda":
        env["TORCH_DEVICE_BACKEND_AUTOLOAD"] = "0"
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--device", device, "--workload", workload,
           "--out", out, "--seed", str(args.seed), "--warmup", str(args.warmup), "--repeat", str(args.repeat),
           "--tokens", str(args.tokens), "--model", args.model]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  {workload} on {device} failed (rc {proc.returncode}):\n{proc.stderr[-4000:]}", file=sys.stderr)
        with open(out + ".err", "w") as f:
            f.write(proc.stdout + proc.stderr)
        return None
    with open(out) as f:
        return json.load(f)


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(runs: dict[str, dict[str, list[dict[str, Any]]]]) -> tuple[str, dict[str, Any]]:
    lines = ["| workload | cuda (compiled) | flagos (compiled) | flagos/cuda | compile s cuda / flagos | check |",
             "| --- | --- | --- | --- | --- | --- |"]
    summary: dict[str, Any] = {}
    for workload, per_device in runs.items():
        key = "ms_per_token" if workload == "generate" else "ms"
        cuda = [r[key] for r in per_device.get("cuda", [])]
        fl = [r[key] for r in per_device.get("flagos", [])]
        ratio = (_median(fl) / _median(cuda)) if cuda and fl else None
        comp = "{} / {}".format(_spread([r["compile_s"] for r in per_device.get("cuda", [])]),
                                _spread([r["compile_s"] for r in per_device.get("flagos", [])]))
        check = "-"
        if per_device.get("cuda") and per_device.get("flagos"):
            a, b = per_device["cuda"][0], per_device["flagos"][0]
            if workload == "generate":
                same = a["tokens"] == b["tokens"]
                eager_same = b["tokens"] == a.get("eager_tokens")
                speedup = a["eager_ms_per_token"] / _median(fl) if a.get("eager_ms_per_token") else None
                check = (f"tokens equal cuda: {same}; equal eager cuda: {eager_same}; "
                         f"vs eager cuda: {speedup:.2f}x faster" if speedup else f"tokens equal cuda: {same}")
                if b.get("cudagraph_skips"):
                    check += f"; cudagraph skips on flagos: {b['cudagraph_skips']}"
            elif workload == "prefill":
                diff = max(abs(x - y) for x, y in zip(a["logits"], b["logits"]))
                check = f"max abs logit difference {diff:.4g}"
            else:
                check = "losses " + ", ".join(f"{x:.4f}/{y:.4f}" for x, y in zip(a["losses"], b["losses"]))
        unit = "ms/token" if workload == "generate" else "ms"
        lines.append(f"| {workload} ({unit}) | {_spread(cuda)} | {_spread(fl)} | "
                     f"{'-' if ratio is None else f'{ratio:.3f}'} | {comp} | {check} |")
        summary[workload] = {"cuda": cuda, "flagos": fl, "ratio": ratio, "check": check}
    return "\n".join(lines) + "\n", summary


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="?", help="directory for the tables (driver mode)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--device", choices=("cuda", "flagos"))
    ap.add_argument("--workload", choices=WORKLOADS)
    ap.add_argument("--out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--model", choices=tuple(VOCAB), default="0.6b")
    ap.add_argument("--devices", default="cuda,flagos", help="e.g. flagos alone, to try the script on the host")
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args)
    if not args.results:
        ap.error("RESULTS_DIR is required")
    raw = os.path.join(args.results, "raw")
    os.makedirs(raw, exist_ok=True)
    workloads = [w for w in args.workloads.split(",") if w]
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {w: {"cuda": [], "flagos": []} for w in workloads}
    for r in range(args.rounds):
        devices = [d for d in args.devices.split(",") if d]
        order = devices if r % 2 == 0 else devices[::-1]
        for workload in workloads:
            for device in order:
                print(f"round {r}: {workload} on {device}", flush=True)
                result = _run_one(workload, device, os.path.join(raw, f"{workload}_{device}_{r}.json"), args)
                if result is not None:
                    runs[workload][device].append(result)
    table, summary = summarise(runs)
    header = (f"# torch.compile: flagos vs cuda\n\n{args.rounds} rounds, interleaved; medians over rounds "
              f"[min-max]; compile = first call, cold Inductor cache.\n\n")
    with open(os.path.join(args.results, "compile_vs_cuda.md"), "w") as f:
        f.write(header + table)
    with open(os.path.join(args.results, "compile_vs_cuda.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(header + table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
