"""Qwen3 (Hugging Face transformers) on flagos: inference and training against a reference.

CI mode (every platform, about 20 s on 2 cores): a 3-layer Qwen3 with fresh random weights each session is
saved with save_pretrained and loaded back with from_pretrained onto flagos. On flagos in float32,
greedy decoding gives exactly the CPU's tokens, logits match float64 CPU logits, a bfloat16
autocast forward stays within bfloat16 rounding, and AdamW training follows the CPU's loss curve
step by step with float64-accurate gradients; the same holds with some operators routed to the
`cpu` provider, and flagos.trace() shows which provider served every operator.

GPU mode (FLAGOS_QWEN3_FULL=1 on the cuda platform): a model of Qwen3-0.6B's shape in bfloat16,
against the same model on CUDA, computed in a separate process without flagos (pytorch#161129).

--model PATH (or FLAGOS_QWEN3_MODEL=PATH) replaces the random weights with a real checkpoint: for
the CI-mode tests, or for the GPU-mode tests when those run.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import subprocess
import sys
from typing import Iterator, Mapping, Optional

import pytest
import torch
from transformers import Qwen3Config

import flagos
import qwen3_checks as checks
import qwen3_runs as runs
from testing import SESSION_SEED, generator_for

FULL = os.environ.get("FLAGOS_QWEN3_FULL") == "1" and flagos.platform == "cuda"
full_only = pytest.mark.skipif(
    not FULL, reason=f"GPU mode: FLAGOS_QWEN3_FULL=1 on the cuda platform (this is the {flagos.platform} "
                     f"platform, FLAGOS_QWEN3_FULL={os.environ.get('FLAGOS_QWEN3_FULL', '')!r})")

# CI mode. Tolerances in units of eps(dtype) x the reference's largest magnitude (qwen3_checks).
CI_NEW_TOKENS = 24
CI_STEPS = 10
F32_FACTOR = 64  # float32 against float64: host platform, 3 layers: logits 8-12, gradients 17-21
BF16_FACTOR = 6  # bfloat16 autocast against float64: measured about 2
LOSS_RTOL_F32 = 1e-4  # float32 loss curves, 10 AdamW steps

# Operators that the routed runs send to the `cpu` provider, where the native trace shows them:
# matmuls, the loss' log-softmax and its backward, an activation's backward, in-place optimizer
# updates and an out= variant (the cpu provider must write those back into flagos memory).
CPU_ROUTE_CANDIDATES = (
    "mm.default", "bmm.default", "_log_softmax.default", "_log_softmax_backward_data.default",
    "silu_backward.default", "rsqrt.default", "embedding_dense_backward.default", "addcdiv_.default",
    "lerp_.Scalar", "mul.out", "_scaled_dot_product_flash_attention_for_cpu.default",
)


# ---- helpers -------------------------------------------------------------------------------------

class Traced:
    """An `observe` callback for qwen3_runs.run that records one flagos trace per part."""

    def __init__(self) -> None:
        self.traces: dict[str, flagos.Trace] = {}

    @contextlib.contextmanager
    def __call__(self, part: str) -> Iterator[None]:
        with flagos.trace() as t:
            yield
        self.traces[part] = t


def assert_served(trace: flagos.Trace, what: str, routed: Mapping[str, str] = {}) -> None:
    """Every operator was served by the provider it should have been: the `routed` ones by theirs,
    the rest by the platform's own kernels (`native`, or a kernel provider that the platform's
    routing table names), never silently by the `cpu` provider."""
    counts = trace.counts()
    assert counts, f"{what}: the trace recorded no operator call on flagos"
    wrong = []
    for (op, provider), calls in sorted(counts.items()):
        if op in routed:
            expected = {routed[op]}
        else:
            table = flagos.routing.get(op)
            expected = {"native"} | ({table} if table not in ("native", "cpu") else set())
        if provider not in expected:
            wrong.append(f"{op}: {calls} calls by {provider}, expected {' or '.join(sorted(expected))}")
    assert not wrong, f"{what}: operators served by the wrong provider:\n  " + "\n  ".join(wrong) + "\n" + trace.summary()
    missing = set(routed) - trace.ops()
    assert not missing, f"{what}: routed operators never called: {sorted(missing)}"


def reference_process(spec: runs.Spec, device: str, workdir: os.PathLike) -> runs.Results:
    """The reference computed in a separate process without flagos (see qwen3_runs), which reads
    `spec` from and writes its results to `workdir`."""
    spec_path, out_path = os.path.join(workdir, f"spec-{device}.pt"), os.path.join(workdir, f"results-{device}.pt")
    runs.save(spec, spec_path)
    env = dict(os.environ, TORCH_DEVICE_BACKEND_AUTOLOAD="0", PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, runs.__file__, spec_path, out_path, "--device", device],
                          env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"reference process on {device} failed ({proc.returncode}):\n{proc.stderr[-6000:]}"
    results = runs.load_results(out_path)
    assert not results.flagos_loaded, "the reference process imported flagos (TORCH_DEVICE_BACKEND_AUTOLOAD=0 ignored?)"
    return results


def vocab_size(checkpoint: str) -> int:
    return Qwen3Config.from_pretrained(checkpoint).vocab_size


# ---- CI mode -------------------------------------------------------------------------------------

@dataclasses.dataclass
class CiRun:
    spec: runs.Spec
    cpu: runs.Results  # float32 on the CPU
    flagos: runs.Results  # float32 on flagos, loaded with device_map="flagos" for inference
    traces: dict[str, flagos.Trace]
    logits64: torch.Tensor  # float64 CPU logits of spec.forward_ids
    grads64: dict[str, torch.Tensor]  # float64 CPU gradients of the first training step
    min_loss_drop: float  # the reference must train: last loss <= (1 - this) x first


@pytest.fixture(scope="module")
def ci(model_path: Optional[str], tmp_path_factory: pytest.TempPathFactory) -> CiRun:
    use_real = model_path is not None and not FULL  # in GPU mode --model is for the GPU-mode tests
    workdir = tmp_path_factory.mktemp("qwen3_ci")
    checkpoint = model_path if use_real else runs.make_checkpoint(
        runs.tiny_config(), torch.float32, SESSION_SEED, str(workdir / "checkpoint"))
    vocab = vocab_size(checkpoint)
    g = generator_for("tests/models/test_qwen3.py::ci")
    spec = runs.Spec(
        checkpoint=checkpoint, dtype="float32",
        prompt=torch.randint(vocab, (2, 8), generator=g), new_tokens=CI_NEW_TOKENS,
        forward_ids=torch.randint(vocab, (2, 24), generator=g),
        train_ids=torch.randint(vocab, (4, 32), generator=g),
        steps=CI_STEPS, lr=1e-5 if use_real else 3e-3, keep_grads=True)
    traced = Traced()
    on_flagos = runs.run(spec, "flagos", load_inference="device_map", observe=traced)
    on_cpu = runs.run(spec, "cpu")
    model64 = runs.load(checkpoint, "cpu", torch.float64)
    logits64 = runs.forward_logits(model64, spec.forward_ids)
    grads64 = runs.train(model64, spec.train_ids, steps=1, lr=spec.lr).grads
    return CiRun(spec, on_cpu, on_flagos, traced.traces, logits64, grads64, 0.0 if use_real else 0.2)


def test_loading_places_every_tensor_on_flagos(ci: CiRun) -> None:
    """from_pretrained(device_map="flagos") and from_pretrained().to("flagos") both give a model whose
    parameters and buffers (rotary inv_freq too) live on flagos, bit for bit the checkpoint's."""
    on_cpu = runs.load(ci.spec.checkpoint, "cpu", torch.float32)
    expected = dict(on_cpu.named_parameters()) | dict(on_cpu.named_buffers())
    for how in ("device_map", "to"):
        model = runs.load(ci.spec.checkpoint, "flagos", torch.float32, how=how)
        tensors = dict(model.named_parameters()) | dict(model.named_buffers())
        assert tensors.keys() == expected.keys()
        for name, t in tensors.items():
            assert t.device.type == "flagos", f"{how}: {name} is on {t.device}"
            assert torch.equal(t.cpu(), expected[name]), f"{how}: {name} differs from the checkpoint"
        # tied embeddings stay tied on the device (one tensor, not two copies)
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()


def test_greedy_generate_matches_cpu(ci: CiRun) -> None:
    """Greedy decoding with the KV cache: exactly the CPU's tokens, and each step's scores close."""
    assert ci.flagos.tokens.shape[1] - ci.spec.prompt.shape[1] == CI_NEW_TOKENS >= 16
    checks.compare_greedy(ci.flagos.tokens, ci.cpu.tokens, ci.cpu.scores, ci.spec.prompt.shape[1], tie_dtype=None)
    checks.assert_scaled_close(ci.flagos.scores, ci.cpu.scores, torch.float32, F32_FACTOR, "generation scores")
    assert_served(ci.traces["generate"], "generate")


def test_logits_match_float64_cpu(ci: CiRun) -> None:
    checks.assert_scaled_close(ci.flagos.logits, ci.logits64, torch.float32, F32_FACTOR, "float32 logits")
    assert ci.flagos.logits.dtype == torch.float32
    assert_served(ci.traces["forward"], "forward")


def test_bf16_autocast_logits(ci: CiRun) -> None:
    """torch.autocast("flagos", bfloat16): the matmuls really run in bfloat16 (the trace's argument
    dtypes say so) and the logits stay within bfloat16 rounding of float64 logits."""
    model = runs.load(ci.spec.checkpoint, "flagos", torch.float32)
    with flagos.trace() as t:
        logits = runs.forward_logits(model, ci.spec.forward_ids, autocast=torch.bfloat16)
    assert logits.dtype == torch.bfloat16
    matmuls = [r for r in t.rows if r.op == "mm.default"]
    assert matmuls and all(r.inputs().startswith("bfloat16[") for r in matmuls), t.summary()
    checks.assert_scaled_close(logits, ci.logits64, torch.bfloat16, BF16_FACTOR, "bfloat16 autocast logits")
    assert_served(t, "autocast forward")


def test_training_tracks_cpu(ci: CiRun) -> None:
    """AdamW steps: the loss curve follows the CPU's step by step; the first step's gradients match
    float64 gradients; the model really trains (a no-op update would leave the loss flat)."""
    losses, reference = ci.flagos.training.losses, ci.cpu.training.losses
    assert len(losses) == CI_STEPS >= 10
    assert reference[-1] <= (1 - ci.min_loss_drop) * reference[0], f"the reference did not train: {reference}"
    checks.assert_curves_close(losses, reference, LOSS_RTOL_F32, "loss on flagos")
    checks.assert_grads_close(ci.flagos.training.grads, ci.grads64, torch.float32, F32_FACTOR)
    assert_served(ci.traces["train"], "training")


def test_routed_to_cpu_provider(ci: CiRun) -> None:
    """The same generation and training with several operators routed to the `cpu` provider gives
    the same results, and the trace shows exactly those operators served by `cpu`."""
    seen = ci.traces["generate"].ops() | ci.traces["train"].ops()
    routed = {op: "cpu" for op in CPU_ROUTE_CANDIDATES if op in seen}
    assert "mm.default" in routed and len(routed) >= 5, f"too few candidate operators in the trace: {sorted(seen)}"
    traced = Traced()
    with flagos.routing.override(routed):
        assert all(flagos.routing.get(op) == "cpu" for op in routed)
        on_flagos = runs.run(ci.spec, "flagos", observe=traced)
    checks.compare_greedy(on_flagos.tokens, ci.cpu.tokens, ci.cpu.scores, ci.spec.prompt.shape[1], tie_dtype=None)
    checks.assert_scaled_close(on_flagos.scores, ci.cpu.scores, torch.float32, F32_FACTOR, "routed generation scores")
    checks.assert_scaled_close(on_flagos.logits, ci.logits64, torch.float32, F32_FACTOR, "routed logits")
    checks.assert_curves_close(on_flagos.training.losses, ci.cpu.training.losses, LOSS_RTOL_F32, "routed loss")
    checks.assert_grads_close(on_flagos.training.grads, ci.grads64, torch.float32, F32_FACTOR)
    gen_routed = {op: p for op, p in routed.items() if op in ci.traces["generate"].ops()}
    assert_served(traced.traces["generate"], "routed generate", gen_routed)
    train_routed = {op: p for op, p in routed.items() if op in ci.traces["train"].ops()}
    assert_served(traced.traces["train"], "routed training", train_routed)


def test_reference_runs_in_a_separate_process(ci: CiRun, tmp_path: pathlib.Path) -> None:
    """The GPU mode's plumbing, on the CPU: a process without flagos computes the reference from a
    saved Spec and hands back what the in-process CPU run gives."""
    child = reference_process(ci.spec, "cpu", tmp_path)
    assert torch.equal(child.tokens, ci.cpu.tokens)
    checks.assert_scaled_close(child.scores, ci.cpu.scores, torch.float32, 4, "scores from the child")
    checks.assert_scaled_close(child.logits, ci.cpu.logits, torch.float32, 4, "logits from the child")
    checks.assert_curves_close(child.training.losses, ci.cpu.training.losses, 1e-6, "loss from the child")
    assert child.training.grads.keys() == ci.cpu.training.grads.keys()


# ---- the greedy comparison itself (it judges the GPU mode, which CI cannot run) -----------------

def _decode(scores: torch.Tensor, prompt: torch.Tensor) -> torch.Tensor:
    return torch.cat([prompt, scores.argmax(-1).T], dim=1)


def test_compare_greedy_accepts_only_ties(gen: torch.Generator) -> None:
    steps, vocab = 12, 50
    scores = torch.randn(steps, 2, vocab, generator=gen).to(torch.bfloat16).float() * 8
    prompt = torch.randint(vocab, (2, 3), generator=gen)
    ref = _decode(scores, prompt)
    assert checks.compare_greedy(ref.clone(), ref, scores, 3, tie_dtype=torch.bfloat16) == []

    # Row 1 picks the reference's runner-up at step 5: fine if the two scores are within 2 ulps.
    best, second = scores[5, 1].topk(2).indices.tolist()
    tied = scores.clone()
    tied[5, 1, second] = tied[5, 1, best] - checks.ulp(tied[5, 1, best].item(), torch.bfloat16)
    ref = _decode(tied, prompt)
    device = ref.clone()
    device[1, 3 + 5:] = torch.randint(vocab, (steps - 5,), generator=gen)  # anything after the divergence
    device[1, 3 + 5] = second
    (d,) = checks.compare_greedy(device, ref, tied, 3, tie_dtype=torch.bfloat16)
    assert (d.row, d.step, d.token, d.reference_token) == (1, 5, second, best)
    with pytest.raises(AssertionError, match="differ"):
        checks.compare_greedy(device, ref, tied, 3, tie_dtype=None)  # float32 CI: exact

    clear = tied.clone()
    clear[5, 1, second] = clear[5, 1, best] - 16 * checks.ulp(clear[5, 1, best].item(), torch.bfloat16)
    with pytest.raises(AssertionError, match="no tie"):
        checks.compare_greedy(device, _decode(clear, prompt), clear, 3, tie_dtype=torch.bfloat16)


def test_scaled_close_fails_beyond_tolerance(gen: torch.Generator) -> None:
    ref = torch.randn(64, generator=gen, dtype=torch.float64)
    scale = ref.abs().max().item()
    checks.assert_scaled_close(ref + 8 * checks.eps(torch.float32) * scale, ref, torch.float32, 16, "inside")
    with pytest.raises(AssertionError, match="exceeds"):
        checks.assert_scaled_close(ref + 32 * checks.eps(torch.float32) * scale, ref, torch.float32, 16, "outside")
    with pytest.raises(AssertionError, match="step 3"):
        checks.assert_curves_close([1.0, 2.0, 3.0, 4.1], [1.0, 2.0, 3.0, 4.0], 1e-3, "curve")


# ---- GPU mode ------------------------------------------------------------------------------------

FULL_NEW_TOKENS = 32
FULL_STEPS = 10
# Measured on an H200 (torch 2.11+cu130): flagos on the cuda platform runs CUDA's own kernels and
# matched the reference bit for bit. The tolerances leave room for other, equally right kernels
# (a FlagGems route, another attention backend), calibrated by running the reference against itself
# with SDPA's math backend instead of cuDNN attention: logits within 2.3 eps(bf16) x max|logit|,
# the same greedy tokens, and loss curves within 8e-4 through step 4, then drifting apart by up to
# 4.7% by step 8, as bfloat16 AdamW updates (about one ulp of a weight per step) amplify rounding.
FULL_LOGIT_FACTOR = 4  # bfloat16 logits against CUDA's bfloat16 logits (units of eps(bf16) x max)
FULL_TIE_ULPS = 2.0  # a divergence of the greedy decodes needs a reference tie within 2 bf16 ulps
FULL_LOSS_RTOL = [1e-2] * 5 + [1e-1] * 5  # per step: tight while updates are few, then drift allowed


@dataclasses.dataclass
class FullRun:
    spec: runs.Spec
    cuda: runs.Results
    flagos: runs.Results
    traces: dict[str, flagos.Trace]


@pytest.fixture(scope="module")
def full(model_path: Optional[str], tmp_path_factory: pytest.TempPathFactory) -> FullRun:
    workdir = tmp_path_factory.mktemp("qwen3_full")
    checkpoint = model_path or runs.make_checkpoint(
        runs.qwen3_0_6b_config(), torch.bfloat16, SESSION_SEED, str(workdir / "checkpoint"))
    vocab = vocab_size(checkpoint)
    g = generator_for("tests/models/test_qwen3.py::full")
    spec = runs.Spec(
        checkpoint=checkpoint, dtype="bfloat16",
        prompt=torch.randint(vocab, (2, 16), generator=g), new_tokens=FULL_NEW_TOKENS,
        forward_ids=torch.randint(vocab, (2, 64), generator=g),
        train_ids=torch.randint(vocab, (2, 128), generator=g),
        steps=FULL_STEPS, lr=1e-4, keep_grads=False)
    on_cuda = reference_process(spec, "cuda", workdir)
    traced = Traced()
    on_flagos = runs.run(spec, "flagos", load_inference="device_map", observe=traced)
    for part, t in traced.traces.items():
        print(f"\n[{part}] {t.summary()}")
    return FullRun(spec, on_cuda, on_flagos, traced.traces)


@full_only
def test_full_greedy_decode_matches_cuda(full: FullRun) -> None:
    prompt = full.spec.prompt.shape[1]
    assert full.flagos.tokens.shape[1] - prompt == FULL_NEW_TOKENS >= 32
    for d in checks.compare_greedy(full.flagos.tokens, full.cuda.tokens, full.cuda.scores, prompt,
                                   tie_dtype=torch.bfloat16, tie_ulps=FULL_TIE_ULPS):
        print(d)


@full_only
def test_full_logits_match_cuda(full: FullRun) -> None:
    checks.assert_scaled_close(full.flagos.logits, full.cuda.logits, torch.bfloat16, FULL_LOGIT_FACTOR, "bf16 logits")


@full_only
def test_full_training_tracks_cuda(full: FullRun) -> None:
    losses, reference = full.flagos.training.losses, full.cuda.training.losses
    print(f"\nloss on flagos: {losses}\nloss on cuda:   {reference}")
    assert reference[-1] < reference[0], f"the reference did not train: {reference}"
    checks.assert_curves_close(losses, reference, FULL_LOSS_RTOL, "bf16 loss on flagos")


@full_only
def test_full_runs_on_the_platforms_kernels(full: FullRun) -> None:
    for part, t in full.traces.items():
        assert_served(t, part)
