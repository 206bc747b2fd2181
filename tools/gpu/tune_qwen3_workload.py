"""The Qwen3-0.6B-shaped workload that tools/gpu/tune_qwen3.sh traces, tunes and confirms.

    python tools/gpu/tune_qwen3_workload.py [--repeat N] [--json out.json]

On flagos tensors (the routes in force: FLAGOS_ROUTES), bf16, random seeded weights (the same in
every process): prefill of 128 tokens, greedy decode of 32 tokens with the KV cache, and one AdamW
training step on 4x512 tokens, each warmed up first (the first calls of a FlagGems kernel compile
and autotune it) and then timed with the device synchronised (median of --repeat). It hands its
times, tokens, last logits and losses to ``python -m flagos tune``'s confirmation
(flagos.routing.tune_result), or writes them to --json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "benchmarks"))
from native_vs_flagos import model_config  # noqa: E402  (the same model as the benchmark)


def timed(fn, repeat: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        torch.flagos.synchronize()
        start = time.perf_counter()
        fn()
        torch.flagos.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json")
    args = p.parse_args()
    import flagos
    from transformers import Qwen3ForCausalLM

    torch.manual_seed(0)
    model = Qwen3ForCausalLM(model_config()).to(torch.bfloat16).to("flagos")
    g = torch.Generator().manual_seed(1)
    prompt = torch.randint(0, 151936, (1, 128), generator=g).to("flagos")
    batch = torch.randint(0, 151936, (4, 512), generator=g).to("flagos")
    out: dict = {}

    model.eval()
    with torch.no_grad():
        def decode() -> list[int]:
            res = model(prompt, use_cache=True)
            past, nxt, tokens = res.past_key_values, res.logits[:, -1:].argmax(-1), []
            for _ in range(32):
                tokens.append(int(nxt.item()))
                res = model(nxt, past_key_values=past, use_cache=True)
                past, nxt = res.past_key_values, res.logits[:, -1:].argmax(-1)
            return tokens

        logits = model(prompt, use_cache=False).logits[0, -1].float().cpu()  # warm-up too
        out["prefill_s"] = timed(lambda: model(prompt, use_cache=False), args.repeat)
        out["tokens"] = decode()  # warm-up too
        out["decode32_s"] = timed(decode, args.repeat)
        out["last_logits"] = logits.tolist()

    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    losses: list[float] = []

    def step() -> None:
        loss = model(batch, labels=batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.detach().cpu()))

    step()  # warm-up; the optimizer's state exists from here on
    out["train_step_s"] = timed(step, args.repeat)
    out["losses"] = losses
    flagos.routing.tune_result(**out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f)
    print(f"prefill {out['prefill_s'] * 1e3:.1f} ms, decode32 {out['decode32_s'] * 1e3:.0f} ms, "
          f"train step {out['train_step_s'] * 1e3:.1f} ms, losses {losses[:2]}")


if __name__ == "__main__":
    main()
