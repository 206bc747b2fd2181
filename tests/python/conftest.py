"""pytest configuration for flagos' tests.

Imports flagos once, and gives each test a CPU generator for its inputs. Inputs are fresh on every
run (the session seed is random) yet reproducible: the seed is printed in the report header and
FLAGOS_TEST_SEED=<seed> replays it. Tests of what a platform does not have are skipped there, with
the reason (NEEDS_NATIVE_ALIASES, NEEDS_REAL_RUNTIME).
"""
from __future__ import annotations

import os
import pathlib
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import flagos  # noqa: E402,F401  (registers the device before any test runs)
from flagos import _runtime  # noqa: E402
import torch  # noqa: E402
from testing import SESSION_SEED, generator_for  # noqa: E402

# Results are compared with float64 references at float32 tolerances: no TensorFloat-32 shortcuts
# in native CUDA matmuls and convolutions (the default for cuDNN convolutions).
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


# What platforms without native aliases (ascend; host with FLAGOS_HOST_OPAQUE_MEMORY=1) lack: the
# native provider's routes, zero-copy aliases, collective engines fed native aliases.
NEEDS_NATIVE_ALIASES = {
    "test_routing.py": "routes operators to native, which has no kernels where ATen cannot read flagos memory",
    "test_routing_check.py": "judges providers against native, which has no kernels here",
    "test_routing_tune.py": "judges and times providers against native, which has no kernels here",
    "test_platform_routes.py": "falls back to the native default policy",
    "test_tensor_semantics.py::test_results_are_zero_copy": "native results adopted without copies",
    "test_tensor_semantics.py::test_bridge_round_trip_keeps_memory": "native aliases",
    "test_tensor_semantics.py::test_from_native_never_takes_memory_from_a_tensor_still_in_use": "native aliases",
    "test_errors.py::test_op_without_native_kernel_names_flagos": "the native device's missing kernels",
}
# What the synthetic stand-in SDKs (tests/synthetic_sdk) do not model.
NEEDS_REAL_RUNTIME = {
    "test_streams_events.py::test_events_measure_elapsed_time":
        "the stand-in runtime runs a stream's work when it is synchronised, so event times do not follow the host clock",
}


def synthetic_sdk() -> bool:
    variable = {"ascend": "ASCEND_HOME_PATH", "metax": "METAX_PATH"}.get(flagos.platform)
    root = os.environ.get(variable, "") if variable else ""
    return bool(root) and pathlib.Path(root, "FLAGOS_SYNTHETIC_SDK").exists()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skips = ({} if _runtime.native_aliases_readable() else NEEDS_NATIVE_ALIASES) | (NEEDS_REAL_RUNTIME if synthetic_sdk() else {})
    for item in items:
        file, name = os.path.basename(str(item.path)), item.name.split("[")[0]
        reason = skips.get(file) or skips.get(f"{file}::{name}")
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"{flagos.platform}: {reason}"))


def pytest_report_header(config: pytest.Config) -> str:
    return f"flagos {flagos.__version__} ({flagos.platform}); test seed {SESSION_SEED} (FLAGOS_TEST_SEED={SESSION_SEED} replays it)"


@pytest.fixture
def gen(request: pytest.FixtureRequest) -> torch.Generator:
    return generator_for(request.node.nodeid)
