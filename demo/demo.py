"""flagos demo: train a small transformer language model on the flagos device, then generate text
with it, and run the very same program on the CPU to show that flagos computes the same thing.

    ./bazelw run //:demo            (or: python demo/demo.py with flagos installed)

The task is synthetic so that nothing is downloaded: sequences that count upwards modulo the
vocabulary, which the model learns in a few dozen steps. Then, where Hugging Face transformers is
installed, a tiny Qwen3 with random weights goes through save_pretrained/from_pretrained, greedy
generation and a few AdamW steps on both devices. Exits non-zero if flagos and the CPU disagree
beyond float32 tolerance.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from typing import Optional

import torch
import torch.nn as nn

import flagos


class TinyLM(nn.Module):
    """Decoder-only transformer: embeddings, causal self-attention blocks, tied LM head."""

    def __init__(self, vocab: int, dim: int, heads: int, layers: int, context: int) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(context, dim)
        # bias=False: an attention key bias gets a zero gradient, and Adam would turn rounding noise
        # in it into visible (but harmless) parameter differences between devices.
        block = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.0, batch_first=True, norm_first=True,
                                           bias=False)
        self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        n = ids.shape[1]
        x = self.tok(ids) + self.pos(torch.arange(n, device=ids.device))
        mask = nn.Transformer.generate_square_subsequent_mask(n, device=ids.device)
        x = self.blocks(x, mask=mask, is_causal=True)
        return self.norm(x) @ self.tok.weight.t()


def batches(steps: int, batch: int, context: int, vocab: int, seed: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, vocab, (steps, batch, 1), generator=g)
    return [(s + torch.arange(context + 1)) % vocab for s in starts]


def run(device: str, args: argparse.Namespace) -> dict[str, object]:
    torch.manual_seed(args.seed)  # seeds the CPU and every flagos device alike
    model = TinyLM(args.vocab, args.dim, args.heads, args.layers, args.context).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses, start = [], time.perf_counter()
    for seq in batches(args.steps, args.batch, args.context, args.vocab, args.seed):
        seq = seq.to(device)
        logits = model(seq[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, args.vocab), seq[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    train_s = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        ids = torch.tensor([[3, 4, 5]], device=device)
        for _ in range(args.generate):
            ids = torch.cat([ids, model(ids)[:, -1:].argmax(-1)], dim=1)
        logits = model(ids[:, : args.context]).cpu()
    return {"losses": losses, "tokens": ids[0].tolist(), "logits": logits, "train_s": train_s,
            "params": [p.detach().cpu() for p in model.parameters()]}


def qwen3(seed: int, new_tokens: int = 16, steps: int = 5) -> Optional[dict[str, tuple[list[int], list[float]]]]:
    """Greedy tokens and AdamW losses of a tiny random-weight Qwen3 on each device; None without
    transformers. Each device loads the same saved checkpoint, as it would a downloaded one."""
    try:
        import transformers
        from transformers import Qwen3Config, Qwen3ForCausalLM
    except ImportError:
        return None
    transformers.utils.logging.disable_progress_bar()
    config = Qwen3Config(vocab_size=256, hidden_size=64, intermediate_size=192, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=32, tie_word_embeddings=True,
                         initializer_range=0.1)  # wider than the default: varied greedy tokens
    g = torch.Generator().manual_seed(seed)
    prompt = torch.randint(0, config.vocab_size, (1, 8), generator=g)
    batch = torch.randint(0, config.vocab_size, (4, 32), generator=g)
    out = {}
    with tempfile.TemporaryDirectory() as path:
        torch.manual_seed(seed)
        Qwen3ForCausalLM(config).save_pretrained(path)
        for device in ("flagos", "cpu"):
            model = Qwen3ForCausalLM.from_pretrained(path).to(device)
            with torch.no_grad():
                ids = prompt.to(device)
                tokens = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, pad_token_id=0,
                                        max_new_tokens=new_tokens, min_new_tokens=new_tokens)
            opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
            losses = []
            for _ in range(steps):
                loss = model(input_ids=batch.to(device), labels=batch.to(device)).loss
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
            out[device] = (tokens[0, prompt.shape[1]:].tolist(), losses)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--context", type=int, default=24)
    p.add_argument("--vocab", type=int, default=32)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--generate", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    props = torch.flagos.get_device_properties(0)
    print(f"flagos {flagos.__version__} on platform '{flagos.platform}': {props.name}, torch {torch.__version__}")
    torch.flagos.reset_peak_memory_stats()
    on_flagos = run("flagos", args)
    peak = torch.flagos.max_memory_allocated()
    on_cpu = run("cpu", args)

    loss_diff = max(abs(a - b) for a, b in zip(on_flagos["losses"], on_cpu["losses"]))
    param_diff = max((a - b).abs().max().item() for a, b in zip(on_flagos["params"], on_cpu["params"]))
    logit_diff = (on_flagos["logits"] - on_cpu["logits"]).abs().max().item()
    same_tokens = on_flagos["tokens"] == on_cpu["tokens"]
    print(f"\ntrained {args.steps} AdamW steps of a {args.layers}-layer transformer (dim {args.dim}) on both devices")
    print(f"{'':24}{'flagos':>12}{'cpu':>12}")
    print(f"{'first loss':24}{on_flagos['losses'][0]:12.4f}{on_cpu['losses'][0]:12.4f}")
    print(f"{'last loss':24}{on_flagos['losses'][-1]:12.4f}{on_cpu['losses'][-1]:12.4f}")
    print(f"{'training time (s)':24}{on_flagos['train_s']:12.2f}{on_cpu['train_s']:12.2f}")
    print(f"{'peak device memory':24}{peak / 2**20:10.1f}MB{'':>12}")
    print(f"\nmax |loss difference| over all steps: {loss_diff:.2e}")
    print(f"max |parameter difference| after training: {param_diff:.2e}")
    print(f"max |logit difference| at inference: {logit_diff:.2e}")
    print(f"greedy generation from [3, 4, 5]: {on_flagos['tokens']}")
    print(f"same tokens as on the CPU: {same_tokens}")
    learned = on_flagos["tokens"][3:] == [(5 + i) % args.vocab for i in range(1, args.generate + 1)]
    print(f"model learned to count: {learned}")
    ok = same_tokens and loss_diff < 1e-3 and param_diff < 1e-3

    hf = qwen3(args.seed)
    if hf is None:
        print("\nHugging Face transformers is not installed: skipping the Qwen3 part")
    else:
        (f_tokens, f_losses), (c_tokens, c_losses) = hf["flagos"], hf["cpu"]
        qwen_loss_diff = max(abs(a - b) for a, b in zip(f_losses, c_losses))
        print(f"\nHugging Face Qwen3 (2 layers, random weights) on flagos, loaded with from_pretrained:")
        print(f"greedy tokens: {f_tokens}")
        print(f"same tokens as on the CPU: {f_tokens == c_tokens}")
        print(f"{len(f_losses)} AdamW steps, loss {f_losses[0]:.4f} -> {f_losses[-1]:.4f}; "
              f"max |loss difference| from the CPU: {qwen_loss_diff:.2e}")
        ok = ok and f_tokens == c_tokens and qwen_loss_diff < 1e-3
    print("\nRESULT:", "flagos matches the CPU" if ok else "MISMATCH between flagos and the CPU")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
