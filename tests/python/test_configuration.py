"""A flagos environment without devices, or with a broken configuration, behaves as torch.cuda does
without GPUs: device_count() is 0 (a broken configuration warns once, with its message),
torch.manual_seed and torch.random.fork_rng work and do nothing for flagos, and the first flagos
use raises the configuration's own message, without the HAL's internal call text. Each case runs
in a fresh interpreter, since the device count is read once per process.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import flagos

PROGRAM = r"""
import warnings
warnings.simplefilter("always")
import torch, flagos
with warnings.catch_warnings(record=True) as caught:
    print("available", torch.flagos.is_available())
    print("count", torch.flagos.device_count())
    torch.manual_seed(0)
    torch.seed()
    with torch.random.fork_rng():
        torch.randn(3)
    print("seeded")
print("warnings", sum("flagos is unavailable" in str(w.message) for w in caught))
try:
    torch.ones(2, device="flagos")
    print("use ok")
except RuntimeError as e:
    print("use error:", e)
"""


def _run(count: str) -> str:
    env = dict(os.environ, FLAGOS_HOST_DEVICE_COUNT=count)
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


pytestmark = pytest.mark.skipif(flagos.platform != "host", reason="FLAGOS_HOST_DEVICE_COUNT is the host platform's")


def test_no_devices_is_like_cuda_without_gpus() -> None:
    out = _run("0")
    assert "available False" in out and "count 0" in out and "seeded" in out
    assert "warnings 0" in out
    assert "use error: flagos: no flagos device is available" in out


@pytest.mark.parametrize("bad", ["abc", "-1", "65"])
def test_broken_configuration_warns_once_then_raises_on_use(bad: str) -> None:
    out = _run(bad)
    assert "available False" in out and "count 0" in out and "seeded" in out
    assert "warnings 1" in out
    message = next(line for line in out.splitlines() if line.startswith("use error:"))
    assert f"FLAGOS_HOST_DEVICE_COUNT='{bad}'" in message and "0 to 64" in message
    assert "flagos_hal" not in message, "internal HAL call text in a configuration error"
