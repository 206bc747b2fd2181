"""Tests of the vendor-SDK repository rules (third_party/cann, third_party/maca, third_party/sdk).

- Unit tests of the rules' pure functions: which directory is searched (variables in order,
  default), how versions are read from each version file format, what the "not found" message
  says.
- Analysis tests: targets of a repository whose SDK is missing (@cann_missing, @maca_missing),
  and targets that depend on them (a cc_library, an mxcc_library), fail at ANALYSIS with the
  message naming the variable, the directory and the expected files -- no compiler runs.
- :sdk_defs_constants: the constants the generated defs.bzl files export, as JSON for
  sdk_repository_test.py.
"""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts", "unittest")
load("@bazel_skylib//rules:write_file.bzl", "write_file")
load("@rules_cc//cc:defs.bzl", "cc_library")
load(
    "@cann_missing//:defs.bzl",
    MISSING_CANN_FOUND = "CANN_FOUND",
    MISSING_CANN_ROOT = "CANN_ROOT",
    MISSING_CANN_ROOT_SOURCE = "CANN_ROOT_SOURCE",
)
load(
    "@cann_synthetic//:defs.bzl",
    "CANN_BISHENG",
    "CANN_FOUND",
    "CANN_ROOT",
    "CANN_ROOT_SOURCE",
    "CANN_SYNTHETIC",
    "CANN_VERSION",
    "CANN_VERSION_SOURCE",
)
load(
    "@maca_missing//:defs.bzl",
    MISSING_MACA_FOUND = "MACA_FOUND",
    MISSING_MACA_ROOT = "MACA_ROOT",
    MISSING_MACA_ROOT_SOURCE = "MACA_ROOT_SOURCE",
)
load(
    "@maca_synthetic//:defs.bzl",
    "MACA_CUCC",
    "MACA_FOUND",
    "MACA_MXCC",
    "MACA_ROOT",
    "MACA_ROOT_SOURCE",
    "MACA_SYNTHETIC",
    "MACA_VERSION",
    "MACA_VERSION_SOURCE",
)
load("//third_party/cann:cann.bzl", "CANN_DEFAULT", "CANN_EXPECTED", "CANN_VARIABLES", "cann_version")
load("//third_party/maca:maca.bzl", "MACA_DEFAULT", "MACA_EXPECTED", "MACA_VARIABLES", "maca_version")
load("//third_party/sdk:sdk_common.bzl", "describe_search", "key_value", "missing_message", "resolve_root")
load("//tools/maca:maca.bzl", "mxcc_library")

# ---- unit tests of the pure functions ------------------------------------------------------------

def _resolve_root_test_impl(ctx):
    env = unittest.begin(ctx)

    r = resolve_root({}, CANN_VARIABLES, CANN_DEFAULT)
    asserts.equals(env, "/usr/local/Ascend/ascend-toolkit/latest", r.root)
    asserts.equals(env, "", r.source)

    r = resolve_root({"ASCEND_TOOLKIT_HOME": "/opt/b"}, CANN_VARIABLES, CANN_DEFAULT)
    asserts.equals(env, "/opt/b", r.root)
    asserts.equals(env, "ASCEND_TOOLKIT_HOME", r.source)

    r = resolve_root({"ASCEND_HOME_PATH": "/opt/a//", "ASCEND_TOOLKIT_HOME": "/opt/b"}, CANN_VARIABLES, CANN_DEFAULT)
    asserts.equals(env, "/opt/a", r.root, "the first variable wins; trailing slashes go")
    asserts.equals(env, "ASCEND_HOME_PATH", r.source)

    r = resolve_root({"ASCEND_HOME_PATH": "", "ASCEND_TOOLKIT_HOME": "/opt/b"}, CANN_VARIABLES, CANN_DEFAULT)
    asserts.equals(env, "/opt/b", r.root, "an empty variable counts as unset")

    r = resolve_root({"PATH": "/usr/bin"}, MACA_VARIABLES, MACA_DEFAULT)
    asserts.equals(env, "/opt/maca", r.root)
    r = resolve_root({"MACA_PATH": "/opt/maca-3.3.0"}, MACA_VARIABLES, MACA_DEFAULT)
    asserts.equals(env, "/opt/maca-3.3.0", r.root)
    asserts.equals(env, "MACA_PATH", r.source)
    r = resolve_root({"METAX_PATH": "/x", "MACA_PATH": "/m"}, MACA_VARIABLES, MACA_DEFAULT)
    asserts.equals(env, "/x", r.root, "METAX_PATH comes before MACA_PATH")
    r = resolve_root({"METAX_PATH": "/"}, MACA_VARIABLES, MACA_DEFAULT)
    asserts.equals(env, "/", r.root)
    return unittest.end(env)

_resolve_root_test = unittest.make(_resolve_root_test_impl)

def _describe_search_test_impl(ctx):
    env = unittest.begin(ctx)
    asserts.equals(
        env,
        "/usr/local/Ascend/ascend-toolkit/latest (the default: ASCEND_HOME_PATH and ASCEND_TOOLKIT_HOME are not set)",
        describe_search(resolve_root({}, CANN_VARIABLES, CANN_DEFAULT), CANN_VARIABLES),
    )
    asserts.equals(env, "/m (from MACA_PATH)", describe_search(resolve_root({"MACA_PATH": "/m"}, MACA_VARIABLES, MACA_DEFAULT), MACA_VARIABLES))
    return unittest.end(env)

_describe_search_test = unittest.make(_describe_search_test_impl)

def _contains(env, text, part):
    asserts.true(env, part in text, "expected %r in:\n%s" % (part, text))

def _missing_message_test_impl(ctx):
    env = unittest.begin(ctx)
    resolved = resolve_root({"ASCEND_HOME_PATH": "/opt/cann"}, CANN_VARIABLES, CANN_DEFAULT)
    message = missing_message("Ascend CANN toolkit", "ascend", resolved, CANN_VARIABLES, True, CANN_EXPECTED[1:3], "Install it.")
    _contains(env, message, "the Ascend CANN toolkit was not found, so --config=ascend cannot be built")
    _contains(env, message, "searched: /opt/cann (from ASCEND_HOME_PATH)")
    _contains(env, message, "lib64/libascendcl.so      AscendCL runtime library")
    _contains(env, message, "include/aclnn/acl_meta.h  aclnn base API")
    _contains(env, message, "--repo_env=ASCEND_HOME_PATH=/path/to/sdk")
    _contains(env, message, "  Install it.")
    asserts.false(env, "does not exist" in message, "the directory exists: only files are missing")
    asserts.false(env, "include/acl/acl.h " in message, "a present file is not listed as missing")

    resolved = resolve_root({}, MACA_VARIABLES, MACA_DEFAULT)
    message = missing_message("MetaX MACA SDK", "metax", resolved, MACA_VARIABLES, False, MACA_EXPECTED, "Install it.")
    _contains(env, message, "searched: /opt/maca (the default: METAX_PATH and MACA_PATH are not set)")
    _contains(env, message, "that directory does not exist.")
    for path, _ in MACA_EXPECTED:
        _contains(env, message, path)
    return unittest.end(env)

_missing_message_test = unittest.make(_missing_message_test_impl)

def _key_value_test_impl(ctx):
    env = unittest.begin(ctx)
    asserts.equals(env, "8.0.RC3", key_value("# install info\npackage_name=x\n Version = 8.0.RC3 \n", "version"))
    asserts.equals(env, "", key_value("versions=1\n", "version"), "a longer key is another key")
    asserts.equals(env, "3.3.0.15", key_value("Version:3.3.0.15\n", "version", ":="))
    asserts.equals(env, "", key_value("", "version"))
    return unittest.end(env)

_key_value_test = unittest.make(_key_value_test_impl)

def _cann_version_test_impl(ctx):
    env = unittest.begin(ctx)
    info = "package_name=Ascend-cann-toolkit\nversion=8.0.RC2\ninnerversion=V100R001C19\narch=x86_64\n"
    asserts.equals(env, ("8.0.RC2", "x86_64-linux/ascend_toolkit_install.info"), cann_version([("x86_64-linux/ascend_toolkit_install.info", info)]))
    asserts.equals(env, ("8.0.RC1", "version.cfg"), cann_version([("version.cfg", "# version: 1.0\nruntime_running_version=[8.0.0.1:8.0.RC1]\ntoolkit_running_version=[8.0.0.123:8.0.RC1]\n")]))
    asserts.equals(env, ("7.0.0", "runtime/version.info"), cann_version([("runtime/version.info", "Version=7.0.0\nversion_dir=7.0.0\n")]))
    asserts.equals(
        env,
        ("8.1.RC1", "aarch64-linux/ascend_toolkit_install.info"),
        cann_version([("x86_64-linux/ascend_toolkit_install.info", "package_name=x\n"), ("aarch64-linux/ascend_toolkit_install.info", "version=8.1.RC1\n"), ("version.cfg", "toolkit_running_version=[1:2]\n")]),
        "a file without a version is skipped; the first file with one wins",
    )
    asserts.equals(env, ("unknown", ""), cann_version([]))
    asserts.equals(env, ("unknown", ""), cann_version([("version.cfg", "# nothing here\n")]))
    return unittest.end(env)

_cann_version_test = unittest.make(_cann_version_test_impl)

def _maca_version_test_impl(ctx):
    env = unittest.begin(ctx)
    asserts.equals(env, ("3.3.0.15", "Version.txt"), maca_version(("Version.txt", "Version:3.3.0.15\n"), ""))
    asserts.equals(env, ("2.32.0.6", "version.txt"), maca_version(("version.txt", "\n2.32.0.6\n"), ""))
    asserts.equals(env, ("2.33.1", "mxcc --version"), maca_version(None, "MXCC version 2.33.1 (build 42)\nTarget: x86_64\n"))
    asserts.equals(env, ("unknown", ""), maca_version(None, ""))
    asserts.equals(env, ("unknown", ""), maca_version(None, "no version words here\n"))
    return unittest.end(env)

_maca_version_test = unittest.make(_maca_version_test_impl)

# ---- analysis tests: a missing SDK fails at analysis, with the message ------------------------------

def _expect_messages(ctx):
    env = analysistest.begin(ctx)
    for part in ctx.attr.messages:
        asserts.expect_failure(env, part)
    return analysistest.end(env)

_missing_sdk_analysis_test = analysistest.make(
    _expect_messages,
    expect_failure = True,
    attrs = {"messages": attr.string_list()},
)

_CANN_MISSING_MESSAGES = [
    "the Ascend CANN toolkit was not found, so --config=ascend cannot be built",
    "searched: /nonexistent/flagos-test-sdk/ascend-toolkit/latest (from ASCEND_TOOLKIT_HOME)",
    "that directory does not exist.",
    "include/acl/acl.h",
    "lib64/libascendcl.so",
    "lib64/libopapi.so",
    "--repo_env=ASCEND_HOME_PATH=",
]

_MACA_MISSING_MESSAGES = [
    "the MetaX MACA SDK was not found, so --config=metax cannot be built",
    "searched: /nonexistent/flagos-test-sdk/maca (from MACA_PATH)",
    "mxgpu_llvm/bin/mxcc",
    "include/mcr/mc_runtime.h",
    "lib/libmcruntime.so",
    "tools/cu-bridge/include",
    "--repo_env=METAX_PATH=",
]

# ---- the whole suite ---------------------------------------------------------------------------------

def sdk_rules_test_suite(name):
    """Unit and analysis tests of the SDK rules, plus :sdk_defs_constants."""
    unittest.suite(
        name + "_unit",
        _resolve_root_test,
        _describe_search_test,
        _missing_message_test,
        _key_value_test,
        _cann_version_test,
        _maca_version_test,
    )

    # Consumers of a missing SDK (tagged manual: they exist to fail; only the tests below build them).
    cc_library(
        name = "needs_missing_cann",
        srcs = ["sdk_consumer.cc"],
        deps = ["@cann_missing//:ascendcl"],
        tags = ["manual"],
    )
    mxcc_library(
        name = "needs_missing_maca",
        srcs = ["kernels/axpy.maca"],
        hdrs = ["kernels/kernels.h"],
        maca = "@maca_missing",
        tags = ["manual"],
    )
    tests = []
    for test_name, target, messages in [
        ("missing_cann_target", "@cann_missing//:ascendcl", _CANN_MISSING_MESSAGES),
        ("missing_cann_aclnn", "@cann_missing//:aclnn", _CANN_MISSING_MESSAGES[:3]),
        ("missing_cann_consumer", ":needs_missing_cann", _CANN_MISSING_MESSAGES),
        ("missing_maca_toolchain", "@maca_missing//:toolchain", _MACA_MISSING_MESSAGES),
        ("missing_maca_runtime", "@maca_missing//:mcruntime", _MACA_MISSING_MESSAGES[:3]),
        ("missing_maca_mxcc_library", ":needs_missing_maca", _MACA_MISSING_MESSAGES),
    ]:
        _missing_sdk_analysis_test(
            name = name + "_" + test_name,
            target_under_test = target,
            messages = messages,
        )
        tests.append(":" + name + "_" + test_name)

    native.test_suite(name = name, tests = [":" + name + "_unit"] + tests)

    # What the generated defs.bzl files say, for sdk_repository_test.py.
    write_file(
        name = "sdk_defs_constants",
        out = "sdk_defs_constants.json",
        content = [json.encode({
            "cann_synthetic": {
                "FOUND": CANN_FOUND,
                "ROOT": CANN_ROOT,
                "ROOT_SOURCE": CANN_ROOT_SOURCE,
                "VERSION": CANN_VERSION,
                "VERSION_SOURCE": CANN_VERSION_SOURCE,
                "SYNTHETIC": CANN_SYNTHETIC,
                "BISHENG": CANN_BISHENG,
            },
            "cann_missing": {"FOUND": MISSING_CANN_FOUND, "ROOT": MISSING_CANN_ROOT, "ROOT_SOURCE": MISSING_CANN_ROOT_SOURCE},
            "maca_synthetic": {
                "FOUND": MACA_FOUND,
                "ROOT": MACA_ROOT,
                "ROOT_SOURCE": MACA_ROOT_SOURCE,
                "VERSION": MACA_VERSION,
                "VERSION_SOURCE": MACA_VERSION_SOURCE,
                "SYNTHETIC": MACA_SYNTHETIC,
                "MXCC": MACA_MXCC,
                "CUCC": MACA_CUCC,
            },
            "maca_missing": {"FOUND": MISSING_MACA_FOUND, "ROOT": MISSING_MACA_ROOT, "ROOT_SOURCE": MISSING_MACA_ROOT_SOURCE},
        })],
        testonly = True,
    )
