"""The ascend HAL, compiled against a given CANN repository (@cann, or tests' @cann_synthetic)."""

load("@rules_cc//cc:defs.bzl", "cc_library")
load("//platforms:defs.bzl", "only_on")

def ascend_hal_library(name, cann, ascend_only = False, **kwargs):
    """runtime/hal/flagos_hal.h over AscendCL from the CANN repository `cann` (e.g. "@cann").

    ascend_only: the target exists only in --config=ascend builds. Elsewhere it is incompatible
    (skipped by wildcards) and does not even depend on `cann`, so no other platform's build
    looks for the toolkit (Bazel 4 analyses the dependencies of incompatible targets).
    """
    sdk = [cann + "//:ascendcl"]
    cc_library(
        name = name,
        srcs = [
            "ascend_common.cc",
            "ascend_common.h",
            "ascend_hal.cc",
            "ascend_streams.cc",
        ],
        hdrs = ["ascend_hal.h"],
        deps = ["//runtime/hal:hal_api", "//runtime/hal/common"] + (select({
            "//platforms:ascend": sdk,
            "//conditions:default": [],
        }) if ascend_only else sdk),
        target_compatible_with = only_on("ascend") if ascend_only else None,
        alwayslink = True,  # the shared runtime, linked after it, calls into it
        **kwargs
    )
