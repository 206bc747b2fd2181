"""The project's own repository rules, declared once for WORKSPACE (Bazel 4) and bzlmod (7/8).

The product's only: the test repositories (synthetic stand-in SDKs) are tests/synthetic_sdk/repositories.bzl's.
"""

load("//third_party/cann:cann.bzl", "cann_repository")
load("//third_party/cuda:cuda_toolkit.bzl", "local_cuda_repository")
load("//third_party/gtest:system_gtest.bzl", "system_gtest_repository")
load("//third_party/maca:maca.bzl", "maca_repository")
load("//third_party/python:python_env.bzl", "flagos_python_repository")
load("//platforms:defs.bzl", "python_locks")

def flagos_repositories():
    flagos_python_repository(name = "flagos_python", locks = python_locks())
    system_gtest_repository(name = "system_gtest")
    local_cuda_repository(name = "local_cuda")

    # Vendor SDKs of the ascend and metax platforms. Only builds that need them run these rules;
    # without the SDK, those builds stop at analysis with what is missing and where it was sought.
    cann_repository(name = "cann")  # ASCEND_HOME_PATH, ASCEND_TOOLKIT_HOME, /usr/local/Ascend/...
    maca_repository(name = "maca")  # METAX_PATH, MACA_PATH, /opt/maca
