"""Installs a SYNTHETIC stand-in SDK (tests/synthetic_sdk/<sdk>/) as an external repository,
under its root/ directory.

Not the vendor's SDK: headers written by flagos declaring only the API subset flagos calls, a stub
runtime that implements it on host memory (tests/synthetic_sdk/README.md says how), and for MACA
a compiler wrapper named like the vendor's. "Installing" lays the files out as the vendor's
installer would (headers, lib/ or lib64/ with the runtime .so, version files, compiler under
mxgpu_llvm/bin) and compiles the stub runtime with the host C++ compiler, so that
third_party/cann and third_party/maca can be pointed at the result exactly as at a real SDK.
"""

# Files copied into the installed tree, per SDK (paths relative to tests/synthetic_sdk/<sdk>/).
SYNTHETIC_SDK_FILES = {
    "cann": [
        "FLAGOS_SYNTHETIC_SDK",
        "include/acl/acl.h",
        "include/acl/acl_base.h",
        "include/acl/acl_rt.h",
        "include/acl/error_codes/rt_error_codes.h",
        "include/aclnn/acl_meta.h",
        "include/aclnn/aclnn_base.h",
        "include/aclnnop/aclnn_add.h",
        "include/aclnnop/aclnn_batch_matmul.h",
        "include/aclnnop/aclnn_cast.h",
        "include/aclnnop/aclnn_copy.h",
        "include/aclnnop/aclnn_div.h",
        "include/aclnnop/aclnn_embedding.h",
        "include/aclnnop/aclnn_embedding_dense_backward.h",
        "include/aclnnop/aclnn_layer_norm.h",
        "include/aclnnop/aclnn_layer_norm_backward.h",
        "include/aclnnop/aclnn_mean.h",
        "include/aclnnop/aclnn_mm.h",
        "include/aclnnop/aclnn_mul.h",
        "include/aclnnop/aclnn_pow.h",
        "include/aclnnop/aclnn_rms_norm.h",
        "include/aclnnop/aclnn_rms_norm_grad.h",
        "include/aclnnop/aclnn_rsqrt.h",
        "include/aclnnop/aclnn_silu.h",
        "include/aclnnop/aclnn_softmax.h",
        "include/aclnnop/aclnn_softmax_backward.h",
        "include/aclnnop/aclnn_sub.h",
        "include/flagos_synthetic/acl_control.h",
        "x86_64-linux/ascend_toolkit_install.info",
    ],
    "maca": [
        "FLAGOS_SYNTHETIC_SDK",
        "Version.txt",
        "include/mcr/mc_runtime.h",
        "include/flagos_synthetic/mc_control.h",
        "tools/cu-bridge/include/cuda_runtime.h",
        "mxgpu_llvm/bin/mxcc",
        "mxgpu_llvm/include/flagos_synthetic_device.h",
    ],
}

# Sources of the stub runtime libraries, per SDK (relative to tests/synthetic_sdk/). install.sh
# compiles the .cc files (for cann, into libascendcl.so, libnnopbase.so or libopapi.so by name:
# acl_stub_*, aclnn_stub_base_*, aclnn_stub_op_*); the headers are listed so that editing them
# re-installs the SDK.
_COMMON_SOURCES = [
    "common/synthetic_device.h",
    "common/synthetic_device.cc",
    "common/stub_support.h",
    "common/stub_support.cc",
]

SYNTHETIC_SDK_SOURCES = {
    "cann": _COMMON_SOURCES + [
        "cann/src/acl_stub_internal.h",
        "cann/src/acl_stub_exports.h",
        "cann/src/acl_stub_device.cc",
        "cann/src/acl_stub_memory.cc",
        "cann/src/acl_stub_streams.cc",
        "cann/src/acl_stub_control.cc",
        "cann/src/aclnn_stub_internal.h",
        "cann/src/aclnn_stub_base_dtype.cc",
        "cann/src/aclnn_stub_base_tensor.cc",
        "cann/src/aclnn_stub_base_view.cc",
        "cann/src/aclnn_stub_op_executor.cc",
        "cann/src/aclnn_stub_op_matmul.cc",
        "cann/src/aclnn_stub_op_elementwise.cc",
        "cann/src/aclnn_stub_op_norm.cc",
        "cann/src/aclnn_stub_op_norm_grad.cc",
        "cann/src/aclnn_stub_op_embedding_grad.cc",
        "cann/src/aclnn_stub_op_reduce.cc",
        "cann/src/aclnn_stub_op_copy.cc",
    ],
    "maca": _COMMON_SOURCES + ["maca/src/mc_stub.cc"],
}

_EXECUTABLES = ["mxgpu_llvm/bin/mxcc"]

def _synthetic_sdk_repository_impl(rctx):
    sdk = rctx.attr.sdk
    if sdk not in SYNTHETIC_SDK_FILES:
        fail("synthetic_sdk_repository: sdk must be one of %s" % ", ".join(SYNTHETIC_SDK_FILES))
    cxx = rctx.os.environ.get("CXX", "") or rctx.which("g++") or rctx.which("c++") or rctx.which("clang++")
    if not cxx:
        fail("synthetic_sdk_repository: no host C++ compiler (g++, c++ or clang++ on PATH, or CXX)")
    cxx = str(cxx)
    for path in SYNTHETIC_SDK_FILES[sdk]:
        src = rctx.path(Label("//tests/synthetic_sdk:%s/%s" % (sdk, path)))
        rctx.template("root/" + path, src, {"@HOST_CXX@": cxx}, executable = path in _EXECUTABLES)
    sources = [str(rctx.path(Label("//tests/synthetic_sdk:" + s))) for s in SYNTHETIC_SDK_SOURCES[sdk]]
    install = rctx.path(Label("//tests/synthetic_sdk:install.sh"))
    res = rctx.execute(["bash", str(install), sdk, str(rctx.path("root")), cxx] + sources, timeout = 600)
    if res.return_code != 0:
        fail("installing the synthetic %s SDK failed (exit %d):\n%s%s" % (sdk, res.return_code, res.stdout, res.stderr))
    rctx.file("BUILD.bazel", "\n".join([
        "# A SYNTHETIC stand-in SDK installed from //tests/synthetic_sdk/%s (not the vendor's files)." % sdk,
        "# Consumed through third_party/%s's repository rule (@%s_synthetic), like a real SDK." % (
            "cann" if sdk == "cann" else "maca",
            sdk,
        ),
        "# The SDK tree is root/ (no BUILD file inside, like a vendor's install directory).",
        'exports_files(["root/FLAGOS_SYNTHETIC_SDK"])',
        "",
    ]))

synthetic_sdk_repository = repository_rule(
    implementation = _synthetic_sdk_repository_impl,
    attrs = {"sdk": attr.string(mandatory = True, values = ["cann", "maca"])},
    environ = ["CXX"],
    local = False,
    doc = "Installs tests/synthetic_sdk/<sdk> (headers, stub runtime, compiler wrapper) as a stand-in SDK tree.",
)
