"""Per-operator routing (flagos.routing): sources and their priority, checked errors, the cpu and
kernel providers against native results, cache invalidation, tracing.

The kernel provider under test is routing_provider.testkernels, which takes the same path as
FlagGems' provider (FlagGems itself needs a GPU: tests/gpu/test_flaggems.py runs it there).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import warnings
from typing import Iterator

import pytest
import torch

import flagos
import routing_provider
from flagos import _runtime
from flagos.routing import RoutingError, UnknownOperatorError
from testing import rand

routing = flagos.routing
HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(autouse=True)
def clean_routes() -> Iterator[None]:
    routing.reset()
    yield
    routing.reset()


@pytest.fixture(scope="module")
def testkernels() -> routing.Provider:
    existing = next((p for p in routing.providers() if p.name == "testkernels"), None)
    return existing or routing.register_provider(routing_provider.provider())


def served(t: flagos.Trace) -> dict[str, str]:
    """operator -> provider of the calls a trace saw (one provider per operator expected)."""
    out: dict[str, str] = {}
    for (op, provider), _ in t.counts().items():
        assert out.setdefault(op, provider) == provider, f"{op} served by several providers"
    return out


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, **env}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=full,
                          cwd=HERE, timeout=300)


# ---- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("add.Tensor", "add.Tensor"), ("aten::add.Tensor", "add.Tensor"), ("mm", "mm.default"),
    ("mm.default", "mm.default"), ("_softmax.default", "_softmax.default"),
])
def test_operator_names(text: str, expected: str) -> None:
    assert routing.explain(text).op == expected


@pytest.mark.parametrize("text, message", [
    ("sofmax.int", r"unknown operator 'sofmax.int': PyTorch has no aten::sofmax"),
    ("add.Tensr", r"unknown overload 'add.Tensr': aten::add has add.Scalar, .*add.Tensor"),
    ("add", r"'add' needs an overload: add.Scalar, .*add.Tensor"),
    ("add.", r"not an operator overload name"),
])
def test_unknown_operator_names_say_what_exists(text: str, message: str) -> None:
    with pytest.raises(UnknownOperatorError, match=message):
        routing.set(text, "cpu")


# ---- API and scopes ----------------------------------------------------------------------------------


def test_set_routes_an_operator_and_unset_restores(gen: torch.Generator) -> None:
    a, b = rand(gen, 5, 7), rand(gen, 5, 7)
    fa, fb = a.to("flagos"), b.to("flagos")
    assert routing.get("add.Tensor") == "native"
    with flagos.trace() as t:
        native = fa + fb
    routing.set("add.Tensor", "cpu")
    assert routing.get("add.Tensor") == "cpu"
    assert routing.explain("add.Tensor").origin == "flagos.routing.set('add.Tensor', 'cpu')"
    with flagos.trace() as t2:
        via_cpu = fa + fb
    routing.unset("add.Tensor")
    with flagos.trace() as t3:
        fa + fb
    assert served(t)["add.Tensor"] == "native" and served(t2)["add.Tensor"] == "cpu"
    assert served(t3)["add.Tensor"] == "native", "the cached route must follow the table"
    assert via_cpu.device.type == "flagos"
    torch.testing.assert_close(via_cpu.cpu(), a + b, rtol=0, atol=0)
    torch.testing.assert_close(native.cpu(), a + b, rtol=0, atol=0)


def test_scopes_nest_and_restore() -> None:
    routing.set("mul.Tensor", "cpu")
    with routing.override({"mul.Tensor": "native", "sub.Tensor": "cpu"}):
        assert routing.get("mul.Tensor") == "native" and routing.get("sub.Tensor") == "cpu"
        with routing.override({"sub.Tensor": "native"}):
            assert routing.get("sub.Tensor") == "native"
        assert routing.get("sub.Tensor") == "cpu"
    assert routing.get("mul.Tensor") == "cpu" and routing.get("sub.Tensor") == "native"


def test_scope_is_restored_when_its_body_raises() -> None:
    with pytest.raises(KeyError):
        with routing.override({"exp.default": "cpu"}):
            raise KeyError("x")
    assert routing.get("exp.default") == "native"


def test_default_policy_routes_unlisted_operators() -> None:
    with routing.override(default=["cpu"]):
        assert routing.get("exp.default") == "cpu" and routing.get("mm.default") == "cpu"
        assert "default policy" in routing.explain("exp.default").origin
    assert routing.get("exp.default") == "native"


@pytest.mark.parametrize("op, provider, message", [
    ("add.Tensor", "gpu", r"unknown provider 'gpu' for add.Tensor \(providers: native, cpu, flaggems"),
    ("view.default", "cpu", r"view.default is implemented by flagos' runtime itself"),
    ("softmax.int", "cpu", r"softmax.int has no kernel of its own on flagos: PyTorch decomposes it"),
    ("add.Tensor", "flaggems", r"routes add.Tensor to 'flaggems', which is unavailable here: FlagGems' kernels"),
    ("unfold_backward.default", "cpu", None),
])
def test_bad_routes_are_refused_and_leave_the_table_alone(op: str, provider: str, message: str | None) -> None:
    if flagos.platform != "host" and provider == "flaggems":
        pytest.skip("FlagGems is a real provider off the host platform")
    if message is None:  # a valid route, for contrast
        routing.set(op, provider)
        assert routing.get(op) == provider
        return
    with pytest.raises(RoutingError, match=message):
        routing.set(op, provider)
    assert routing.get(op) == "native"
    assert routing.table() == []


def test_cpu_provider_refuses_views_with_a_reason() -> None:
    # diagonal returns a view of its input: a result computed on the CPU cannot alias flagos memory
    with pytest.raises(RoutingError, match=r"provider 'cpu' cannot run diagonal.default: it returns a view"):
        routing.set("diagonal.default", "cpu")


# ---- the cpu provider --------------------------------------------------------------------------------


def test_cpu_provider_matches_native_on_kinds_of_operators(gen: torch.Generator) -> None:
    x, y = rand(gen, 6, 9), rand(gen, 6, 9)
    fx, fy = x.to("flagos"), y.to("flagos")
    cases = {
        "out= resizes": ("add.out", lambda: torch.add(fx, fy, out=torch.empty(0, device="flagos"))),
        "in-place": ("mul_.Tensor", lambda: fx.clone().mul_(fy)),
        "several outputs": ("topk.default", lambda: torch.topk(fx, 3, dim=1)),
        "tensor list in": ("cat.default", lambda: torch.cat([fx, fy], dim=1)),
        "tensor list out": ("split_with_sizes_copy.default",
                            lambda: torch.split_with_sizes_copy(fx, [2, 4], dim=0)),
        "scalar output": ("_local_scalar_dense.default", lambda: fx[0, 0].item()),
        "reduction": ("sum.dim_IntList", lambda: fx.sum(dim=1)),
    }
    for label, (op, fn) in cases.items():
        reference = fn()
        with routing.override({op: "cpu"}), flagos.trace() as t:
            got = fn()
        assert served(t).get(op) == "cpu", f"{label}: {op} was not served by cpu ({t.summary()})"
        flat_ref = reference if isinstance(reference, (tuple, list)) else [reference]
        flat_got = got if isinstance(got, (tuple, list)) else [got]
        for r, g in zip(flat_ref, flat_got, strict=True):
            if isinstance(r, torch.Tensor):
                assert g.device.type == "flagos", f"{label}: result on {g.device}"
                assert g.shape == r.shape and g.dtype == r.dtype, label
                torch.testing.assert_close(g.cpu(), r.cpu(), rtol=1e-6, atol=1e-6, msg=label)
            else:
                assert g == r, label


def test_cpu_provider_in_place_returns_the_flagos_argument(gen: torch.Generator) -> None:
    x = rand(gen, 4, 4).to("flagos")
    y = x.clone()
    with routing.override({"add_.Tensor": "cpu"}):
        z = y.add_(x)
    assert z is y and y.device.type == "flagos"
    torch.testing.assert_close(y.cpu(), 2 * x.cpu())


def test_cpu_provider_random_ops_follow_flagos_seed() -> None:
    def draw() -> torch.Tensor:
        torch.flagos.manual_seed(1234)
        a = torch.empty(1000, device="flagos").normal_()
        b = torch.empty(1000, device="flagos").normal_()
        return torch.stack([a, b]).cpu()

    with routing.override({"normal_.default": "cpu"}), flagos.trace() as t:
        first, second = draw(), draw()
    assert served(t)["normal_.default"] == "cpu"
    assert torch.equal(first, second), "flagos.manual_seed must govern random ops routed to cpu"
    assert not torch.equal(first[0], first[1]), "the flagos generator must advance between draws"
    assert abs(float(first.mean())) < 0.15 and abs(float(first.std()) - 1) < 0.1


def test_cpu_provider_with_autograd(gen: torch.Generator) -> None:
    x = rand(gen, 8, 5)
    w = rand(gen, 5, 3)
    fx, fw = x.to("flagos").requires_grad_(), w.to("flagos").requires_grad_()
    cx, cw = x.double().requires_grad_(), w.double().requires_grad_()
    with routing.override({"mm.default": "cpu", "tanh.default": "cpu", "tanh_backward.default": "cpu"}), \
            flagos.trace() as t:
        (fx @ fw).tanh().sum().backward()
    (cx @ cw).tanh().sum().backward()
    assert {op: p for op, p in served(t).items() if op in ("mm.default", "tanh.default")} == \
        {"mm.default": "cpu", "tanh.default": "cpu"}
    torch.testing.assert_close(fx.grad.cpu().double(), cx.grad, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(fw.grad.cpu().double(), cw.grad, rtol=1e-5, atol=1e-5)


# ---- kernel providers (the flaggems path) --------------------------------------------------------------


def test_kernel_provider_serves_its_operators_on_native_tensors(gen: torch.Generator,
                                                              testkernels: routing.Provider) -> None:
    native_type = torch.ops.flagos.to_native(torch.empty(1, device="flagos")).device.type
    a, b = rand(gen, 3, 8), rand(gen, 3, 8)
    fa, fb = a.to("flagos"), b.to("flagos")
    routing_provider.CALLS.clear()
    routing_provider.DEVICES.clear()
    with routing.override({"add.Tensor": "testkernels", "relu_.default": "testkernels", "zeros.default": "testkernels",
                           "cat.default": "testkernels"}), flagos.trace() as t:
        s = torch.add(fa, fb, alpha=2)
        r = fa.clone()
        r2 = r.relu_()
        z = torch.zeros(2, 3, device="flagos", dtype=torch.float16)
        c = torch.cat([fa, fb])
    assert routing_provider.CALLS == {"add.Tensor": 1, "relu_.default": 1, "zeros.default": 1, "cat.default": 1}
    assert routing_provider.DEVICES == {native_type}, "provider kernels take native-device tensors"
    assert set(served(t).values()) == {"testkernels"}
    assert r2 is r, "in-place kernels return the flagos argument"
    for out in (s, r, z, c):
        assert out.device == torch.device("flagos", 0)
    torch.testing.assert_close(s.cpu(), a + 2 * b, rtol=0, atol=0)
    torch.testing.assert_close(r.cpu(), a.relu(), rtol=0, atol=0)
    assert z.dtype == torch.float16 and torch.equal(z.cpu(), torch.zeros(2, 3, dtype=torch.float16))
    torch.testing.assert_close(c.cpu(), torch.cat([a, b]), rtol=0, atol=0)


def test_kernel_provider_outputs_are_adopted_without_copies(gen: torch.Generator,
                                                           testkernels: routing.Provider) -> None:
    fa = rand(gen, 1000).to("flagos")
    before = torch.ops.flagos.bridge_stats()
    with routing.override({"add.Tensor": "testkernels"}):
        for _ in range(5):
            fa + fa
    after = torch.ops.flagos.bridge_stats()
    assert after["copied_outputs"] == before["copied_outputs"]
    assert after["adopted_outputs"] >= before["adopted_outputs"] + 5


def test_kernel_provider_errors_keep_their_type_and_say_the_route(testkernels: routing.Provider) -> None:
    def failing(self, other, *, alpha=1):
        raise ArithmeticError("kernel exploded")

    routing.register_provider("exploding", {"add.Tensor": failing})
    x = torch.ones(3, device="flagos")
    with routing.override({"add.Tensor": "exploding"}):
        with pytest.raises(ArithmeticError, match="kernel exploded") as e:
            x + x
    assert any("add.Tensor was routed to provider 'exploding'" in n for n in e.value.__notes__)
    assert any("FLAGOS_OP_add__Tensor=native" in n for n in e.value.__notes__)


def test_default_policy_sends_a_providers_operators_to_it(testkernels: routing.Provider) -> None:
    routing.set_default("testkernels", "native")
    table = {r.op: r for r in routing.table()}
    assert {"add.Tensor", "mul.Tensor", "zeros.default", "cat.default"} <= set(table)
    assert table["add.Tensor"].provider == "testkernels" and "default policy" in table["add.Tensor"].origin
    assert routing.get("add.Tensor") == "testkernels" and routing.get("exp.default") == "native"
    assert "no_such_op.default" in testkernels.skipped
    routing.set("mul.Tensor", "native")  # a named route beats the policy
    assert routing.get("mul.Tensor") == "native"


def test_transfers_between_devices_are_never_routed(gen: torch.Generator, testkernels: routing.Provider) -> None:
    # copy_ and _to_copy take a CPU operand when they move data; flagos' runtime serves them. A
    # policy that lists a provider implementing them (as FlagGems does) leaves them alone.
    routing.set_default("testkernels", "native")
    routed = {r.op for r in routing.table()}
    assert "copy_.default" not in routed and "_to_copy.default" not in routed and "add.Tensor" in routed
    a = rand(gen, 33, 65)
    with flagos.trace() as t:
        f = a.to("flagos")
        back = (f + f).cpu()
        f.copy_(a * 2)
    torch.testing.assert_close(back, a + a)
    torch.testing.assert_close(f.cpu(), a * 2)
    assert served(t)["add.Tensor"] == "testkernels"
    for op in ("copy_.default", "_to_copy.default"):
        with pytest.raises(RoutingError, match=rf"{op} is implemented by flagos' runtime itself"):
            routing.set(op, "testkernels")


def test_a_composite_operator_decomposes_again_when_its_route_ends(gen: torch.Generator) -> None:
    # A composite operator gets the generic kernel while it is routed elsewhere, and loses it after:
    # then PyTorch decomposes it as before (its parts served by their own routes).
    op = "aten::nan_to_num"
    assert _runtime.routing_status(op) == _runtime.Serving.COMPOSITE
    a = rand(gen, 8, 9)
    a[0, 0] = float("nan")
    f = a.to("flagos")
    with routing.override({"nan_to_num.default": "cpu"}), flagos.trace() as routed:
        got = torch.nan_to_num(f, nan=0.5)
        assert _runtime.routing_status(op) == _runtime.Serving.GENERIC
    assert _runtime.routing_status(op) == _runtime.Serving.COMPOSITE
    with flagos.trace() as after:
        again = torch.nan_to_num(f, nan=0.5)
    torch.testing.assert_close(got.cpu(), torch.nan_to_num(a, nan=0.5))
    torch.testing.assert_close(again.cpu(), torch.nan_to_num(a, nan=0.5))
    assert served(routed) == {"nan_to_num.default": "cpu"}
    assert "nan_to_num.default" not in served(after) and served(after).get("nan_to_num.out") == "native"


def test_unavailable_provider_in_the_default_policy_warns_once_and_runs_native() -> None:
    if flagos.platform != "host":
        pytest.skip("FlagGems may be available off the host platform")
    from flagos.routing._table import STATE

    STATE._warned.discard("flaggems")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        routing.set_default("flaggems", "native")
        routing.set_default("flaggems", "cpu")
    messages = [str(w.message) for w in caught if "flaggems" in str(w.message)]
    assert len(messages) == 1 and "unavailable here" in messages[0]
    assert routing.get("add.Tensor") == "cpu"
    assert flagos.get_registered_ops() == [] and not flagos.is_flaggems_enabled()


def test_routes_change_safely_while_other_threads_compute(gen: torch.Generator,
                                                         testkernels: routing.Provider) -> None:
    a, b = rand(gen, 64), rand(gen, 64)
    expected = a + b
    fa, fb = a.to("flagos"), b.to("flagos")
    errors: list[str] = []
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            got = (fa + fb).cpu()
            if not torch.equal(got, expected):
                errors.append("wrong sum")

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(60):
            routing.set("add.Tensor", ("cpu", "testkernels", "native")[i % 3])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors


# ---- files and environment (read at import: fresh processes) -----------------------------------------


def write(path, text: str) -> str:
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_routes_file_with_includes_environment_and_priorities(tmp_path) -> None:
    write(tmp_path / "base.conf", """
        default = native
        mul.Tensor = cpu
        exp = cpu            # the default overload
        """)
    routes = write(tmp_path / "routes.conf", """
        include base.conf
        exp.default = native # later lines win
        sub.Tensor = cpu
        """)
    res = run_python("""
        import flagos, json
        r = flagos.routing
        print(json.dumps({op: [r.get(op), r.explain(op).origin] for op in
                          ["mul.Tensor", "exp.default", "sub.Tensor", "div.Tensor", "add.Tensor"]}))
        r.set("sub.Tensor", "native")
        print(r.get("sub.Tensor"))
        """, FLAGOS_ROUTES=routes, FLAGOS_OP_div__Tensor="cpu", FLAGOS_OP_mul__Tensor="native")
    assert res.returncode == 0, res.stderr
    first, second = res.stdout.strip().splitlines()
    got = json.loads(first)
    assert got["mul.Tensor"] == ["native", "environment FLAGOS_OP_mul__Tensor"], "environment beats the file"
    assert got["exp.default"][0] == "native" and got["exp.default"][1].endswith("routes.conf:3")
    assert got["sub.Tensor"][0] == "cpu" and got["sub.Tensor"][1].endswith("routes.conf:4")
    assert got["div.Tensor"] == ["cpu", "environment FLAGOS_OP_div__Tensor"]
    assert got["add.Tensor"][0] == "native" and "default policy" in got["add.Tensor"][1]
    assert second == "native", "the API beats the file"


@pytest.mark.parametrize("text, message", [
    ("mm.default = cpu\nsofmax.int = cpu\n", r"routes.conf:2: unknown operator 'sofmax.int'"),
    ("default = native\nmm.default = gpu\n", r"routes.conf:2: unknown provider 'gpu' for mm.default"),
    ("transpose.int = cpu\n", r"routes.conf:1: transpose.int is implemented by flagos' runtime|returns a view"),
    ("mm.default cpu\n", r"routes.conf:1: expected '<op>.<overload> = <provider>'"),
    ("include routes.conf\n", r"include cycle"),
    ("default = flaggems\nmm.default = flaggems\n", r"routes.conf:2: routes mm.default to 'flaggems', which is "
                                                    r"unavailable"),
])
def test_bad_routes_files_fail_import_naming_file_and_line(tmp_path, text: str, message: str) -> None:
    if "flaggems" in text and flagos.platform != "host":
        pytest.skip("FlagGems may be available off the host platform")
    res = run_python("import flagos", FLAGOS_ROUTES=write(tmp_path / "routes.conf", text))
    assert res.returncode != 0
    assert __import__("re").search(message, res.stderr), res.stderr[-2000:]


def test_bad_environment_route_names_the_variable() -> None:
    res = run_python("import flagos", FLAGOS_OP_add__Tensr="cpu")
    assert res.returncode != 0 and "FLAGOS_OP_add__Tensr names no ATen operator overload" in res.stderr
    res = run_python("import flagos", FLAGOS_OP_add__Tensor="gpu")
    assert res.returncode != 0 and "environment FLAGOS_OP_add__Tensor: unknown provider 'gpu'" in res.stderr
    res = run_python("import flagos", FLAGOS_ROUTES="/nonexistent/routes.conf")
    assert res.returncode != 0 and "FLAGOS_ROUTES=/nonexistent/routes.conf: no such file" in res.stderr


def test_declared_providers_load_in_every_process() -> None:
    res = run_python("""
        import flagos
        print(flagos.routing.get("add.Tensor"), [p.name for p in flagos.routing.providers()])
        """, FLAGOS_PROVIDERS="routing_provider", FLAGOS_OP_add__Tensor="testkernels")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("testkernels ") and "'testkernels'" in res.stdout
    res = run_python("import flagos", FLAGOS_PROVIDERS="no_such_module_here")
    assert res.returncode != 0 and "cannot load provider no_such_module_here" in res.stderr


def test_routes_command_prints_the_table_with_origins(tmp_path) -> None:
    routes = write(tmp_path / "routes.conf", "mul.Tensor = cpu\n")
    res = subprocess.run([sys.executable, "-m", "flagos", "routes"], capture_output=True, text=True, cwd=HERE,
                         env={**os.environ, "FLAGOS_ROUTES": routes, "FLAGOS_OP_exp__default": "cpu"}, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "default policy: native" in res.stdout
    assert "mul.Tensor" in res.stdout and f"{routes}:1" in res.stdout
    assert "environment FLAGOS_OP_exp__default" in res.stdout
    assert "flaggems" in res.stdout  # providers are listed with their availability


# ---- tracing -----------------------------------------------------------------------------------------


def test_trace_counts_calls_per_operator_and_provider(gen: torch.Generator, tmp_path) -> None:
    x = rand(gen, 4, 8).to("flagos")
    with flagos.trace() as outer:
        with flagos.trace(timed=True) as inner:
            for _ in range(3):
                x @ x.T
        with routing.override({"exp.default": "cpu"}):
            x.exp()
    assert outer.counts() == {("mm.default", "native"): 3, ("exp.default", "cpu"): 1}
    assert inner.counts() == {("mm.default", "native"): 3}
    (row,) = inner.rows
    assert row.args == [{"dtype": "float32", "shape": [4, 8]},
                        {"dtype": "float32", "shape": [8, 4], "stride": [1, 8]}]
    assert row.time_us > 0 and "mm.default" in inner.summary() and "time ms" in inner.summary()
    outer.save(str(tmp_path / "t.json"))
    again = flagos.Trace.load(str(tmp_path / "t.json"))
    assert again.counts() == outer.counts()
    with flagos.trace() as after:
        pass
    assert after.rows == []


def test_trace_records_dtype_arguments_by_name(gen: torch.Generator) -> None:
    x = rand(gen, 4).to("flagos")
    with flagos.trace() as t:
        x.sum(dtype=torch.float64)
    (row,) = [r for r in t.rows if r.op.startswith("sum")]
    assert {"scalar_type": "float64"} in row.args


def test_flagos_trace_environment_writes_the_process_trace(tmp_path) -> None:
    path = tmp_path / "proc.json"
    res = run_python("""
        import torch, flagos
        x = torch.ones(3, device="flagos")
        (x + x).relu()
        """, FLAGOS_TRACE=str(path))
    assert res.returncode == 0, res.stderr
    data = json.loads(path.read_text())
    assert {(r["op"], r["provider"]) for r in data["rows"]} >= {("add.Tensor", "native"), ("relu.default", "native")}
