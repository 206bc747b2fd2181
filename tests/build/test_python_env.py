"""The Python-environment tooling of the build (third_party/python): the probe that checks an
environment against a lock without importing torch, and the materialiser's refusal of an
interpreter the lock was not made for. (The repository rule turns their findings into build errors.)"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest
import torch

HERE = pathlib.Path(os.environ.get("TEST_SRCDIR", ""), os.environ.get("TEST_WORKSPACE", ""))
PROBE = HERE / "third_party/python/probe.py"
MATERIALIZE = HERE / "third_party/python/materialize.py"
HOST_LOCK = HERE / "third_party/python/requirements_host.lock"


def probe(lock: pathlib.Path) -> dict:
    out = subprocess.run([sys.executable, str(PROBE), "--lock", str(lock)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_probe_reads_torch_without_importing_it() -> None:
    info = probe(HOST_LOCK)
    assert info["mismatches"] == [], "the test environment is the pinned host environment"
    assert info["torch_version"] == torch.__version__
    assert info["cxx11_abi"] == int(torch._C._GLIBCXX_USE_CXX11_ABI)
    assert "libc10.so" in info["torch_libs"] and "libtorch_cpu.so" in info["torch_libs"]
    assert info["python_version"] == "%d.%d" % sys.version_info[:2]


def test_probe_reports_every_difference_from_the_lock(tmp_path: pathlib.Path) -> None:
    lock = tmp_path / "requirements_test.lock"
    lock.write_text(HOST_LOCK.read_text().replace("torch==2.13.0+cpu", "torch==2.11.0")
                    + "notinstalled-package==1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    mismatches = probe(lock)["mismatches"]
    assert any(m.startswith("torch: lock has 2.11.0, environment has 2.13.0") for m in mismatches), mismatches
    assert "notinstalled-package: lock has 1.0, environment has nothing" in mismatches


def test_materialize_refuses_another_python_version(tmp_path: pathlib.Path) -> None:
    lock = tmp_path / "requirements_test.lock"
    lock.write_text(HOST_LOCK.read_text().replace("python=3.", "python=2."))
    res = subprocess.run([sys.executable, str(MATERIALIZE), "--lock", str(lock), "--platform", "test",
                          "--base-python", sys.executable], capture_output=True, text=True,
                         env=dict(os.environ, FLAGOS_CACHE_DIR=str(tmp_path / "cache")))
    assert res.returncode != 0
    assert "pins packages for CPython 2." in res.stderr and "FLAGOS_BASE_PYTHON" in res.stderr
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("bin/python"))


@pytest.mark.parametrize("name", ["requirements_host.lock"])
def test_lock_files_pin_everything_with_hashes(name: str) -> None:
    lines = (HERE / "third_party/python" / name).read_text().splitlines()
    pins = [l for l in lines if "==" in l and not l.startswith("#")]
    hashes = [l for l in lines if "--hash=sha256:" in l]
    assert pins and len(pins) == len(hashes)
    assert any(l.startswith("torch==") for l in pins)
