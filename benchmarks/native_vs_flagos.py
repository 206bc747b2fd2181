"""flagos against the native device on a GPU machine: large operators and a Qwen3-0.6B-shaped model.

    python benchmarks/native_vs_flagos.py [OUT_DIR] [--model-runs 3] [--skip-model]

Large operators run on `cuda` tensors and on `flagos` tensors in the same process (the cuda
platform's flagos memory is the CUDA caching allocator's, so both share one pool), device time by
CUDA events. Model: transformers' Qwen3Config with the 0.6B shape (hidden 1024, 28 layers, 16
heads, 8 KV heads, head_dim 128, intermediate 3072, vocab 151936), random weights in bf16: prefill
of 128 tokens, greedy decode of 32 tokens with the KV cache (under torch.no_grad and under
torch.inference_mode), one AdamW training step on 4x512 tokens, and peak memory. Targets (issue
13): ratios <= 1.02, peak memory 1.00.

Protocol: `--model-runs` pairs of processes, interleaved (cuda, flagos, cuda, flagos, ...); each
figure is the median of its process' timings; the table gives per device the median over
processes with [min, max], and the ratio flagos/cuda as the median of the per-pair ratios with
their [min, max]. OUT_DIR/native_vs_flagos.{txt,json} keep the tables.

Each model run happens in a process of its own (clean peak-memory figures), and the cuda one
without flagos loaded: PyTorch admits one accelerator per process and makes a registered
PrivateUse1 backend that accelerator, after which backward over cuda tensors trips an internal
assertion (pytorch/pytorch#161129). flagos' own training is unaffected.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable

import torch

NATIVE = "cuda"


def sync() -> None:
    torch.cuda.synchronize()


def time_ms(fn: Callable[[], object], warmup: int, repeat: int) -> float:
    """Median wall time of `fn` in ms, device work included (synchronised around each call)."""
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def event_ms(fn: Callable[[], object], warmup: int = 5, repeat: int = 25) -> float:
    """Median device time of `fn` in ms (CUDA events on the current stream, shared by flagos)."""
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeat):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times)


def large_ops() -> dict[str, Callable[[str], Callable[[], object]]]:
    g = torch.Generator().manual_seed(0)

    def randn(*shape: int, dtype: torch.dtype) -> torch.Tensor:
        return torch.randn(*shape, generator=g).to(dtype)

    data = {
        "f32_64M": randn(1 << 26, dtype=torch.float32),
        "bf16_64M": randn(1 << 26, dtype=torch.bfloat16),
        "bf16_16M": randn(1 << 24, dtype=torch.bfloat16),
        "mm_a": randn(4096, 4096, dtype=torch.bfloat16),
        "mm_b": randn(4096, 4096, dtype=torch.bfloat16),
        "f16_rows": randn(8192, 4096, dtype=torch.float16),
        "bf16_rows": randn(8192, 4096, dtype=torch.bfloat16),
        "f32_rows": randn(8192, 4096, dtype=torch.float32),
        "q": randn(4, 16, 1024, 128, dtype=torch.bfloat16),
    }
    cache: dict[tuple[str, str], torch.Tensor] = {}

    def on(device: str, key: str) -> torch.Tensor:
        if (device, key) not in cache:
            cache[(device, key)] = data[key].to(device)
        return cache[(device, key)]

    def w(device: str) -> torch.Tensor:
        return on(device, "bf16_rows")[0]

    return {
        "add f32 64M": lambda d: lambda: on(d, "f32_64M") + on(d, "f32_64M"),
        "cast f32->bf16 64M": lambda d: lambda: on(d, "f32_64M").to(torch.bfloat16),
        "cast bf16->f32 64M": lambda d: lambda: on(d, "bf16_64M").to(torch.float32),
        "transpose copy f32 8192x4096": lambda d: lambda: on(d, "f32_rows").t().contiguous(),
        "sum f32 64M": lambda d: lambda: on(d, "f32_64M").sum(),
        "mm bf16 4096^3": lambda d: lambda: on(d, "mm_a") @ on(d, "mm_b"),
        "softmax f16 8192x4096": lambda d: lambda: torch.softmax(on(d, "f16_rows"), dim=-1),
        "layer_norm f16 8192x4096": lambda d: lambda: torch.nn.functional.layer_norm(on(d, "f16_rows"), (4096,)),
        "rms_norm bf16 8192x4096": lambda d: lambda: torch.nn.functional.rms_norm(on(d, "bf16_rows"), (4096,), w(d)),
        "silu bf16 16M": lambda d: lambda: torch.nn.functional.silu(on(d, "bf16_16M")),
        "sdpa causal bf16 4x16x1024x128": lambda d: lambda: torch.nn.functional.scaled_dot_product_attention(
            on(d, "q"), on(d, "q"), on(d, "q"), is_causal=True),
    }


def model_config() -> object:
    from transformers import Qwen3Config

    return Qwen3Config(hidden_size=1024, num_hidden_layers=28, num_attention_heads=16, num_key_value_heads=8,
                       head_dim=128, intermediate_size=3072, vocab_size=151936, max_position_embeddings=4096,
                       tie_word_embeddings=True, torch_dtype="bfloat16", attn_implementation="sdpa")


def run_model(device: str, args: argparse.Namespace) -> dict[str, object]:
    from transformers import Qwen3ForCausalLM

    torch.manual_seed(0)  # the same random weights in every process
    model = Qwen3ForCausalLM(model_config()).to(torch.bfloat16).to(device)
    g = torch.Generator().manual_seed(1)
    prompt = torch.randint(0, 151936, (1, 128), generator=g).to(device)
    batch = torch.randint(0, 151936, (4, 512), generator=g).to(device)
    out: dict[str, object] = {}

    model.eval()
    with torch.no_grad():
        torch.cuda.reset_peak_memory_stats()
        out["prefill_ms"] = time_ms(lambda: model(prompt, use_cache=False), 3, args.repeat)
        logits = model(prompt, use_cache=False).logits[0, -1].float().cpu()

        def decode() -> list[int]:
            res = model(prompt, use_cache=True)
            past, tokens = res.past_key_values, []
            nxt = res.logits[:, -1:].argmax(-1)
            for _ in range(32):
                tokens.append(int(nxt.item()))
                res = model(nxt, past_key_values=past, use_cache=True)
                past, nxt = res.past_key_values, res.logits[:, -1:].argmax(-1)
            return tokens

        out["tokens"] = decode()
        out["decode32_ms"] = time_ms(decode, 1, max(3, args.repeat // 2))
    with torch.inference_mode():  # how generation loops run (transformers' generate, serving stacks)
        out["decode32_inference_mode_ms"] = time_ms(decode, 1, max(3, args.repeat // 2))
        out["infer_peak_bytes"] = torch.cuda.max_memory_allocated()
    out["last_logits"] = logits.tolist()

    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)

    def step() -> float:
        loss = model(batch, labels=batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    step()  # optimizer state exists from here on
    torch.cuda.reset_peak_memory_stats()
    out["train_step_ms"] = time_ms(step, 1, args.repeat)
    out["train_peak_bytes"] = torch.cuda.max_memory_allocated()

    def forward_backward() -> None:
        model(batch, labels=batch).loss.backward()

    out["train_fwd_bwd_ms"] = time_ms(forward_backward, 1, args.repeat)
    out["train_optimizer_ms"] = time_ms(opt.step, 1, args.repeat)
    del model, opt
    gc.collect()
    return out


def model_in_subprocess(device: str, args: argparse.Namespace) -> dict[str, object]:
    env = dict(os.environ)
    if device == NATIVE:
        env["TORCH_DEVICE_BACKEND_AUTOLOAD"] = "0"  # a process where cuda is torch's accelerator
    cores = sorted(os.sched_getaffinity(0))
    pin = ["taskset", "-c", ",".join(map(str, cores[2:6]))] if len(cores) >= 6 else []  # same cores every run
    with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
        subprocess.run(pin + [sys.executable, __file__, "--model-device", device, "--model-json", tmp.name,
                              "--repeat", str(args.repeat)], env=env, check=True)
        return json.load(open(tmp.name))


TIMES = ("prefill_ms", "decode32_ms", "decode32_inference_mode_ms", "train_step_ms", "train_fwd_bwd_ms",
         "train_optimizer_ms")
PEAKS = ("infer_peak_bytes", "train_peak_bytes")


def model_runs(args: argparse.Namespace) -> dict[str, list[dict[str, object]]]:
    """Alternating processes (cuda, flagos, cuda, flagos...): one result per process."""
    runs: dict[str, list[dict[str, object]]] = {NATIVE: [], "flagos": []}
    for i in range(args.model_runs):
        for device in runs:
            runs[device].append(model_in_subprocess(device, args))
            print(f"model run {i + 1}/{args.model_runs} on {device} done", file=sys.stderr, flush=True)
    return runs


def spread(values: list[float], fmt: str = ".3f") -> str:
    return f"{statistics.median(values):{fmt}} [{min(values):{fmt}}, {max(values):{fmt}}]"


def model_table(runs: dict[str, list[dict[str, object]]], lines: list[str]) -> None:
    nat, mine = runs[NATIVE], runs["flagos"]
    lines.append(f"{'workload':30}{'cuda: median [min, max]':30}{'flagos: median [min, max]':30}"
                 f"{'ratio: median [min, max]'}")
    for key in TIMES + PEAKS:
        scale = 2**30 if key in PEAKS else 1.0
        a = [float(r[key]) / scale for r in nat]
        b = [float(r[key]) / scale for r in mine]
        ratios = [y / x for x, y in zip(a, b)]
        lines.append(f"{key.replace('_bytes', '_GB'):30}{spread(a):30}{spread(b):30}{spread(ratios)}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out_dir", nargs="?", default=None, help="where native_vs_flagos.{txt,json} go")
    p.add_argument("--json", help="also write all figures here")
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--skip-model", action="store_true")
    p.add_argument("--model-runs", type=int, default=3, help="process pairs for the model (the spread is over them)")
    p.add_argument("--model-device", help=argparse.SUPPRESS)  # worker mode: one model run
    p.add_argument("--model-json", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.model_device:
        if args.model_device == "flagos":
            import flagos  # noqa: F401
        with open(args.model_json, "w") as fh:
            json.dump(run_model(args.model_device, args), fh)
        return

    import flagos

    assert flagos.platform == "cuda", f"run this with a cuda build of flagos (this one is {flagos.platform})"
    props = torch.cuda.get_device_properties(0)
    lines = [f"{props.name}, torch {torch.__version__}, flagos {flagos.__version__} ({flagos.platform})"]
    report: dict[str, object] = {"device": props.name, "torch": torch.__version__}

    rows = []
    for name, make in large_ops().items():
        native_ms, flagos_ms = event_ms(make(NATIVE)), event_ms(make("flagos"))
        rows.append((name, native_ms, flagos_ms))
    lines.append("\nlarge operators (device time, median of 25)")
    lines.append(f"{'workload':36}{'cuda ms':>12}{'flagos ms':>13}{'ratio':>8}")
    lines += [f"{name:36}{n:12.3f}{f:13.3f}{f / n:8.3f}" for name, n, f in rows]
    report["large_ops_ms"] = {n: {"cuda": a, "flagos": b} for n, a, b in rows}
    print("\n".join(lines), flush=True)

    if not args.skip_model:
        runs = model_runs(args)
        lines.append(f"\nQwen3-0.6B shape, bf16, random weights: wall time with device sync, each process the median "
                     f"of {args.repeat} calls (decode: {max(3, args.repeat // 2)}); {args.model_runs} interleaved "
                     f"process pairs")
        model_table(runs, lines)
        nat, mine = runs[NATIVE][0], runs["flagos"][0]
        same = all(r["tokens"] == nat["tokens"] for r in runs[NATIVE] + runs["flagos"])
        diff = (torch.tensor(nat["last_logits"]) - torch.tensor(mine["last_logits"])).abs().max().item()
        lines.append(f"greedy tokens identical for 32 steps in every process: {same}; "
                     f"max |logit diff| after prefill: {diff:.3e}")
        report["model"] = {d: [{k: r[k] for k in TIMES + PEAKS} for r in rs] for d, rs in runs.items()}
        report["model"]["tokens"] = nat["tokens"]
        report["model"]["same_tokens"] = same
        report["model"]["max_logit_diff"] = diff
    text = "\n".join(lines)
    print(text[text.index("\nQwen3"):] if "\nQwen3" in text else "")
    outputs = [args.json] if args.json else []
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        with open(os.path.join(args.out_dir, "native_vs_flagos.txt"), "w") as fh:
            fh.write(text + "\n")
        outputs.append(os.path.join(args.out_dir, "native_vs_flagos.json"))
    for path in outputs:
        with open(path, "w") as fh:
            json.dump(report, fh, indent=1, default=str)


if __name__ == "__main__":
    main()
