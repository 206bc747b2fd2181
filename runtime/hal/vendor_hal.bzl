"""A vendor HAL (runtime/hal/<platform>/) compiled against a given SDK repository: the real one
(@cann, @maca) for the platform's build, or a synthetic stand-in (@cann_synthetic, ...) for tests."""

load("@rules_cc//cc:defs.bzl", "cc_library")
load("//platforms:defs.bzl", "only_on")

def vendor_hal_library(name, platform, sdk, platform_only = False, synthetic_sdk = None, **kwargs):
    """runtime/hal/flagos_hal.h over a vendor runtime: <platform>_{common,hal,streams} sources.

    sdk: the SDK's runtime library target (e.g. "@cann//:ascendcl").
    platform_only: the target exists only in --config=<platform> builds. Elsewhere it is
    incompatible (skipped by wildcards) and does not even depend on `sdk`, so no other platform's
    build looks for the SDK (Bazel 4 analyses the dependencies of incompatible targets).
    synthetic_sdk: with platform_only, the stand-in SDK's library that --config=<platform>-synthetic
    (//platforms:synthetic_sdk) builds against instead of `sdk`.
    """
    sdk_for_build = {"//platforms:" + platform: [sdk], "//conditions:default": []}
    if synthetic_sdk:
        sdk_for_build["//platforms:" + platform + "_on_synthetic_sdk"] = [synthetic_sdk]
    cc_library(
        name = name,
        srcs = [
            platform + "_common.cc",
            platform + "_common.h",
            platform + "_hal.cc",
            platform + "_streams.cc",
        ],
        hdrs = [platform + "_hal.h"],
        deps = ["//runtime/hal:hal_api", "//runtime/hal/common"] + (
            select(sdk_for_build) if platform_only else [sdk]
        ),
        target_compatible_with = only_on(platform) if platform_only else None,
        alwayslink = True,  # the shared runtime, linked after it, calls into it
        **kwargs
    )
