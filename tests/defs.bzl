"""Test macros: pytest files as Bazel py_tests, gtest files as cc_tests."""

load("@rules_cc//cc:defs.bzl", "cc_test")
load("@rules_python//python:defs.bzl", "py_test")

def flagos_py_test(name, srcs, deps = [], data = [], env = {}, **kwargs):
    """One py_test that runs pytest over `srcs` against the flagos package built in this tree."""
    py_test(
        name = name,
        srcs = srcs + ["//tests:pytest_main.py"],
        main = "//tests:pytest_main.py",
        args = ["$(location %s)" % s for s in srcs],
        deps = deps + ["//flagos", "//tests/python:testing"],
        data = data + ["//tests/python:conftest.py"] + select({
            "//platforms:ascend_on_synthetic_sdk": ["@cann_synthetic//:runtime_files"],
            "//platforms:metax_on_synthetic_sdk": ["@maca_synthetic//:runtime_files"],
            "//conditions:default": [],
        }),
        # --config=<platform>-synthetic: the stand-in SDK is found the way the vendor's is
        # (ASCEND_HOME_PATH for CANN, METAX_PATH for MACA).
        env = select({
            "//platforms:ascend_on_synthetic_sdk": dict(env, ASCEND_HOME_PATH = "../cann_synthetic/sdk"),
            "//platforms:metax_on_synthetic_sdk": dict(env, METAX_PATH = "../maca_synthetic/sdk"),
            "//conditions:default": env,
        }),
        python_version = "PY3",
        **kwargs
    )

def flagos_cc_test(name, srcs, deps = [], **kwargs):
    """A GoogleTest binary linked with the runtime of the platform being built.

    Linked statically: the runtime is compiled with -fvisibility=hidden, so the per-library shared
    objects of cc_test's default dynamic linking would leave its symbols undefined.
    """
    cc_test(
        name = name,
        srcs = srcs,
        linkstatic = True,
        deps = deps + [
            "//runtime",
            "@flagos_python//:torch_headers",
            "@flagos_python//:torch_libs_rpath",
            "@system_gtest//:gtest_main",
        ],
        **kwargs
    )
