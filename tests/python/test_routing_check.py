"""``python -m flagos check``: finds wrong results, NaNs and crashing kernels of a provider,
isolates a crash to its operator, replays traced shapes and writes routes that keep only what
passed. The provider is routing_provider.testkernels (FlagGems' path, with known-bad kernels)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

import flagos

HERE = os.path.dirname(os.path.abspath(__file__))


def check(*args: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "FLAGOS_PROVIDERS": "routing_provider", **env}
    return subprocess.run([sys.executable, "-m", "flagos", "check", *args], capture_output=True, text=True,
                          env=full, cwd=HERE, timeout=600)


def rows(table: str) -> dict[str, list[str]]:
    out = {}
    for line in table.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[1] in ("testkernels", "cpu", "native"):
            out[parts[0]] = parts[1:]
    return out


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict, str]:
    tmp = tmp_path_factory.mktemp("check")
    routes, report = str(tmp / "passing.conf"), str(tmp / "report.json")
    res = check("--provider", "testkernels", "--write-routes", routes, "--json", report, "--max-samples", "4")
    with open(report) as f:
        data = json.load(f)
    with open(routes) as f:
        text = f.read()
    return res, {r["op"]: r for r in data["results"]}, text


def test_check_flags_the_wrong_kernels(result) -> None:
    res, by_op, _ = result
    assert res.returncode == 1, "a failing route must fail the command"
    assert by_op["add.Tensor"]["status"] == "pass" and by_op["add.Tensor"]["passed"] == 4
    assert by_op["mul.Tensor"]["status"] == "FAIL" and "elements off; worst: native" in by_op["mul.Tensor"]["detail"]
    assert by_op["tanh.default"]["status"] == "FAIL"
    assert "NaN/Inf where native is finite" in by_op["tanh.default"]["detail"]
    assert "pass" in res.stdout and "FAIL" in res.stdout  # the table


def test_check_isolates_a_crashing_kernel(result) -> None:
    _, by_op, _ = result
    assert by_op["sin.default"]["status"] == "FAIL"
    assert "the check process died" in by_op["sin.default"]["detail"]
    # operators after it were still checked by a fresh worker
    assert by_op["zeros.default"]["status"] == "pass"
    assert by_op["relu_.default"]["status"] == "pass"


def test_written_routes_keep_only_passing_routes(result, tmp_path) -> None:
    _, by_op, text = result
    assert "default = native" in text
    assert "add.Tensor = testkernels" in text and "cat.default = testkernels" in text
    assert "mul.Tensor = native" in text and "tanh.default = native" in text and "sin.default = native" in text
    path = tmp_path / "r.conf"
    path.write_text(text)
    res = subprocess.run([sys.executable, "-c", "import flagos; r = flagos.routing; "
                          "print(r.get('add.Tensor'), r.get('mul.Tensor'))"], capture_output=True, text=True,
                         env={**os.environ, "FLAGOS_PROVIDERS": "routing_provider", "FLAGOS_ROUTES": str(path)},
                         cwd=HERE, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["testkernels", "native"]


def test_check_replays_traced_shapes(tmp_path, gen: torch.Generator) -> None:
    x = torch.randn(3, 5, 7, generator=gen).to("flagos")
    path = str(tmp_path / "trace.json")
    with flagos.trace(path=path):
        x + x
        x * 2
    res = check("add.Tensor", "mul.Tensor", "--provider", "testkernels", "--trace", path, "--json",
                str(tmp_path / "r.json"), "--max-samples", "2")
    data = {r["op"]: r for r in json.load(open(tmp_path / "r.json"))["results"]}
    assert data["add.Tensor"]["status"] == "pass"
    assert data["mul.Tensor"]["status"] == "FAIL" and "trace: float32[3, 5, 7]" in data["mul.Tensor"]["detail"]
    assert res.returncode == 1


def test_check_replays_traced_layouts_and_cpu_operands(tmp_path, gen: torch.Generator) -> None:
    # Two kernels that pass on the generated (contiguous, all-flagos) samples and fail only on what a
    # real run passes them: a broadcast (stride 0) operand, and a Python scalar that reaches the
    # kernel as a 0-dim CPU tensor. The trace records both; check must replay them as recorded.
    x = torch.randn(4, 1, 6, generator=gen).to("flagos").expand(4, 5, 6)
    y = torch.randn(4, 5, 6, generator=gen).to("flagos")
    path = str(tmp_path / "trace.json")
    with flagos.trace(path=path):
        x / y
        y - 0.5
        y.exp()  # no testkernels kernel: not checked
    res = check("--provider", "testkernels", "--trace", path, "--json", str(tmp_path / "r.json"),
                "--max-samples", "4")
    data = {r["op"]: r for r in json.load(open(tmp_path / "r.json"))["results"]}
    assert set(data) == {"div.Tensor", "sub.Tensor"}, res.stdout + res.stderr
    assert "2 of 3 traced operators can go to 'testkernels'" in res.stderr
    div, sub = data["div.Tensor"], data["sub.Tensor"]
    assert div["status"] == "FAIL" and div["passed"] == div["total"] - 1 and "trace: float32[4, 5, 6]" in div["detail"]
    assert sub["status"] == "FAIL" and "a 0-dim operand (a CPU scalar?)" in sub["detail"]
    assert sub["passed"] == sub["total"] - 1


def test_samples_rebuild_recorded_layouts() -> None:
    from flagos.routing import _samples

    g = torch.Generator().manual_seed(0)
    t = _samples._tensor(torch.float32, [2, 256, 8], g, [256, 1, 0])
    assert t.shape == (2, 256, 8) and t.stride() == (256, 1, 0)
    assert torch.equal(t[:, :, 0], t[:, :, 7])  # the broadcast dimension repeats one value
    assert _samples._tensor(torch.bfloat16, [2, 0, 3], g).shape == (2, 0, 3)
    cpu = _samples._rebuild({"dtype": "float64", "shape": [], "device": "cpu"}, "TensorType", g)
    assert isinstance(cpu, _samples.Placed) and cpu.tensor.dim() == 0
    from flagos.routing import _check

    moved = _check._map([t, cpu], _check.to_device)
    assert moved[0].device.type == "flagos" and moved[0].stride() == (256, 1, 0)
    assert moved[1].device.type == "cpu", "a recorded CPU operand stays on the CPU"
    torch.testing.assert_close(moved[0].cpu(), t)


def test_out_of_tolerance_values_get_a_float64_second_opinion(gen: torch.Generator) -> None:
    # Outputs that are small differences of large terms: native itself is off the float64 value
    # by more than the per-element tolerance on the small ones. A provider as close to float64 as
    # native passes; one much further off fails, and so does any provider when no float64 result
    # is available.
    from flagos.routing import _check

    exact = torch.randn(1000, generator=gen, dtype=torch.float64) * 1e-3
    native_error = torch.randn(1000, generator=gen, dtype=torch.float64) * 2e-4
    native = (exact + native_error).float()
    as_good = (exact - native_error).float()
    worse = (exact + 5 * native_error).float()
    assert _check._compare(native, as_good, False) is not None, "the tolerance alone flags it"
    assert _check._compare(native, as_good, False, exact=lambda: exact) is None
    why = _check._compare(native, worse, False, exact=lambda: exact)
    assert why is not None and "beyond twice native's own error against float64" in why
    assert _check._compare([native], [as_good], False, exact=lambda: [exact]) is None  # nested results

    def unavailable() -> torch.Tensor:
        raise RuntimeError("no float64 kernel")

    assert _check._compare(native, as_good, False, exact=unavailable) is not None


def test_exact_run_computes_in_float64(gen: torch.Generator) -> None:
    from flagos.routing import _check, _samples
    from flagos.routing._names import parse

    a = torch.randn(3, 4, generator=gen)
    name = parse("_log_softmax.default")
    sample = _samples.Sample([a, 1, False], {}, "test")
    (out,) = _check._exact_run(name.overload_op(), sample)
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, torch.log_softmax(a.double(), 1), rtol=0, atol=0)


def test_check_defaults_to_the_non_native_routes() -> None:
    res = check(FLAGOS_OP_mul__Tensor="testkernels", FLAGOS_OP_exp__default="cpu")
    table = rows(res.stdout)
    assert set(table) == {"mul.Tensor", "exp.default"}, res.stdout + res.stderr
    assert table["mul.Tensor"][:2] == ["testkernels", "FAIL"] and table["exp.default"][:2] == ["cpu", "pass"]


def test_check_reports_routes_it_cannot_make() -> None:
    res = check("softmax.int", "--provider", "cpu", "--no-isolate")
    assert res.returncode == 1
    assert "error" in res.stdout and "decomposes it" in res.stdout


def test_nothing_to_check() -> None:
    res = check()
    assert res.returncode == 0 and "nothing to check" in res.stdout
