"""torch.compile on flagos tensors (flagos/_inductor): Inductor and aot_eager against eager.

On the host platform Inductor generates C++ over flagos memory; on the cuda platform Triton
kernels (the tests marked cuda-only skip elsewhere). Every compiled result is compared with the
same computation run eagerly on flagos, which the rest of the suite checks against the CPU, and
with a float64 CPU reference where that is cheap. Compiling is slow on CI's 2 cores, so models are
small and each test compiles as few graphs as it can.
"""
from __future__ import annotations

import copy
import os
import sys

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import flagos
from flagos import routing
from testing import DEVICE, rand

CUDA = flagos.platform == "cuda"
INDUCTOR = flagos.platform in ("host", "cuda")  # platforms with an Inductor code generator for flagos
needs_inductor = pytest.mark.skipif(not INDUCTOR, reason=f"no Inductor backend on {flagos.platform} (aot_eager only)")
INDUCTOR_OR_SKIP = pytest.param("inductor", marks=needs_inductor)
needs_cuda = pytest.mark.skipif(not CUDA, reason="Triton kernels on flagos: the cuda platform only")
needs_two_devices = pytest.mark.skipif(torch.flagos.device_count() < 2, reason="needs 2 flagos devices")


@pytest.fixture(autouse=True)
def fresh_dynamo():
    """Each test compiles from scratch: no code compiled by another test is reused."""
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def grads_of(model: nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.grad.detach().cpu() for n, p in model.named_parameters()}


def assert_same(actual: torch.Tensor, expected: torch.Tensor, rtol: float = 1e-5, atol: float = 1e-5) -> None:
    assert actual.device == expected.device, f"{actual.device} != {expected.device}"
    torch.testing.assert_close(actual.detach().cpu(), expected.detach().cpu(), rtol=rtol, atol=atol)


@needs_inductor
def test_issue_example_generates_cpp_or_triton_over_flagos(gen):
    from torch._inductor.utils import run_and_get_code

    x = rand(gen, 1000).to(DEVICE)
    fn = torch.compile(lambda a: (a * 2).sin().sum())
    out, (code,) = run_and_get_code(fn, x)
    assert out.device == x.device
    torch.testing.assert_close(out.cpu().double(), (x.cpu().double() * 2).sin().sum(), rtol=1e-5, atol=1e-4)
    # Inductor wrote a kernel of its own (not a call of ATen's sin/sum) and allocated flagos buffers.
    assert ("@triton.jit" in code) if CUDA else ("cpp_fused_mul_sin_sum" in code), code
    assert "device='flagos:0'" in code, code


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(16, 32), nn.LayerNorm(32), nn.GELU(), nn.Linear(32, 8))


@pytest.mark.parametrize("backend", [INDUCTOR_OR_SKIP, "aot_eager"])
def test_mlp_forward_backward_equals_eager(gen, backend):
    torch.manual_seed(0)
    eager = mlp().to(DEVICE)
    compiled_model = copy.deepcopy(eager)
    x = rand(gen, 12, 16).to(DEVICE)

    def loss_of(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return model(x).square().mean()

    compiled = torch.compile(loss_of, backend=backend)
    for _ in range(2):  # the second call runs the compiled code without compiling
        got = compiled(compiled_model, x)
    got.backward()
    want = loss_of(eager, x)
    want.backward()
    assert_same(got, want)
    for name, g in grads_of(compiled_model).items():
        torch.testing.assert_close(g, grads_of(eager)[name], rtol=1e-4, atol=1e-5, msg=name)


class Block(nn.Module):
    """A pre-norm transformer block: causal SDPA attention and a GELU MLP."""

    def __init__(self, dim: int = 32, heads: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attn = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(attn.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.norm2(x))


@needs_inductor
def test_small_transformer_forward_backward_equals_eager(gen):
    torch.manual_seed(0)
    eager = nn.Sequential(Block(), Block()).to(DEVICE)
    compiled_model = copy.deepcopy(eager)
    x = rand(gen, 2, 16, 32).to(DEVICE)
    got = torch.compile(compiled_model, fullgraph=True)(x)
    got.sum().backward()
    want = eager(x)
    want.sum().backward()
    assert_same(got, want, rtol=1e-4, atol=1e-4)
    for name, g in grads_of(compiled_model).items():
        torch.testing.assert_close(g, grads_of(eager)[name], rtol=1e-4, atol=1e-4, msg=name)


@needs_inductor
def test_qwen3_fullgraph_forward_backward_equals_eager(gen):
    """The tests/models Qwen3 (Hugging Face transformers) compiled whole: no graph break of flagos'."""
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))  # outside Bazel
    from qwen3_runs import tiny_config
    from transformers import Qwen3ForCausalLM

    config = tiny_config()
    config.num_hidden_layers = 2  # of 3: Inductor compiles every layer again (CI time), 2 still chain
    torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=gen)))
    eager = Qwen3ForCausalLM(config).to(DEVICE)
    compiled_model = copy.deepcopy(eager)
    ids = torch.randint(0, 512, (2, 24), generator=gen).to(DEVICE)

    def forward(model: nn.Module, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = model(input_ids=ids, labels=ids, use_cache=False)
        return out.loss, out.logits

    loss, logits = torch.compile(forward, fullgraph=True)(compiled_model, ids)
    loss.backward()
    want_loss, want_logits = forward(eager, ids)
    want_loss.backward()
    assert_same(logits, want_logits, rtol=1e-4, atol=1e-4)
    assert_same(loss, want_loss, rtol=1e-5, atol=1e-5)
    for name, g in grads_of(compiled_model).items():
        torch.testing.assert_close(g, grads_of(eager)[name], rtol=1e-3, atol=1e-5, msg=name)


@needs_inductor
def test_compiled_optimizer_step_equals_eager(gen):
    torch.manual_seed(0)
    eager = mlp().to(DEVICE)
    compiled_model = copy.deepcopy(eager)
    for a, b in zip(eager.parameters(), compiled_model.parameters()):
        a.grad = rand(gen, *a.shape).to(DEVICE)
        b.grad = a.grad.clone()
    eager_opt = torch.optim.AdamW(eager.parameters(), lr=1e-2)
    compiled_opt = torch.optim.AdamW(compiled_model.parameters(), lr=1e-2)
    step = torch.compile(compiled_opt.step)
    for _ in range(2):
        eager_opt.step()
        step()
    for (name, a), b in zip(eager.named_parameters(), compiled_model.parameters()):
        assert b.device.type == DEVICE
        torch.testing.assert_close(b.detach().cpu(), a.detach().cpu(), rtol=1e-5, atol=1e-6, msg=name)


@pytest.mark.parametrize("backend", [INDUCTOR_OR_SKIP, "aot_eager"])
def test_random_ops_in_graphs_are_random(backend):
    def draw(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return F.dropout(x, 0.5, training=True), torch.randn(4096, device=x.device)

    dropped, normal = torch.compile(draw, backend=backend)(torch.ones(4096, device=DEVICE))
    assert dropped.device.type == DEVICE and normal.device.type == DEVICE
    assert set(dropped.unique().cpu().tolist()) == {0.0, 2.0}
    assert abs((dropped == 0).double().mean().item() - 0.5) < 0.05
    assert abs(normal.mean().item()) < 0.1 and abs(normal.std().item() - 1) < 0.1


@needs_inductor
def test_recompiles_and_dynamic_shapes_as_on_cpu(gen):
    """The same calls compile the same number of frames as on cpu (no flagos-specific guards)."""
    from torch._dynamo.testing import CompileCounterWithBackend

    def fn(x: torch.Tensor) -> torch.Tensor:
        return (x.relu() * x.shape[0]).cumsum(0)

    sizes = [4, 8, 16, 8, 4, 32]
    frames = {}
    for device in ("cpu", DEVICE):
        torch._dynamo.reset()
        counter = CompileCounterWithBackend("inductor")
        compiled = torch.compile(fn, backend=counter)
        for n in sizes:
            x = rand(gen, n, 3).to(device)
            got = compiled(x)
            assert_same(got, fn(x))
        frames[device] = (counter.frame_count, counter.op_count)
    assert frames[DEVICE] == frames["cpu"], frames


@needs_inductor
def test_compiled_graphs_follow_routes(gen):
    """Operators Inductor leaves to ATen (matmuls, as their out= overloads) still follow routes."""
    a, b = rand(gen, 8, 8).to(DEVICE), rand(gen, 8, 8).to(DEVICE)
    fn = torch.compile(lambda a, b: (a @ b).relu())
    fn(a, b)  # compiled outside the trace
    with routing.override({"mm.out": "cpu", "mm.default": "cpu"}), flagos.trace() as t:
        got = fn(a, b)
    assert "mm.out" in t.ops("cpu") or "mm.default" in t.ops("cpu"), t.summary()
    assert_same(got, (a @ b).relu())


@needs_inductor
@needs_two_devices
def test_graph_on_second_device_stays_there(gen):
    x = rand(gen, 64).to(f"{DEVICE}:1")
    got = torch.compile(lambda a: (a.exp() + 1).log() * 3)(x)
    assert got.device == x.device
    assert_same(got, (x.exp() + 1).log() * 3)


def test_bridge_operators_refuse_tracing_with_what_to_do():
    def fn(x: torch.Tensor) -> torch.Tensor:
        return torch.ops.flagos.to_native(x) * 2

    with pytest.raises(Exception, match="torch.compiler.disable"):
        torch.compile(fn, backend="aot_eager", fullgraph=True)(torch.ones(3, device=DEVICE))


@pytest.mark.skipif(INDUCTOR, reason="this platform has an Inductor backend")
def test_inductor_stops_with_what_is_missing_where_there_is_none():
    with pytest.raises(Exception, match="aot_eager") as info:
        torch.compile(lambda a: (a * 2).sin())(torch.ones(8, device=DEVICE))
    assert flagos.platform in str(info.value)


def test_platforms_without_inductor_backend_name_what_is_missing():
    from flagos._inductor import _unsupported

    with pytest.raises(RuntimeError, match="aot_eager") as info:
        _unsupported.UnsupportedScheduling(None)
    assert flagos.platform in str(info.value)
    assert "triton-ascend" in _unsupported.message("ascend") and "MACA" in _unsupported.message("metax")


def test_device_interface_answers_from_torch_flagos():
    from torch._dynamo.device_interface import get_interface_for_device

    flagos._inductor.register()
    interface = get_interface_for_device(DEVICE)
    assert interface.device_count() == torch.flagos.device_count()
    assert interface.current_device() == torch.flagos.current_device()
    assert interface.get_device_properties(0).name == torch.flagos.get_device_properties(0).name
    start, end = interface.Event(enable_timing=True), interface.Event(enable_timing=True)
    start.record()
    torch.ones(1000, device=DEVICE).sum()
    end.record()
    interface.synchronize()
    assert start.elapsed_time(end) >= 0
    assert isinstance(interface.current_stream(), torch.Stream)


@needs_cuda
@pytest.mark.parametrize("mode", ["max-autotune-no-cudagraphs", "reduce-overhead"])
def test_cuda_modes_mlp_forward_backward(gen, mode):
    torch.manual_seed(0)
    eager = mlp().to(DEVICE)
    compiled_model = copy.deepcopy(eager)
    x = rand(gen, 64, 16).to(DEVICE)
    compiled = torch.compile(lambda m, x: m(x).square().mean(), mode=mode)
    for _ in range(3):  # reduce-overhead records its graph on a later call
        compiled_model.zero_grad(set_to_none=True)
        got = compiled(compiled_model, x)
        got.backward()
    want = eager(x).square().mean()
    want.backward()
    assert_same(got.clone(), want, rtol=1e-4, atol=1e-5)
    for name, g in grads_of(compiled_model).items():
        torch.testing.assert_close(g, grads_of(eager)[name], rtol=1e-3, atol=1e-5, msg=name)
