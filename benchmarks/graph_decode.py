"""Graph capture of a Qwen3-0.6B-shaped decode step: eager against graph replay, per device.

    python benchmarks/graph_decode.py OUT_DIR [--devices cuda,flagos] [--rounds 3] [--tokens 64]
    python benchmarks/graph_decode.py OUT_DIR --devices cpu,flagos --small --threads 1   # host figures

One decode step (28 layers, hidden 1024, 16 query / 8 KV heads of 128, MLP 3072, vocab 151936,
RMSNorm, q/k norm, RoPE, a static KV cache, greedy argmax) written with plain torch ops, so the same
code runs on every device. The graph captures the step together with its bookkeeping (next token
into the input, position + 1, token into an output buffer), so generating N tokens is N replays with
no host work in between; eager runs the same function N times. Each (device, mode) runs in a fresh
process, interleaved over rounds (cuda processes do not load flagos); the table gives the median
per-token time over processes with min-max, the graph speed-up, and whether the graph's tokens equal
eager's. Writes OUT_DIR/graph_decode.json and OUT_DIR/graph_decode.md.

Targets (issue 14, H200, bf16): flagos graph <= 1.00x cuda graph; flagos graph >= 3.5x flagos eager.
On host the figure is what the recorded graph saves: framework work on the host (Python, autograd,
dispatch, allocation), not kernel time.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import torch
import torch.nn.functional as F

FULL = dict(layers=28, hidden=1024, heads=16, kv_heads=8, head_dim=128, ffn=3072, vocab=151936)
SMALL = dict(layers=4, hidden=256, heads=4, kv_heads=2, head_dim=64, ffn=768, vocab=4096)


class Decoder:
    """The model's weights (identical on every device: drawn on the CPU from seed 0) and one step."""

    def __init__(self, cfg: dict[str, int], device: str, dtype: torch.dtype, max_len: int) -> None:
        g = torch.Generator().manual_seed(0)
        self.cfg, self.max_len, self.device = cfg, max_len, device
        h, nh, nkv, hd, ffn = cfg["hidden"], cfg["heads"], cfg["kv_heads"], cfg["head_dim"], cfg["ffn"]

        def w(*shape: int, scale: float = 0.02) -> torch.Tensor:
            return (torch.randn(*shape, generator=g) * scale).to(dtype).to(device)

        def ones(n: int) -> torch.Tensor:
            return torch.ones(n, dtype=dtype, device=device)

        self.embed = w(cfg["vocab"], h)
        self.layers = [dict(norm_in=ones(h), wq=w(nh * hd, h), wk=w(nkv * hd, h), wv=w(nkv * hd, h),
                            q_norm=ones(hd), k_norm=ones(hd), wo=w(h, nh * hd), norm_post=ones(h),
                            wg=w(ffn, h), wu=w(ffn, h), wd=w(h, ffn),
                            k_cache=torch.zeros(1, nkv, max_len, hd, dtype=dtype, device=device),
                            v_cache=torch.zeros(1, nkv, max_len, hd, dtype=dtype, device=device))
                       for _ in range(cfg["layers"])]
        self.norm = ones(h)
        inv = 1.0 / (1e6 ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        ang = torch.arange(max_len, dtype=torch.float64)[:, None] * inv[None, :]
        ang = torch.cat([ang, ang], dim=-1)
        self.cos, self.sin = ang.cos().to(dtype).to(device), ang.sin().to(dtype).to(device)
        self.positions = torch.arange(max_len, device=device)

    @staticmethod
    def rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * cos + rotated * sin

    def step(self, tok: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        c = self.cfg
        nh, nkv, hd = c["heads"], c["kv_heads"], c["head_dim"]
        x = F.embedding(tok, self.embed)  # (1, hidden)
        cos, sin = self.cos.index_select(0, pos), self.sin.index_select(0, pos)
        mask = (self.positions <= pos).view(1, 1, 1, self.max_len)
        for p in self.layers:
            h = F.rms_norm(x, (c["hidden"],), p["norm_in"], 1e-6)
            q = F.rms_norm(F.linear(h, p["wq"]).view(1, nh, 1, hd), (hd,), p["q_norm"], 1e-6)
            k = F.rms_norm(F.linear(h, p["wk"]).view(1, nkv, 1, hd), (hd,), p["k_norm"], 1e-6)
            v = F.linear(h, p["wv"]).view(1, nkv, 1, hd)
            q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
            p["k_cache"].index_copy_(2, pos, k)
            p["v_cache"].index_copy_(2, pos, v)
            kk = p["k_cache"].repeat_interleave(nh // nkv, dim=1)
            vv = p["v_cache"].repeat_interleave(nh // nkv, dim=1)
            a = F.scaled_dot_product_attention(q, kk, vv, attn_mask=mask)
            x = x + F.linear(a.reshape(1, nh * hd), p["wo"])
            h = F.rms_norm(x, (c["hidden"],), p["norm_post"], 1e-6)
            x = x + F.linear(F.silu(F.linear(h, p["wg"])) * F.linear(h, p["wu"]), p["wd"])
        x = F.rms_norm(x, (c["hidden"],), self.norm, 1e-6)
        return F.linear(x, self.embed).argmax(-1)

    def generate_step(self, tok: torch.Tensor, pos: torch.Tensor, out: torch.Tensor) -> None:
        """One token, bookkeeping included, all on the device (what the graph captures)."""
        nxt = self.step(tok, pos)
        out.index_copy_(0, pos, nxt)
        tok.copy_(nxt)
        pos.add_(1)


def device_api(device: str) -> tuple[Any, Any, Any]:
    """(sync, Graph class, graph context manager) of `device`."""
    if device == "cuda":
        return torch.cuda.synchronize, torch.cuda.CUDAGraph, torch.cuda.graph
    if device == "flagos":
        import flagos  # noqa: F401

        return torch.flagos.synchronize, torch.flagos.FlagosGraph, torch.flagos.graph
    return (lambda: None), None, None


def child(device: str, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    cfg = SMALL if args.small else FULL
    dtype = getattr(torch, args.dtype)
    if args.threads:
        torch.set_num_threads(args.threads)  # host runs: kernel threads would only contend on a shared machine
    sync, graph_cls, graph_ctx = device_api(device)
    n = args.tokens
    with torch.no_grad():
        model = Decoder(cfg, device, dtype, max_len=n + 1)
        tok = torch.tensor([1], device=device)
        pos = torch.zeros(1, dtype=torch.long, device=device)
        out = torch.zeros(n + 1, dtype=torch.long, device=device)

        def restart() -> None:
            tok.fill_(1)
            pos.zero_()
            for p in model.layers:
                p["k_cache"].zero_()
                p["v_cache"].zero_()

        run = lambda: model.generate_step(tok, pos, out)  # noqa: E731
        if mode == "graph":
            if graph_cls is None:
                raise SystemExit(f"graph_decode: {device} has no graph API")
            for _ in range(2):  # warm-up before capture, as torch.cuda's docs ask
                run()
            restart()
            g = graph_cls()
            with graph_ctx(g):
                run()
            run = g.replay
        times = []
        for _ in range(args.repeat):
            restart()
            sync()
            start = time.perf_counter()
            for _ in range(n):
                run()
            sync()
            times.append((time.perf_counter() - start) * 1e3 / n)
        tokens = out[:n].cpu().tolist()
    return {"device": device, "mode": mode, "ms_per_token": statistics.median(times), "tokens": tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--devices", default="cuda,flagos")
    parser.add_argument("--rounds", type=int, default=3, help="processes per (device, mode), interleaved")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3, help="generations timed per process")
    parser.add_argument("--dtype", default=None, help="default: bfloat16 on GPUs, float32 on the host")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads in each process (0: leave)")
    parser.add_argument("--small", action="store_true", help="a 4-layer 256-wide model (host runs)")
    parser.add_argument("--child", nargs=2, metavar=("DEVICE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dtype is None:
        args.dtype = "bfloat16" if "cuda" in args.devices or torch.cuda.is_available() else "float32"
    if args.child:
        print("RESULT " + json.dumps(child(args.child[0], args.child[1], args)))
        return

    # The CPU has no graph API: its eager row is the native reference for host runs.
    configs = [(d, m) for d in args.devices.split(",") for m in ("eager", "graph") if d != "cpu" or m == "eager"]
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {c: [] for c in configs}
    passthrough = ["--tokens", str(args.tokens), "--repeat", str(args.repeat), "--dtype", args.dtype]
    passthrough += ["--small"] if args.small else []
    passthrough += ["--threads", str(args.threads)]
    for r in range(args.rounds):
        for device, mode in configs:
            env = dict(os.environ)
            if device != "flagos":
                env["TORCH_DEVICE_BACKEND_AUTOLOAD"] = "0"  # native runs without flagos in the process
            proc = subprocess.run([sys.executable, __file__, args.out_dir, "--child", device, mode] + passthrough,
                                  env=env, capture_output=True, text=True)
            line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
            if proc.returncode != 0 or not line:
                sys.stderr.write(proc.stdout + proc.stderr)
                raise SystemExit(f"graph_decode: {device}/{mode} failed (round {r})")
            runs[(device, mode)].append(json.loads(line[0][len("RESULT "):]))
            print(f"round {r} {device:7s} {mode:5s} {runs[(device, mode)][-1]['ms_per_token']:.3f} ms/token",
                  flush=True)

    cfg = SMALL if args.small else FULL
    rows, summary = [], {}
    for device, mode in configs:
        ms = [x["ms_per_token"] for x in runs[(device, mode)]]
        summary[f"{device}/{mode}"] = {"median": statistics.median(ms), "min": min(ms), "max": max(ms), "all": ms}
    lines = [f"decode step, {cfg['layers']} layers, hidden {cfg['hidden']}, vocab {cfg['vocab']}, {args.dtype}, "
             f"{args.tokens} tokens x {args.repeat} per process, {args.rounds} processes per row", "",
             "| device | mode | ms/token (median) | min-max | graph speed-up | tokens equal eager |",
             "| --- | --- | --- | --- | --- | --- |"]
    for device, mode in configs:
        s = summary[f"{device}/{mode}"]
        eager = summary[f"{device}/eager"]["median"]
        same = all(x["tokens"] == runs[(device, "eager")][0]["tokens"] for x in runs[(device, mode)])
        speed = f"{eager / s['median']:.2f}x" if mode == "graph" else ""
        lines.append(f"| {device} | {mode} | {s['median']:.3f} | {s['min']:.3f}-{s['max']:.3f} | {speed} | "
                     f"{'yes' if same else 'NO'} |")
        rows.append({"device": device, "mode": mode, **s, "tokens_equal_eager": same})
    devices = args.devices.split(",")
    if "cuda" in devices and "flagos" in devices:
        ratio = summary["flagos/graph"]["median"] / summary["cuda/graph"]["median"]
        same = runs[("flagos", "graph")][0]["tokens"] == runs[("cuda", "graph")][0]["tokens"]
        lines += ["", f"flagos graph / cuda graph: {ratio:.3f}x (target <= 1.00); tokens equal cuda's: "
                      f"{'yes' if same else 'NO'}"]
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "graph_decode.json"), "w") as f:
        json.dump({"config": cfg, "args": vars(args), "rows": rows}, f, indent=1)
    with open(os.path.join(args.out_dir, "graph_decode.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
