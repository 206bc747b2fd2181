"""The fast path (runtime/dispatch/fast_path.h): unboxed kernels for the operators that dominate
models behave exactly as the boxed generic kernel does. For each fast operator: results against
a CPU float64 reference, routes honoured (cpu), traces that see the calls, mixed-device errors,
in-place and out= results that are the tensors passed in, autograd through it; plus inference mode.
"""
from __future__ import annotations

from typing import Callable

import pytest
import torch
import torch.nn.functional as F

import flagos
from flagos import _runtime
from testing import assert_close_to_reference, rand

routing = flagos.routing

pytestmark = pytest.mark.skipif(not _runtime.native_aliases_readable(),
                                reason=f"{flagos.platform}: no fast path where ATen cannot read flagos memory")

T = dict[str, torch.Tensor]

# operator overload (as flagos.routing names it) -> a call of it on the tensors of `inputs`
CASES: dict[str, Callable[[T], torch.Tensor]] = {
    "add.Tensor": lambda t: torch.add(t["a"], t["b"], alpha=2),
    "sub.Tensor": lambda t: t["a"] - t["b"],
    "mul.Tensor": lambda t: t["a"] * t["b"],
    "div.Tensor": lambda t: t["a"] / t["b"],
    "silu.default": lambda t: F.silu(t["a"]),
    "gelu.default": lambda t: F.gelu(t["a"], approximate="tanh"),
    "relu.default": lambda t: torch.relu(t["a"]),
    "rsqrt.default": lambda t: torch.rsqrt(t["b"].abs()),
    "mm.default": lambda t: t["m"] @ t["n"],
    "addmm.default": lambda t: torch.addmm(t["bias"], t["m"], t["n"]),
    "bmm.default": lambda t: torch.bmm(t["bm"], t["bm"].transpose(1, 2)),
    "_softmax.default": lambda t: torch.softmax(t["m"], dim=-1),
    "native_layer_norm.default": lambda t: F.layer_norm(t["m"], (5,), t["w"], t["bias"]),
    "sum.dim_IntList": lambda t: t["m"].sum(-1),
    "mean.dim": lambda t: t["m"].mean(0),
    "index_select.default": lambda t: F.embedding(t["ids"], t["m"]),
    "index.Tensor": lambda t: t["a"][t["ids"]],
    "cat.default": lambda t: torch.cat([t["a"], t["b"], t["a"]]),
    "where.self": lambda t: torch.where(t["a"] > 0, t["a"], t["b"]),
}


def inputs(gen: torch.Generator, device: str, dtype: torch.dtype = torch.float32) -> T:
    base = {"a": rand(gen, 12), "b": rand(gen, 12) + 3, "m": rand(gen, 4, 5), "n": rand(gen, 5, 3),
            "bias": rand(gen, 3), "w": rand(gen, 5), "bm": rand(gen, 2, 3, 4)}
    out = {k: v.to(dtype).to(device) for k, v in base.items()}
    out["ids"] = torch.tensor([3, 0, 2, 2]).to(device)
    return out


def layer_norm_bias(t: T) -> T:
    return {**t, "bias": t["w"] * 0.5}  # layer_norm needs a bias of the normalised size


def prepare(name: str, t: T) -> T:
    return layer_norm_bias(t) if name == "native_layer_norm.default" else t


def fast_ops() -> set[str]:
    return {op.split("::", 1)[1] for op in torch.ops.flagos._fast_ops()}


def qualified(name: str) -> str:
    return name if "." in name and not name.endswith(".default") else name.removesuffix(".default")


@pytest.fixture(autouse=True)
def clean_routes():
    routing.reset()
    yield
    routing.reset()


def test_the_hot_operators_have_fast_kernels() -> None:
    listed = fast_ops()
    for name in CASES:
        assert qualified(name) in listed, f"{name} has no fast kernel on {flagos.platform}; fast ones: {sorted(listed)}"


@pytest.mark.parametrize("name", CASES)
def test_fast_operator_matches_the_reference(name: str, gen: torch.Generator) -> None:
    state = gen.get_state()
    got = CASES[name](prepare(name, inputs(gen, "flagos")))
    gen.set_state(state)
    ref = CASES[name](prepare(name, inputs(gen, "cpu", torch.float64)))
    assert_close_to_reference(got, ref, torch.float32)


@pytest.mark.parametrize("name", CASES)
def test_fast_operator_honours_a_cpu_route_and_is_traced(name: str, gen: torch.Generator) -> None:
    t = prepare(name, inputs(gen, "flagos"))
    native = CASES[name](t)  # first call on the native route: the fast kernel's cached route is warm
    with flagos.trace() as tr:
        traced = CASES[name](t)
    assert (name, "native") in tr.counts(), f"{name} missing from the trace: {tr.counts()}"
    routing.set(name, "cpu")
    with flagos.trace() as tr:
        on_cpu = CASES[name](t)
    assert tr.counts().get((name, "cpu"), 0) >= 1, f"{name} not served by cpu: {tr.counts()}"
    routing.unset(name)
    again = CASES[name](t)
    for r in (traced, on_cpu, again):
        assert r.device.type == "flagos"
        torch.testing.assert_close(r.cpu(), native.cpu())


@pytest.mark.parametrize("name", ["add.Tensor", "mm.default", "cat.default", "native_layer_norm.default"])
def test_fast_operator_rejects_mixed_devices(name: str, gen: torch.Generator) -> None:
    t = prepare(name, inputs(gen, "flagos"))
    key = {"add.Tensor": "b", "mm.default": "n", "cat.default": "b", "native_layer_norm.default": "w"}[name]
    mixed = {**t, key: t[key].cpu()}
    with pytest.raises(RuntimeError, match=r"Expected all tensors to be on the same device.*flagos:0.*cpu"):
        CASES[name](mixed)


def test_cpu_scalars_are_accepted(gen: torch.Generator) -> None:
    a = rand(gen, 6)
    got = a.to("flagos") * torch.tensor(3.0)  # a 0-dim CPU tensor, as on CUDA
    assert_close_to_reference(got, a.double() * 3)


def test_in_place_results_are_the_tensors_passed_in(gen: torch.Generator) -> None:
    a, b = rand(gen, 8), rand(gen, 8)
    fa = a.to("flagos")
    base = fa.clone()
    view = base[2:6]
    for op, ref in ((lambda x: x.add_(b.to("flagos")), a + b), (lambda x: x.mul_(2.0), (a + b) * 2),
                    (lambda x: x.sub_(b.to("flagos")), (a + b) * 2 - b), (lambda x: x.relu_(), ((a + b) * 2 - b).relu())):
        assert op(fa) is fa
        assert_close_to_reference(fa, ref.double())
    assert view.add_(1.0) is view  # in-place on a view writes the base's memory
    assert_close_to_reference(base, torch.cat([a[:2], a[2:6] + 1, a[6:]]).double())


def test_out_results_are_the_tensors_passed_in_and_resized(gen: torch.Generator) -> None:
    a, b, m, n = rand(gen, 6), rand(gen, 6), rand(gen, 3, 4), rand(gen, 4, 2)
    out = torch.empty(6, device="flagos")
    assert torch.add(a.to("flagos"), b.to("flagos"), out=out) is out
    assert_close_to_reference(out, (a + b).double())
    grown = torch.empty(0, device="flagos")  # out= resizes, as on the native device
    assert torch.mm(m.to("flagos"), n.to("flagos"), out=grown) is grown
    assert grown.shape == (3, 2)
    assert_close_to_reference(grown, m.double() @ n.double())


def test_views_as_inputs_and_fresh_outputs(gen: torch.Generator) -> None:
    m = rand(gen, 5, 4)
    fm = m.to("flagos")
    got = fm.t() @ fm[:, 1:3] * 1.0  # transposed and sliced operands
    assert_close_to_reference(got, m.double().t() @ m.double()[:, 1:3])
    s = fm.sum(0)
    assert s.untyped_storage().data_ptr() != fm.untyped_storage().data_ptr()
    assert s.device == fm.device


def test_autograd_through_fast_operators(gen: torch.Generator) -> None:
    x, w, b = rand(gen, 4, 6), rand(gen, 3, 6), rand(gen, 3)

    def loss(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        h = F.silu(F.linear(x, w, b))
        return torch.softmax(F.layer_norm(h, (3,)), -1).mul(h).sum()

    params = [t.to("flagos").requires_grad_() for t in (x, w, b)]
    refs = [t.double().requires_grad_() for t in (x, w, b)]
    loss(*params).backward()
    loss(*refs).backward()
    for p, r in zip(params, refs):
        assert_close_to_reference(p.grad, r.grad, scale=10)


def test_inference_mode_results_and_in_place(gen: torch.Generator) -> None:
    m, n = rand(gen, 4, 4), rand(gen, 4, 4)
    with torch.inference_mode():
        fm, fn = m.to("flagos"), n.to("flagos")
        for _ in range(3):  # pooled aliases are reused across calls in inference mode
            got = torch.softmax(fm @ fn + 1, -1)
        assert got.is_inference()
        assert fm.add_(fn) is fm
    assert_close_to_reference(got, torch.softmax(m.double() @ n.double() + 1, -1))
    assert_close_to_reference(fm, (m + n).double())
    # and outside it again (aliases built in inference mode are not mixed with the others)
    x = m.to("flagos").requires_grad_()
    (x @ n.to("flagos")).sum().backward()
    assert_close_to_reference(x.grad, n.double().sum(1).expand(4, 4))


def test_foreach_fast_kernels_where_the_native_device_has_them(gen: torch.Generator) -> None:
    xs, ys = [rand(gen, 5) for _ in range(3)], [rand(gen, 5) for _ in range(3)]
    fx, fy = [x.to("flagos") for x in xs], [y.to("flagos") for y in ys]
    torch._foreach_add_(fx, fy, alpha=0.5)
    torch._foreach_mul_(fx, 2.0)
    roots = torch._foreach_sqrt([x.abs() for x in fx])
    for x, y, f, r in zip(xs, ys, fx, roots):
        assert_close_to_reference(f, ((x + 0.5 * y) * 2).double())
        assert_close_to_reference(r, ((x + 0.5 * y) * 2).abs().sqrt().double())


@pytest.mark.parametrize("op", ["aten::_thnn_fused_lstm_cell", "aten::_thnn_fused_gru_cell"])
def test_rnn_cells_stand_in_only_where_the_native_device_lacks_them(op: str) -> None:
    native = "CUDA" if flagos.platform == "cuda" else "CPU"
    native_has = torch._C._dispatch_has_kernel_for_dispatch_key(op, native)
    status = _runtime.routing_status(op)
    # flagos' decomposed cell ("runtime") only without a native fused kernel; otherwise the generic
    # kernel serves it with the native device's own
    assert status == (_runtime.Serving.GENERIC if native_has else _runtime.Serving.RUNTIME), (op, native_has, status)
    lstm = torch.nn.LSTM(3, 4).to("flagos")
    out, _ = lstm(torch.randn(2, 1, 3, device="flagos"))
    assert out.shape == (2, 1, 4) and out.device.type == "flagos"


def test_routes_of_fast_operators_are_generic() -> None:
    for op in torch.ops.flagos._fast_ops():
        assert _runtime.routing_status(op) == _runtime.Serving.GENERIC, op


def test_fast_operators_are_captured_in_graphs(gen: torch.Generator) -> None:
    # Under capture the fast kernels take the boxed path, whose hook records them: a replay recomputes.
    a, b = rand(gen, 4, 4).to("flagos"), rand(gen, 4, 4).to("flagos")
    torch.softmax(a @ b + a, -1)  # warm-up
    g = torch.flagos.FlagosGraph()
    with torch.flagos.graph(g):
        out = torch.softmax(a @ b + a, -1)
    x, y = rand(gen, 4, 4), rand(gen, 4, 4)
    a.copy_(x)
    b.copy_(y)
    g.replay()
    assert_close_to_reference(out, torch.softmax(x.double() @ y.double() + x.double(), -1))
