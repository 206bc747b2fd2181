"""@maca: MetaX's MACA SDK (mxcc, the MACA runtime and cu-bridge) for --config=metax.

Where the SDK is looked for, in order:
  METAX_PATH    flagos' name for it
  MACA_PATH     the name MetaX's own environment scripts export
  /opt/maca     the installer's default
Both variables re-run the rule when they change (`environ`); after installing an SDK where the
rule already looked, run `bazel sync --only=maca` (or set the variable).

What must be there (relative to the SDK directory; the layout of MetaX's public environment
scripts: mxcc under mxgpu_llvm/bin, the runtime under include/mcr and lib, cu-bridge under
tools/cu-bridge):
  mxgpu_llvm/bin/mxcc        the MXMACA compiler (device code: .maca and .cu sources)
  include/mcr/mc_runtime.h   MACA runtime headers (the mc* API the metax HAL calls)
  lib/libmcruntime.so        MACA runtime library
  tools/cu-bridge/include    cu-bridge: CUDA-named headers over the MACA runtime (.cu sources)
Optional, recorded when present: tools/cu-bridge/bin/cucc (MACA_CUCC), lib/libruntime_cu.so
(linked into :cu_bridge).

Version: Version.txt (`Version:<v>` or a bare `<v>`), else the number after the first
"version" word of `mxcc --version`; "unknown" when neither says.

Generated (found):
  :mcruntime    MACA runtime headers (`<mc_runtime.h>`, `<mcr/mc_runtime.h>`) + libmcruntime.so
  :cu_bridge    cu-bridge headers (`<cuda_runtime.h>` over mc*) + :mcruntime (+ libruntime_cu.so)
  :toolchain    mxcc and its files, with MXCC / MACA_ROOT / MACA_VERSION as template variables
                (what tools/maca/maca.bzl's mxcc_library compiles with)
  :synthetic_control   only in the stand-in SDK of tests/synthetic_sdk: its test-control API
  defs.bzl      MACA_FOUND, MACA_ROOT, MACA_ROOT_SOURCE, MACA_VERSION, MACA_VERSION_SOURCE,
                MACA_SYNTHETIC, MACA_MXCC, MACA_CUCC
  sdk_info.json the same facts, for tests and tools
Generated (not found): the same targets, each failing at analysis time with a message naming the
variable, the directory searched and the files expected there; MACA_FOUND = False; MISSING.txt.
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

MACA_VARIABLES = ["METAX_PATH", "MACA_PATH"]
MACA_DEFAULT = "/opt/maca"

MACA_EXPECTED = [
    ("mxgpu_llvm/bin/mxcc", "the MXMACA compiler (device code: .maca and .cu sources)"),
    ("include/mcr/mc_runtime.h", "MACA runtime headers (the mc* API)"),
    ("lib/libmcruntime.so", "MACA runtime library"),
    ("tools/cu-bridge/include", "cu-bridge: CUDA-named headers over the MACA runtime"),
]

_MACA_HINT = """Install MetaX's MACA SDK (it installs to /opt/maca by default) or point METAX_PATH at it."""

_TARGETS = ["mcruntime", "cu_bridge", "toolchain"]

def maca_version(version_txt, mxcc_version_output):
    """The SDK version.

    Args:
      version_txt: (path, content) of Version.txt, or None when there is none.
      mxcc_version_output: what `mxcc --version` printed ("" when it was not run or failed).

    Returns:
      (version, source) or ("unknown", "").
    """
    if version_txt:
        path, content = version_txt
        version = key_value(content, "version", ":=")
        if not version:
            for line in content.split("\n"):
                if line.strip():
                    version = line.strip()
                    break
        if version:
            return version, path
    for line in mxcc_version_output.split("\n"):
        words = line.strip().split(" ")
        for i, word in enumerate(words):
            if word.lower() == "version" and i + 1 < len(words) and words[i + 1][:1].isdigit():
                return words[i + 1], "mxcc --version"
    return "unknown", ""

_TOOLCHAIN_BZL = '''"""Generated: the MACA compiler as a target (see tools/maca/maca.bzl)."""

def _maca_toolchain_impl(ctx):
    return [
        DefaultInfo(
            files = depset([ctx.file.compiler] + ctx.files.srcs),
            runfiles = ctx.runfiles(files = [ctx.file.compiler] + ctx.files.srcs),
        ),
        platform_common.TemplateVariableInfo({
            "MXCC": ctx.file.compiler.path,
            "MACA_ROOT": ctx.attr.root,
            "MACA_VERSION": ctx.attr.version,
            "MACA_SYNTHETIC": "1" if ctx.attr.synthetic else "0",
        }),
    ]

maca_toolchain = rule(
    implementation = _maca_toolchain_impl,
    attrs = {
        "compiler": attr.label(allow_single_file = True, mandatory = True),
        "srcs": attr.label_list(allow_files = True),
        "root": attr.string(mandatory = True),
        "version": attr.string(),
        "synthetic": attr.bool(),
    },
)
'''

def _maca_repository_impl(rctx):
    resolved = resolve_root(environ_of(rctx), MACA_VARIABLES, MACA_DEFAULT)
    root = resolved.root
    root_exists = rctx.path(root).exists
    found, missing = check_files(rctx, root, MACA_EXPECTED)
    info = {
        "sdk": "maca",
        "root": root,
        "root_source": resolved.source,
        "searched": describe_search(resolved, MACA_VARIABLES),
        "expected": [path for path, _ in MACA_EXPECTED],
    }
    if missing:
        message = missing_message("MetaX MACA SDK", "metax", resolved, MACA_VARIABLES, root_exists, missing, _MACA_HINT)
        info.update({"found": False, "missing": [path for path, _ in missing], "version": "", "version_source": "", "synthetic": False})
        write_missing_repository(rctx, "MACA", _TARGETS, message, info)
        return

    mxcc = root + "/mxgpu_llvm/bin/mxcc"
    version_txt = None
    for name in ["Version.txt", "version.txt"]:
        if rctx.path(root + "/" + name).exists:
            version_txt = (name, rctx.read(root + "/" + name))
            break
    mxcc_output = ""
    if not version_txt:
        res = rctx.execute([mxcc, "--version"], timeout = 30)
        mxcc_output = res.stdout if res.return_code == 0 else ""
    version, version_source = maca_version(version_txt, mxcc_output)
    synthetic = rctx.path(root + "/" + SYNTHETIC_MARKER).exists
    cucc = root + "/tools/cu-bridge/bin/cucc"
    cucc = cucc if rctx.path(cucc).exists else ""
    runtime_cu = rctx.path(root + "/lib/libruntime_cu.so").exists
    info.update({
        "found": True,
        "missing": [],
        "version": version,
        "version_source": version_source,
        "synthetic": synthetic,
        "mxcc": mxcc,
        "cucc": cucc,
    })
    rctx.symlink(root, "sdk")
    rctx.file("toolchain.bzl", _TOOLCHAIN_BZL)
    write_found_defs(rctx, "MACA", info, {"MXCC": mxcc, "CUCC": cucc})
    build = [
        "# Generated by //third_party/maca:maca.bzl from %s%s." % (info["searched"], " -- a SYNTHETIC stand-in SDK" if synthetic else ""),
        'load("@rules_cc//cc:defs.bzl", "cc_library")',
        'load(":toolchain.bzl", "maca_toolchain")',
        "",
        'package(default_visibility = ["//visibility:public"])',
        "",
        'exports_files(["sdk_info.json", "defs.bzl"])',
        "",
        "# MACA runtime headers.",
        "cc_library(",
        '    name = "mcruntime_headers",',
        '    hdrs = glob(["sdk/include/**/*.h"], exclude = ["sdk/include/flagos_synthetic/**"]),',
        '    includes = ["sdk/include", "sdk/include/mcr"],',
        ")",
        "",
        "# MACA runtime (mc* API): what the metax HAL calls. Linked by name from the SDK, so no search",
        "# path into this repository is recorded in what links it (the wheel finds the SDK where it is",
        "# installed: flagos/_vendor_runtime.py).",
        "cc_library(",
        '    name = "mcruntime",',
        '    linkopts = ["-L%s/lib", "-lmcruntime"],' % root,
        '    deps = [":mcruntime_headers"],',
        ")",
        "",
        "# The same, with a search path to this repository's copy: for test binaries that run here.",
        "cc_library(",
        '    name = "mcruntime_with_search_path",',
        '    srcs = ["sdk/lib/libmcruntime.so"],',
        '    deps = [":mcruntime_headers"],',
        ")",
        "",
        "# The runtime library itself, as a file (tests point METAX_PATH at it through runfiles), with",
        "# the stand-in SDK's marker where there is one.",
        "filegroup(",
        '    name = "runtime_files",',
        '    srcs = ["sdk/lib/libmcruntime.so"] + glob(["sdk/FLAGOS_SYNTHETIC_SDK"]),',
        ")",
        "",
        "# cu-bridge: CUDA-named API over the MACA runtime, for .cu sources.",
        "cc_library(",
        '    name = "cu_bridge",',
        '    hdrs = glob(["sdk/tools/cu-bridge/include/**/*.h", "sdk/tools/cu-bridge/include/**/*.hpp", "sdk/tools/cu-bridge/include/**/*.cuh"]),',
        '    srcs = %s,' % (repr(["sdk/lib/libruntime_cu.so"]) if runtime_cu else "[]"),
        '    includes = ["sdk/tools/cu-bridge/include"],',
        '    deps = [":mcruntime"],',
        ")",
        "",
        "# mxcc and the files it reads (declared so that sandboxed compiles see a consistent SDK).",
        "maca_toolchain(",
        '    name = "toolchain",',
        '    compiler = "sdk/mxgpu_llvm/bin/mxcc",',
        '    srcs = glob(["sdk/mxgpu_llvm/**", "sdk/include/**", "sdk/tools/cu-bridge/include/**"]),',
        "    root = %r," % root,
        "    version = %r," % version,
        "    synthetic = %r," % synthetic,
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
            '    deps = [":mcruntime"],',
            ")",
            "",
        ]
    rctx.file("BUILD.bazel", "\n".join(build))

maca_repository = repository_rule(
    implementation = _maca_repository_impl,
    attrs = {
        "environ_override": attr.string_dict(
            doc = "Tests only: resolve against these variables instead of the real environment " +
                  "(a value starting with @ or // is a file label standing for its directory).",
        ),
    },
    environ = MACA_VARIABLES,
    local = False,
    doc = "Finds the MACA SDK; see the module docstring.",
)
