"""pytest configuration for the model tests: flagos imported once, the session seed of
tests/python (fresh inputs and weights each run, FLAGOS_TEST_SEED=<seed> replays them), and
``--model PATH`` (or FLAGOS_QWEN3_MODEL=PATH) to run the same tests on a real Qwen3 checkpoint.
"""
from __future__ import annotations

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))  # testing.py, outside Bazel too

import flagos  # noqa: E402  (registers the device before any test runs)
import torch  # noqa: E402
from testing import SESSION_SEED, generator_for  # noqa: E402

# References are float64 or another device's own kernels: no TensorFloat-32 shortcuts anywhere.
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--model", default=os.environ.get("FLAGOS_QWEN3_MODEL") or None,
                     help="a Qwen3 checkpoint directory (config.json + safetensors) to test instead of "
                          "random weights (default: $FLAGOS_QWEN3_MODEL)")


def pytest_report_header(config: pytest.Config) -> str:
    model = config.getoption("--model") or "random weights"
    return (f"flagos {flagos.__version__} ({flagos.platform}); test seed {SESSION_SEED} "
            f"(FLAGOS_TEST_SEED={SESSION_SEED} replays it); Qwen3 model: {model}")


@pytest.fixture(scope="session")
def model_path(pytestconfig: pytest.Config) -> str | None:
    path = pytestconfig.getoption("--model")
    if path and not os.path.isfile(os.path.join(path, "config.json")):
        raise pytest.UsageError(f"--model {path}: no config.json there (a Hugging Face checkpoint directory)")
    return path


@pytest.fixture
def gen(request: pytest.FixtureRequest) -> torch.Generator:
    return generator_for(request.node.nodeid)
