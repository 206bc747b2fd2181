"""The metax HAL, compiled against a given MACA repository (@maca, or tests' @maca_synthetic)."""

load("@rules_cc//cc:defs.bzl", "cc_library")
load("//platforms:defs.bzl", "only_on")

def metax_hal_library(name, maca, metax_only = False, **kwargs):
    """runtime/hal/flagos_hal.h over the MACA runtime from the MACA repository `maca` (e.g. "@maca").

    metax_only: the target exists only in --config=metax builds. Elsewhere it is incompatible
    (skipped by wildcards) and does not even depend on `maca`, so no other platform's build
    looks for the SDK (Bazel 4 analyses the dependencies of incompatible targets).
    """
    sdk = [maca + "//:mcruntime"]
    cc_library(
        name = name,
        srcs = [
            "metax_common.cc",
            "metax_common.h",
            "metax_hal.cc",
            "metax_streams.cc",
        ],
        hdrs = ["metax_hal.h"],
        deps = ["//runtime/hal:hal_api", "//runtime/hal/common"] + (select({
            "//platforms:metax": sdk,
            "//conditions:default": [],
        }) if metax_only else sdk),
        target_compatible_with = only_on("metax") if metax_only else None,
        alwayslink = True,  # the shared runtime, linked after it, calls into it
        **kwargs
    )
