"""The project's own repository rules, declared once for WORKSPACE (Bazel 4) and bzlmod (7/8)."""

load("//tests/synthetic_sdk:synthetic_sdk.bzl", "synthetic_sdk_repository")
load("//third_party/cann:cann.bzl", "cann_repository")
load("//third_party/cuda:cuda_toolkit.bzl", "local_cuda_repository")
load("//third_party/gtest:system_gtest.bzl", "system_gtest_repository")
load("//third_party/maca:maca.bzl", "maca_repository")
load("//third_party/python:python_env.bzl", "flagos_python_repository")

# Platform -> lock file. A platform without a lock cannot be built yet (see platforms/README.md).
PYTHON_LOCKS = {
    "host": "//third_party/python:requirements_host.lock",
    "cuda": "//third_party/python:requirements_cuda.lock",
    # Stock CPU torch, as on host: on Ascend flagos itself is the NPU device (torch_npu, which takes
    # the same PrivateUse1 key, is not used), so there is no vendor torch build to compile against.
    "ascend": "//third_party/python:requirements_host.lock",
    # --config=metax-synthetic only: stock CPU torch, the metax HAL without native aliases. The real
    # metax build needs MetaX's PyTorch (its cuda device is the MetaX GPU), which is not on PyPI.
    "metax-synthetic": "//third_party/python:requirements_host.lock",
}

# A directory no machine has: the vendor-SDK rules' "not found" tests look there.
MISSING_SDK_DIR = "/nonexistent/flagos-test-sdk"

def flagos_repositories():
    flagos_python_repository(name = "flagos_python", locks = PYTHON_LOCKS)
    system_gtest_repository(name = "system_gtest")
    local_cuda_repository(name = "local_cuda")

    # Vendor SDKs of the ascend and metax platforms. Only builds that need them run these rules;
    # without the SDK, those builds stop at analysis with what is missing and where it was sought.
    cann_repository(name = "cann")  # ASCEND_HOME_PATH, ASCEND_TOOLKIT_HOME, /usr/local/Ascend/...
    maca_repository(name = "maca")  # METAX_PATH, MACA_PATH, /opt/maca

    # Tests (tests/vendor): the same rules, pointed at the SYNTHETIC stand-in SDKs of
    # tests/synthetic_sdk through the variables they read, and at a directory that does not exist.
    synthetic_sdk_repository(name = "synthetic_cann_sdk", sdk = "cann")
    synthetic_sdk_repository(name = "synthetic_maca_sdk", sdk = "maca")
    cann_repository(
        name = "cann_synthetic",
        environ_override = {"ASCEND_HOME_PATH": "@synthetic_cann_sdk//:root/FLAGOS_SYNTHETIC_SDK"},
    )
    cann_repository(
        name = "cann_missing",
        environ_override = {"ASCEND_TOOLKIT_HOME": MISSING_SDK_DIR + "/ascend-toolkit/latest"},
    )
    maca_repository(
        name = "maca_synthetic",
        environ_override = {"METAX_PATH": "@synthetic_maca_sdk//:root/FLAGOS_SYNTHETIC_SDK"},
    )
    maca_repository(
        name = "maca_missing",
        environ_override = {"MACA_PATH": MISSING_SDK_DIR + "/maca"},
    )
