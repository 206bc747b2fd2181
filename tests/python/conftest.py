"""pytest configuration for flagos' tests.

Imports flagos once, and gives each test a CPU generator for its inputs. Inputs are fresh on every
run (the session seed is random) yet reproducible: the seed is printed in the report header and
FLAGOS_TEST_SEED=<seed> replays it.
"""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import flagos  # noqa: E402,F401  (registers the device before any test runs)
import torch  # noqa: E402
from testing import SESSION_SEED, generator_for  # noqa: E402

# Results are compared with float64 references at float32 tolerances: no TensorFloat-32 shortcuts
# in native CUDA matmuls and convolutions (the default for cuDNN convolutions).
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def pytest_report_header(config: pytest.Config) -> str:
    return f"flagos {flagos.__version__} ({flagos.platform}); test seed {SESSION_SEED} (FLAGOS_TEST_SEED={SESSION_SEED} replays it)"


@pytest.fixture
def gen(request: pytest.FixtureRequest) -> torch.Generator:
    return generator_for(request.node.nodeid)
