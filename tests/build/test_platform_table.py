"""The platform table (platforms/defs.bzl) as ./bazelw and .bazelrc read it (tools/platforms/table.py)."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parents[2]
TABLE_PY = HERE / "tools/platforms/table.py"
sys.path.insert(0, str(TABLE_PY.parent))

import table  # noqa: E402


def env(*args: str) -> str:
    return subprocess.run([sys.executable, str(TABLE_PY), "env", *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_platforms_bazelrc_is_generated_from_the_table() -> None:
    res = subprocess.run([sys.executable, str(TABLE_PY), "check-bazelrc"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("args, config, lock", [
    ([], "host", "host"),
    (["build", "//:wheel"], "host", "host"),
    (["build", "--config=cuda", "//:wheel"], "cuda", "cuda"),
    (["build", "--config", "cuda", "//:wheel"], "cuda", "cuda"),
    (["test", "--config=ascend-synthetic", "//tests/python/..."], "ascend-synthetic", "host"),
    (["test", "--config=metax-synthetic", "//tests/python/..."], "metax-synthetic", "host"),
    (["build", "--config=ascend"], "ascend", "host"),
])
def test_bazelw_picks_the_lock_of_the_selected_configuration(args: list[str], config: str, lock: str) -> None:
    name, path = env(*args).split()
    assert name == config
    assert pathlib.Path(path).name == f"requirements_{lock}.lock"


def test_a_configuration_without_a_lock_selects_none() -> None:
    assert env("build", "--config=metax") == ""  # Bazel then fails with the table's reason


def test_every_configuration_is_a_platform_or_its_synthetic_twin() -> None:
    platforms = table.platforms()
    configs = table.configs(platforms)
    assert set(platforms) <= set(configs)
    for name, c in configs.items():
        assert c["platform"] in platforms
        assert name == (c["platform"] + "-synthetic" if c["synthetic"] else c["platform"])
