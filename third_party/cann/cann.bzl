"""@cann: Huawei's CANN toolkit (AscendCL runtime, aclnn operators) for --config=ascend.

Where the toolkit is looked for, in order:
  ASCEND_HOME_PATH      set by the toolkit's set_env.sh
  ASCEND_TOOLKIT_HOME   set by older set_env.sh scripts
  /usr/local/Ascend/ascend-toolkit/latest   the installer's default for root
Both variables re-run the rule when they change (`environ`); nothing else does, so after
installing a toolkit where the rule already looked, run `bazel sync --only=cann` (or set the
variable).

What must be there (relative to the toolkit directory):
  include/acl/acl.h          AscendCL headers (runtime, memory, streams, events)
  lib64/libascendcl.so       AscendCL runtime library
  include/aclnn/acl_meta.h   aclnn base API (aclTensor, executors, workspaces)
  lib64/libnnopbase.so       aclnn base library
  lib64/libopapi.so          aclnn operator library (the native kernels of the ascend platform)

Version: the `version=` line of <arch>-linux/ascend_toolkit_install.info (host architecture
first, then any other), else version.cfg's toolkit_running_version, else runtime/ or
compiler/version.info's `Version=`; "unknown" when none is readable (the SDK still counts as
found: the version is information, the files above are what the build needs).

Generated (found):
  :acl_headers   AscendCL headers (`#include <acl/acl.h>`)
  :ascendcl      AscendCL headers + libascendcl.so (system-provided: no search path recorded)
  :ascendcl_with_search_path   the same with a search path to this copy (test binaries)
  :aclnn         aclnn headers (`<aclnn/...>`, `<aclnnop/...>`) + libnnopbase.so, libopapi.so
  :synthetic_control   only in the stand-in SDK of tests/synthetic_sdk: its test-control API
  defs.bzl       CANN_FOUND, CANN_ROOT, CANN_ROOT_SOURCE, CANN_VERSION, CANN_VERSION_SOURCE,
                 CANN_SYNTHETIC, CANN_BISHENG (AscendC compiler path or "")
  sdk_info.json  the same facts, for tests and tools
Generated (not found): the same targets, each failing at analysis time with a message naming the
variable, the directory searched and the files expected there; defs.bzl CANN_FOUND = False;
MISSING.txt.

AscendC device code (bisheng) is not compiled by flagos in this phase: see
platforms/README.md ("Device code per platform"). The compiler's path is recorded for that
future rule.
"""

load(
    "//third_party/sdk:sdk_common.bzl",
    "SYNTHETIC_MARKER",
    "check_files",
    "describe_search",
    "environ_of",
    "key_value",
    "missing_message",
    "resolve_root",
    "write_found_defs",
    "write_missing_repository",
)

CANN_VARIABLES = ["ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME"]
CANN_DEFAULT = "/usr/local/Ascend/ascend-toolkit/latest"

CANN_EXPECTED = [
    ("include/acl/acl.h", "AscendCL headers (runtime: memory, streams, events)"),
    ("lib64/libascendcl.so", "AscendCL runtime library"),
    ("include/aclnn/acl_meta.h", "aclnn base API (aclTensor, executors, workspaces)"),
    ("lib64/libnnopbase.so", "aclnn base library"),
    ("lib64/libopapi.so", "aclnn operator library (the ascend platform's native kernels)"),
]

_CANN_HINT = """Install the CANN toolkit (Ascend-cann-toolkit_<version>_linux-<arch>.run --install) and
`source <install dir>/ascend-toolkit/set_env.sh`, which sets ASCEND_HOME_PATH."""

_TARGETS = ["acl_headers", "ascendcl", "aclnn"]

def cann_version(files):
    """The toolkit version from the contents of its version files.

    Args:
      files: list of (path relative to the toolkit directory, content), in the order to consult
        them; only files that exist.

    Returns:
      (version, source path) or ("unknown", "").
    """
    for path, content in files:
        name = path.split("/")[-1]
        version = ""
        if name.endswith("_install.info"):
            version = key_value(content, "version")
        elif name == "version.cfg":
            # toolkit_running_version=[<build version>:<release version>]
            value = key_value(content, "toolkit_running_version")
            if value.startswith("[") and value.endswith("]"):
                value = value[1:-1]
                version = value.split(":")[-1] if ":" in value else value
            else:
                version = value or key_value(content, "version")
        elif name == "version.info":
            version = key_value(content, "version")
        if version:
            return version, path
    return "unknown", ""

def _version_candidates(rctx, root):
    arch = rctx.execute(["uname", "-m"]).stdout.strip() or "x86_64"
    paths = [arch + "-linux/ascend_toolkit_install.info"]
    root_path = rctx.path(root)
    if root_path.exists:
        for entry in root_path.readdir():
            if entry.basename.endswith("-linux") and entry.basename != arch + "-linux":
                paths.append(entry.basename + "/ascend_toolkit_install.info")
    paths += ["version.cfg", "runtime/version.info", "compiler/version.info"]
    files = []
    for path in paths:
        p = rctx.path(root + "/" + path)
        if p.exists:
            files.append((path, rctx.read(p)))
    return files

def _cann_repository_impl(rctx):
    resolved = resolve_root(environ_of(rctx), CANN_VARIABLES, CANN_DEFAULT)
    root = resolved.root
    root_exists = rctx.path(root).exists
    found, missing = check_files(rctx, root, CANN_EXPECTED)
    info = {
        "sdk": "cann",
        "root": root,
        "root_source": resolved.source,
        "searched": describe_search(resolved, CANN_VARIABLES),
        "expected": [path for path, _ in CANN_EXPECTED],
    }
    if missing:
        message = missing_message("Ascend CANN toolkit", "ascend", resolved, CANN_VARIABLES, root_exists, missing, _CANN_HINT)
        info.update({"found": False, "missing": [path for path, _ in missing], "version": "", "version_source": "", "synthetic": False})
        write_missing_repository(rctx, "CANN", _TARGETS, message, info)
        return

    version, version_source = cann_version(_version_candidates(rctx, root))
    synthetic = rctx.path(root + "/" + SYNTHETIC_MARKER).exists
    bisheng = root + "/compiler/ccec_compiler/bin/bisheng"
    bisheng = bisheng if rctx.path(bisheng).exists else ""
    info.update({
        "found": True,
        "missing": [],
        "version": version,
        "version_source": version_source,
        "synthetic": synthetic,
        "bisheng": bisheng,
    })
    rctx.symlink(root, "sdk")
    write_found_defs(rctx, "CANN", info, {"BISHENG": bisheng})
    build = [
        "# Generated by //third_party/cann:cann.bzl from %s%s." % (info["searched"], " -- a SYNTHETIC stand-in SDK" if synthetic else ""),
        'load("@rules_cc//cc:defs.bzl", "cc_library")',
        "",
        'package(default_visibility = ["//visibility:public"])',
        "",
        'exports_files(["sdk_info.json", "defs.bzl"])',
        "",
        "# AscendCL headers: #include <acl/acl.h>",
        "cc_library(",
        '    name = "acl_headers",',
        '    hdrs = glob(["sdk/include/acl/**/*.h"]),',
        '    includes = ["sdk/include"],',
        ")",
        "",
        "# AscendCL runtime: memory, devices, streams, events (what the ascend HAL calls). Linked by",
        "# name from the toolkit, so no search path into this repository is recorded in what links it",
        "# (the wheel finds the toolkit where it is installed: flagos/_vendor_runtime.py).",
        "cc_library(",
        '    name = "ascendcl",',
        '    linkopts = ["-L%s/lib64", "-lascendcl"],' % root,
        '    deps = [":acl_headers"],',
        ")",
        "",
        "# The same, with a search path to this repository's copy: for test binaries that run here.",
        "cc_library(",
        '    name = "ascendcl_with_search_path",',
        '    srcs = ["sdk/lib64/libascendcl.so"],',
        '    deps = [":acl_headers"],',
        ")",
        "",
        "# The runtime libraries themselves, as files (tests point ASCEND_HOME_PATH at them through",
        "# runfiles), with the stand-in SDK's marker where there is one.",
        "filegroup(",
        '    name = "runtime_files",',
        '    srcs = ["sdk/lib64/libascendcl.so", "sdk/lib64/libnnopbase.so", "sdk/lib64/libopapi.so"] +',
        '           glob(["sdk/FLAGOS_SYNTHETIC_SDK"]),',
        ")",
        "",
        "# aclnn operators: the ascend platform's native kernels. Linked by name, like :ascendcl.",
        "cc_library(",
        '    name = "aclnn",',
        '    hdrs = glob(["sdk/include/aclnn/**/*.h", "sdk/include/aclnnop/**/*.h"]),',
        '    includes = ["sdk/include"],',
        '    linkopts = ["-L%s/lib64", "-lopapi", "-lnnopbase"],' % root,
        '    deps = [":ascendcl"],',
        ")",
        "",
    ]
    if synthetic:
        build += [
            "# The stand-in SDK's test-control API (fault injection, call records): tests only.",
            "cc_library(",
            '    name = "synthetic_control",',
            '    hdrs = glob(["sdk/include/flagos_synthetic/**/*.h"]),',
            '    includes = ["sdk/include"],',
            "    testonly = True,",
            '    deps = [":ascendcl"],',
            ")",
            "",
        ]
    rctx.file("BUILD.bazel", "\n".join(build))

cann_repository = repository_rule(
    implementation = _cann_repository_impl,
    attrs = {
        "environ_override": attr.string_dict(
            doc = "Tests only: resolve against these variables instead of the real environment " +
                  "(a value starting with @ or // is a file label standing for its directory).",
        ),
    },
    environ = CANN_VARIABLES,
    local = False,
    doc = "Finds the CANN toolkit; see the module docstring.",
)
