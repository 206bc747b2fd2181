"""What the Qwen3 tests run, on any one device: build a checkpoint, greedy-decode, one forward pass,
AdamW training. The device under test (flagos) and the reference (CPU, or CUDA) run this same code.

Why a module of its own that imports neither flagos nor pytest, and runs as a script: the CUDA
reference of the GPU mode cannot share a process with flagos (pytorch#161129: with a second
accelerator loaded, backward over CUDA tensors trips an assert in the autograd engine), so the test
writes a :class:`Spec` to a file and runs

    TORCH_DEVICE_BACKEND_AUTOLOAD=0 python qwen3_runs.py SPEC.pt RESULTS.pt --device cuda

in a fresh process, then compares the :class:`Results` it saved with its own.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from typing import Any, Callable, ContextManager, Optional

import torch
from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}


def tiny_config(vocab_size: int = 512) -> Qwen3Config:
    """The CI model: Qwen3's architecture (grouped-query attention, q/k RMSNorm, rotary embeddings,
    SwiGLU, tied embeddings) at a size that trains in a fraction of a second on 2 cores. Like the
    real models, heads x head_dim differs from the hidden size, so o_proj is not square. Weights
    are drawn 5x wider than transformers' default: at std 0.02 a model this small, with tied
    embeddings, greedily repeats its last token forever, which would hide errors in the KV cache;
    at 0.1 its greedy decodes wander over the vocabulary."""
    return Qwen3Config(
        vocab_size=vocab_size, hidden_size=128, intermediate_size=384, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=2, head_dim=64, max_position_embeddings=256,
        rms_norm_eps=1e-6, rope_parameters={"rope_type": "default", "rope_theta": 1_000_000.0},
        tie_word_embeddings=True, initializer_range=0.1,
    )


def qwen3_0_6b_config() -> Qwen3Config:
    """The shape of Qwen/Qwen3-0.6B (its config.json), for the GPU mode's random-weight model."""
    return Qwen3Config(
        vocab_size=151936, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28,
        num_attention_heads=16, num_key_value_heads=8, head_dim=128, max_position_embeddings=40960,
        rms_norm_eps=1e-6, rope_parameters={"rope_type": "default", "rope_theta": 1_000_000.0},
        tie_word_embeddings=True,
    )


def make_checkpoint(config: Qwen3Config, dtype: torch.dtype, seed: int, path: str) -> str:
    """Saves a randomly initialised model (transformers' own initialisation, seeded) to `path`, so
    that the tests load it the way real checkpoints are loaded: from_pretrained."""
    with torch.random.fork_rng(devices=[]):  # leave the caller's CPU random state alone
        torch.manual_seed(seed)
        model = Qwen3ForCausalLM(config)
    model.to(dtype).save_pretrained(path)
    return path


def load(checkpoint: str, device: str, dtype: torch.dtype, how: str = "to") -> Qwen3ForCausalLM:
    """from_pretrained, placed on `device` either by ``.to(device)`` or by ``device_map=device``
    (transformers hands device_map to accelerate, which must be installed)."""
    if how == "device_map":
        model = Qwen3ForCausalLM.from_pretrained(checkpoint, dtype=dtype, device_map=device)
    elif how == "to":
        model = Qwen3ForCausalLM.from_pretrained(checkpoint, dtype=dtype).to(device)
    else:
        raise ValueError(f"how={how!r}: 'to' or 'device_map'")
    return model.eval()


def greedy(model: Qwen3ForCausalLM, prompt: torch.Tensor, new_tokens: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy decoding of exactly `new_tokens` tokens (KV cache on). Returns the sequences and the
    scores each step chose from, (new_tokens, batch, vocab), on the CPU. No end-of-sequence token:
    a real checkpoint's generation settings (sampling, EOS) must not change what is compared."""
    device = next(model.parameters()).device
    config = GenerationConfig(do_sample=False, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                              eos_token_id=None, pad_token_id=0, output_scores=True,
                              return_dict_in_generate=True, use_cache=True)
    with torch.no_grad():
        ids = prompt.to(device)
        out = model.generate(ids, attention_mask=torch.ones_like(ids), generation_config=config)
    return out.sequences.cpu(), torch.stack([s.cpu() for s in out.scores])


def forward_logits(model: Qwen3ForCausalLM, ids: torch.Tensor, autocast: Optional[torch.dtype] = None) -> torch.Tensor:
    """Logits of one forward pass without cache, optionally under torch.autocast(device, autocast)."""
    device = next(model.parameters()).device
    scope = torch.autocast(device.type, dtype=autocast) if autocast is not None else contextlib.nullcontext()
    with torch.no_grad(), scope:
        return model(input_ids=ids.to(device), use_cache=False).logits.cpu()


@dataclasses.dataclass
class Training:
    losses: list[float]  # the loss of each step, computed before that step's update
    grads: dict[str, torch.Tensor]  # the first step's gradients (CPU), or {} when not kept
    grad_norms: dict[str, float]  # their 2-norms


def train(model: Qwen3ForCausalLM, ids: torch.Tensor, steps: int, lr: float, keep_grads: bool = True) -> Training:
    """`steps` AdamW steps of causal-LM training on one batch (the model should memorise it, so the
    loss falls steeply: an update that did nothing would show). No dropout in Qwen3: deterministic."""
    device = next(model.parameters()).device
    model.train()
    ids = ids.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    losses: list[float] = []
    grads: dict[str, torch.Tensor] = {}
    norms: dict[str, float] = {}
    for step in range(steps):
        loss = model(input_ids=ids, labels=ids, use_cache=False).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if step == 0:
            for name, p in model.named_parameters():
                assert p.grad is not None, f"{name} got no gradient"
                norms[name] = p.grad.detach().double().norm().item()
                if keep_grads:
                    grads[name] = p.grad.detach().cpu().clone()
        opt.step()
        losses.append(loss.item())
    model.eval()
    return Training(losses, grads, norms)


@dataclasses.dataclass
class Spec:
    """One reference computation, as the test hands it to a separate process."""

    checkpoint: str
    dtype: str  # a key of DTYPES
    prompt: torch.Tensor  # (batch, prompt length) int64
    new_tokens: int
    forward_ids: torch.Tensor  # (batch, length) int64
    train_ids: torch.Tensor  # (batch, length) int64
    steps: int
    lr: float
    keep_grads: bool


@dataclasses.dataclass
class Results:
    tokens: torch.Tensor
    scores: torch.Tensor
    logits: torch.Tensor
    training: Training
    flagos_loaded: bool  # whether the process that computed these had flagos imported


def run(spec: Spec, device: str, load_inference: str = "to",
        observe: Optional[Callable[[str], ContextManager[Any]]] = None) -> Results:
    """Everything the tests compare, computed on `device`. The inference model is placed with
    `load_inference` (see :func:`load`), the training model with ``.to``; `observe(part)` wraps
    each part ("generate", "forward", "train"), e.g. to trace it."""
    scope = observe or (lambda part: contextlib.nullcontext())
    dtype = DTYPES[spec.dtype]
    model = load(spec.checkpoint, device, dtype, how=load_inference)
    with scope("generate"):
        tokens, scores = greedy(model, spec.prompt, spec.new_tokens)
    with scope("forward"):
        logits = forward_logits(model, spec.forward_ids)
    del model
    model = load(spec.checkpoint, device, dtype)
    with scope("train"):
        training = train(model, spec.train_ids, spec.steps, spec.lr, spec.keep_grads)
    return Results(tokens, scores, logits, training, "flagos" in sys.modules)


def _to_plain(obj: Any) -> Any:
    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else obj


def save(obj: Spec | Results, path: str) -> None:
    """Saved as plain dicts, loadable with weights_only=True by any process."""
    torch.save(_to_plain(obj), path)


def load_spec(path: str) -> Spec:
    return Spec(**torch.load(path, weights_only=True))


def load_results(path: str) -> Results:
    data = torch.load(path, weights_only=True)
    data["training"] = Training(**data["training"])
    return Results(**data)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spec")
    ap.add_argument("results")
    ap.add_argument("--device", required=True)
    args = ap.parse_args(argv)
    if os.environ.get("TORCH_DEVICE_BACKEND_AUTOLOAD") != "0":
        print("warning: TORCH_DEVICE_BACKEND_AUTOLOAD is not 0; an installed flagos loads with torch", file=sys.stderr)
    if args.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False  # the same settings as the tests' conftest
        torch.backends.cudnn.allow_tf32 = False
    save(run(load_spec(args.spec), args.device), args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
