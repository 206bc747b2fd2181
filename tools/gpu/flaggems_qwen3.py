"""FlagGems on a Qwen3-0.6B-shaped model through flagos: unchecked routes vs checked routes.

    python tools/gpu/flaggems_qwen3.py --work DIR --phase native|unchecked|check|checked|report

Phases (each in its own process: a kernel that corrupts the device must not take the others down):
  native     every operator on native (CUDA) kernels: reference logits, greedy tokens, losses, and a
             trace of prefill + one training step (the operators and shapes the model uses);
  unchecked  default policy "flaggems, native": every operator FlagGems implements goes to it, as
             flag_gems.enable() would do;
  check      python -m flagos check --provider flaggems on the traced operators and shapes, writing
             routes that keep only the passing ones;
  checked    the model again with those routes (FLAGOS_ROUTES); --repair N routes an operator that
             still fails in the model (named by a rerun under CUDA_LAUNCH_BLOCKING=1) to native
             and retries;
  report     a table comparing each run with native.
Weights are random but seeded, identical in every phase. Results land in DIR as JSON.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
import traceback

import torch

LAYERS = int(os.environ.get("FLAGOS_QWEN3_LAYERS", "28"))


def build_model():
    from transformers import Qwen3Config, Qwen3ForCausalLM

    cfg = Qwen3Config(hidden_size=1024, num_hidden_layers=LAYERS, num_attention_heads=16, num_key_value_heads=8,
                      head_dim=128, intermediate_size=3072, vocab_size=151936, max_position_embeddings=4096,
                      tie_word_embeddings=True, attn_implementation="sdpa")
    torch.manual_seed(0)
    return Qwen3ForCausalLM(cfg).to(torch.bfloat16)


def run_model(trace_path: str | None) -> dict:
    import flagos

    out: dict = {"routes": os.environ.get("FLAGOS_ROUTES", ""), "policy": flagos.routing.policy()[0]}
    model = build_model().to("flagos")
    g = torch.Generator().manual_seed(1)
    prompt = torch.randint(0, 151936, (1, 128), generator=g).to("flagos")
    batch = torch.randint(0, 151936, (2, 256), generator=g).to("flagos")
    tracer = flagos.trace() if trace_path else None
    t = tracer.__enter__() if tracer else None
    try:
        model.eval()
        with torch.no_grad():
            start = time.perf_counter()
            logits = model(prompt, use_cache=False).logits[0].float().cpu()
            out["prefill_s"] = time.perf_counter() - start
            out["nan_logits"] = int((~torch.isfinite(logits)).sum())
            out["last_logits"] = logits[-1].tolist()
            res = model(prompt, use_cache=True)
            past, nxt, tokens, top2 = res.past_key_values, res.logits[:, -1:].argmax(-1), [], []
            for _ in range(32):
                tokens.append(int(nxt.item()))
                res = model(nxt, past_key_values=past, use_cache=True)
                step = res.logits[0, -1].float()
                top2.append(torch.topk(step, 2).values.tolist())
                past, nxt = res.past_key_values, res.logits[:, -1:].argmax(-1)
            out["tokens"], out["top2"] = tokens, top2
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        losses = []
        for i in range(10):
            loss = model(batch, labels=batch).loss
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            losses.append(float(loss.detach().cpu()))
            if tracer and i == 0:
                tracer.__exit__(None, None, None)
                t.save(trace_path)
                tracer = None
        out["losses"] = losses
    finally:
        if tracer:
            tracer.__exit__(None, None, None)
    return out


def _run_child(work: str, name: str, env: dict) -> dict:
    """The model in a child process (with ``env``); what happened, crash included. The child's whole
    stderr is kept in DIR/<name>.stderr."""
    path = os.path.join(work, f"{name}.json")
    code = (f"import json, sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); "
            f"import flaggems_qwen3 as m; import flagos; "
            f"r = m.run_model({os.path.join(work, 'trace.json')!r} if {name == 'native'} else None); "
            f"json.dump(r, open({path!r}, 'w'))")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    with open(os.path.join(work, f"{name}.stderr"), "w") as f:
        f.write(proc.stderr)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        routed = [ln.strip() for ln in lines if "was routed to provider" in ln]
        data = {"failed": True, "returncode": proc.returncode, "error": lines[-8:], "routed_error": routed[-1:],
                "seconds": elapsed}
        json.dump(data, open(path, "w"))
        return data
    data = json.load(open(path))
    data["seconds"] = elapsed
    json.dump(data, open(path, "w"))
    return data


def _blamed_op(data: dict) -> str | None:
    """The operator flagos names in its error ("flagos: neg.default was routed to provider ...")."""
    for line in data.get("routed_error", []):
        words = line.split()
        if len(words) > 1 and words[0] == "flagos:":
            return words[1]
    return None


def phase_model(work: str, name: str, env: dict, repair: int = 0) -> None:
    """Runs the model; if it fails, reruns with CUDA_LAUNCH_BLOCKING=1 so that an asynchronous CUDA
    fault is reported by the kernel that caused it (and flagos names that kernel's route). With
    ``repair`` > 0, routes the blamed operator to native and tries again, up to ``repair`` times."""
    data = _run_child(work, name, env)
    blamed: list[str] = []
    while data.get("failed"):
        print(f"{name}: FAILED (exit {data['returncode']}) after {data['seconds']:.0f} s:\n  " + "\n  ".join(data["error"]))
        blocking = _run_child(work, f"{name}_blocking", {**env, "CUDA_LAUNCH_BLOCKING": "1"})
        op = _blamed_op(blocking) if blocking.get("failed") else None
        print(f"{name}: with CUDA_LAUNCH_BLOCKING=1 the failing operator is {op or 'not named'}"
              + ("" if blocking.get("failed") else " (the run passed: a timing-dependent fault)"))
        if not op or len(blamed) >= repair or "FLAGOS_ROUTES" not in env:
            break
        blamed.append(op)
        repaired = os.path.join(work, f"{name}_repaired.conf")
        with open(repaired, "w") as f:
            f.write(f"include {os.path.abspath(env['FLAGOS_ROUTES'])}\n")
            f.write("".join(f"{b} = native  # failed in the model run\n" for b in blamed))
        env = {**env, "FLAGOS_ROUTES": repaired}
        data = _run_child(work, name, env)
    data["blamed"] = blamed
    json.dump(data, open(os.path.join(work, f"{name}.json"), "w"))
    if not data.get("failed"):
        print(f"{name}: ok in {data['seconds']:.0f} s; NaN logits {data['nan_logits']}; losses {data['losses'][:3]}..."
              + (f" (after routing {', '.join(blamed)} to native)" if blamed else ""))


def phase_check(work: str) -> None:
    cmd = [sys.executable, "-m", "flagos", "check", "--provider", "flaggems", "--trace", os.path.join(work, "trace.json"),
           "--dtypes", "bfloat16", "--max-samples", "6", "--json", os.path.join(work, "check.json"),
           "--write-routes", os.path.join(work, "checked.conf")]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    print(proc.stdout[-6000:])
    print(proc.stderr[-1500:], file=sys.stderr)
    print(f"check: exit {proc.returncode} in {time.perf_counter() - start:.0f} s")


def report(work: str) -> None:
    native = json.load(open(os.path.join(work, "native.json")))
    print(f"{'run':10} {'NaN logits':>10} {'max|dlogit|':>12} {'tokens=':>8} {'1st diff':>9} {'loss[0]':>9} "
          f"{'loss[9]':>9} {'max|dloss|':>11} {'seconds':>8}")
    for name in ("native", "unchecked", "checked"):
        path = os.path.join(work, f"{name}.json")
        if not os.path.exists(path):
            continue
        r = json.load(open(path))
        if r.get("failed"):
            print(f"{name:10} FAILED: {r['error'][-1][:150]}")
            continue
        if r.get("blamed"):
            print(f"{'':10} (after routing {', '.join(r['blamed'])} to native: they failed in the model run)")
        dl = max(abs(a - b) if math.isfinite(a) else math.inf for a, b in zip(r["last_logits"], native["last_logits"]))
        same = sum(a == b for a, b in zip(r["tokens"], native["tokens"]))
        first = next((i for i, (a, b) in enumerate(zip(r["tokens"], native["tokens"])) if a != b), None)
        dloss = max(abs(a - b) for a, b in zip(r["losses"], native["losses"]))
        print(f"{name:10} {r['nan_logits']:>10} {dl:>12.4g} {same:>5}/32 {str(first):>9} {r['losses'][0]:>9.4f} "
              f"{r['losses'][9]:>9.4f} {dloss:>11.4g} {r['seconds']:>8.0f}")
    check = os.path.join(work, "check.json")
    if os.path.exists(check):
        results = json.load(open(check))["results"]
        failed = [r for r in results if r["status"] != "pass"]
        print(f"check: {len(results) - len(failed)} of {len(results)} traced operators pass on flaggems; not passing:")
        for r in failed:
            print(f"  {r['op']:32} {r['status']:8} {r['detail'][:160]}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", required=True)
    p.add_argument("--phase", required=True, choices=["native", "unchecked", "check", "checked", "report"])
    p.add_argument("--repair", type=int, default=0,
                   help="checked phase: route an operator that fails in the model to native and retry, N times")
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    try:
        if args.phase == "native":
            phase_model(args.work, "native", {})
        elif args.phase == "unchecked":
            policy = os.path.join(args.work, "unchecked.conf")
            with open(policy, "w") as f:
                f.write("default = flaggems, native\n")
            phase_model(args.work, "unchecked", {"FLAGOS_ROUTES": policy})
        elif args.phase == "check":
            phase_check(args.work)
        elif args.phase == "checked":
            phase_model(args.work, "checked", {"FLAGOS_ROUTES": os.path.join(args.work, "checked.conf")},
                        repair=args.repair)
        else:
            report(args.work)
    except Exception:  # noqa: BLE001 (the phase's failure is a result)
        traceback.print_exc()
        sys.exit(1)


if __name__ == "__main__":
    main()
