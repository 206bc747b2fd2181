"""The project's own repository rules, declared once for WORKSPACE (Bazel 4) and bzlmod (7/8)."""

load("//third_party/cuda:cuda_toolkit.bzl", "local_cuda_repository")
load("//third_party/gtest:system_gtest.bzl", "system_gtest_repository")
load("//third_party/python:python_env.bzl", "flagos_python_repository")

# Platform -> lock file. A platform without a lock cannot be built yet (see platforms/README.md).
PYTHON_LOCKS = {
    "host": "//third_party/python:requirements_host.lock",
    "cuda": "//third_party/python:requirements_cuda.lock",
}

def flagos_repositories():
    flagos_python_repository(name = "flagos_python", locks = PYTHON_LOCKS)
    system_gtest_repository(name = "system_gtest")
    local_cuda_repository(name = "local_cuda")
