"""``python -m flagos tune``: routes each traced operator to the fastest provider that passes the
check, never to a wrong one, writes a routes file that loads, confirms the workload end to end, and
stops bad input with a clear error. Providers: native, cpu and tune_provider.tunekernels (one
kernel much faster than ATen's on the traced layout, one slower, one wrong and fastest of all)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
# One ATen thread: on a small shared machine, waking OpenMP workers costs milliseconds at random,
# which would be measured as the kernels' time.
ENV = {**os.environ, "FLAGOS_PROVIDERS": "tune_provider", "OMP_NUM_THREADS": "1"}


def tune(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flagos", "tune", *args], capture_output=True, text=True, env=ENV,
                          cwd=HERE, timeout=900)


@pytest.fixture(scope="module")
def tuned(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("tune")
    paths = {k: str(tmp / name) for k, name in (("routes", "tuned.conf"), ("json", "tune.json"), ("plot", "tune.png"))}
    res = tune("--write-routes", paths["routes"], "--json", paths["json"], "--plot", paths["plot"], "--repeats", "9",
               "--run", os.path.join(HERE, "tune_workload.py"))
    assert res.returncode == 0, res.stdout + res.stderr
    with open(paths["json"]) as f:
        report = json.load(f)
    with open(paths["routes"]) as f:
        routes = f.read()
    return {"res": res, "report": report, "routes": routes, "paths": paths,
            "choices": {c["op"]: c for c in report["choices"]}}


def test_each_operator_goes_to_the_fastest_correct_provider(tuned) -> None:
    c = tuned["choices"]
    assert set(c) >= {"mm.default", "add.Tensor", "mul.Tensor"}, tuned["res"].stdout
    mm = c["mm.default"]
    assert mm["chosen"] == "tunekernels", mm["why"]
    assert mm["providers"]["tunekernels"]["us"] < mm["providers"]["native"]["us"]
    assert mm["speedup"] > 1.05
    add = c["add.Tensor"]
    assert add["chosen"] == "native", add["why"]  # tunekernels' add pauses 2 ms; cpu copies
    assert add["providers"]["tunekernels"]["status"] == "pass"
    assert add["providers"]["tunekernels"]["us"] > 1000


def test_a_wrong_kernel_is_never_chosen_however_fast(tuned) -> None:
    mul = tuned["choices"]["mul.Tensor"]
    assert mul["chosen"] != "tunekernels"
    wrong = mul["providers"]["tunekernels"]
    assert wrong["status"] == "FAIL" and "NaN/Inf where native is finite" in wrong["detail"]
    assert wrong["us"] is None, "a provider that fails the check is not timed"
    assert "mul.Tensor = tunekernels" not in tuned["routes"]


def test_routes_file_has_the_times_and_loads(tuned, tmp_path) -> None:
    text = tuned["routes"]
    assert "default = native" in text
    line = next(ln for ln in text.splitlines() if ln.startswith("mm.default"))
    assert line.startswith("mm.default = tunekernels  # ") and "native" in line and "µs" in line, line
    res = subprocess.run([sys.executable, "-c", "import flagos; r = flagos.routing; "
                          "print(r.get('mm.default'), r.get('add.Tensor'), r.get('mul.Tensor'))"],
                         capture_output=True, text=True, env={**ENV, "FLAGOS_ROUTES": tuned["paths"]["routes"]},
                         cwd=HERE, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["tunekernels", "native", tuned["choices"]["mul.Tensor"]["chosen"]]


def test_output_table_plot_and_confirmation(tuned) -> None:
    out = tuned["res"].stdout
    head = next(ln for ln in out.splitlines() if ln.startswith("operator"))
    for column in ("calls", "native µs", "best µs", "speed-up", "chosen"):
        assert column in head
    with open(tuned["paths"]["plot"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    conf = tuned["report"]["confirmation"]
    assert conf and not conf.get("failed"), conf
    assert set(conf["times"]) == {"process_s", "work_s"}
    assert conf["values"]["signs"]["equal"] == conf["values"]["signs"]["of"] == 16
    for key in ("y", "z", "m"):  # the same values within float32 rounding of a reordered product
        assert conf["values"][key]["max_rel_diff"] < 1e-4, conf["values"][key]
    assert "confirmation: the workload with the tuned routes against all-native" in out


def test_bad_input_gives_a_clear_error(tmp_path) -> None:
    from flagos.routing import _tune_cli

    def error(*args: str) -> str:
        import contextlib
        import io

        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            assert _tune_cli.main(list(args)) == 2
        return err.getvalue()

    assert "no such file" in error("--trace", str(tmp_path / "missing.json"))
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"rows": []}')
    assert "not a readable flagos trace" in error("--trace", str(bogus))
    assert "unknown provider 'nosuch'" in error("--trace", str(bogus), "--providers", "nosuch")
    assert "cannot read the script" in error("--run", str(tmp_path / "missing.py"))
    failing = tmp_path / "fails.py"
    failing.write_text("raise SystemExit('the workload broke')\n")
    assert "failed (exit 1) while traced" in error("--run", str(failing))
    assert "give a trace" in error()


def test_noise_does_not_move_a_route() -> None:
    from flagos.routing import _tune

    def timing(median: float, q1: float, q3: float, low: float) -> dict:
        return {"label": "s", "median_us": median, "q1_us": q1, "q3_us": q3, "min_us": low, "jit_us": 0.0}

    rows = [{"args": [], "calls": 10}]
    native = {"status": "pass", "times": [timing(100, 95, 105, 90)]}
    noisy = {"status": "pass", "times": [timing(80, 60, 140, 50)]}  # faster median, spread over native's
    clear = {"status": "pass", "times": [timing(50, 48, 52, 47)]}
    assert _tune.decide("add.Tensor", rows, 10, {"native": native, "p": noisy}, 1.05).chosen == "native"
    choice = _tune.decide("add.Tensor", rows, 10, {"native": native, "p": clear}, 1.05)
    assert choice.chosen == "p" and choice.speedup == pytest.approx(2.0)
    assert _tune.decide("add.Tensor", rows, 10, {"native": native, "p": clear}, 2.5).chosen == "native"


def test_shape_dependent_winners_are_reported() -> None:
    from flagos.routing import _tune

    def timing(us: float) -> dict:
        return {"label": f"{us}", "median_us": us, "q1_us": us, "q3_us": us, "min_us": us, "jit_us": 0.0}

    rows = [{"args": ["big"], "calls": 10}, {"args": ["small"], "calls": 10}]
    native = {"status": "pass", "times": [timing(1000), timing(10)]}
    other = {"status": "pass", "times": [timing(500), timing(40)]}  # wins on the big shape, loses on the small
    choice = _tune.decide("mm.default", rows, 20, {"native": native, "p": other}, 1.05)
    assert choice.chosen == "p"  # 5400 µs of calls instead of 10100
    assert [(w["provider"], w["sample"]) for w in choice.shape_winners] == [("native", ["small"])]


def test_timing_reports_the_first_call_apart() -> None:
    from flagos.routing import _tune_time

    calls = []

    def kernel() -> None:
        time.sleep(0.05 if not calls else 0.001)  # a first call that compiles
        calls.append(1)

    t = _tune_time.measure(kernel, lambda: None, repeats=3, warmup=1, batch_s=0.002)
    assert t.first_us >= 50_000 and t.jit_us > 40_000
    assert t.median_us >= 1000 and t.median_us < t.first_us
    assert t.batches == 3 and t.q1_us <= t.median_us <= t.q3_us
