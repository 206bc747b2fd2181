"""Test-only repositories, declared apart from the product's (third_party/repositories.bzl).

The SYNTHETIC stand-in SDKs of this directory, installed as @synthetic_cann_sdk and
@synthetic_maca_sdk, and the product's own SDK rules (third_party/cann, third_party/maca) pointed at
them through the variables they read (@cann_synthetic, @maca_synthetic: what --config=ascend-synthetic
and --config=metax-synthetic build against), and at a directory that does not exist (@cann_missing,
@maca_missing: the "not found" tests of tests/vendor).
"""

load("//tests/synthetic_sdk:synthetic_sdk.bzl", "synthetic_sdk_repository")
load("//third_party/cann:cann.bzl", "cann_repository")
load("//third_party/maca:maca.bzl", "maca_repository")

# A directory no machine has: the vendor-SDK rules' "not found" tests look there.
MISSING_SDK_DIR = "/nonexistent/flagos-test-sdk"

def flagos_test_repositories():
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
