"""@local_cuda: the CUDA toolkit used by --config=cuda.

Looked up in CUDA_HOME, CUDA_PATH, the directory of `nvcc` on PATH, then /usr/local/cuda. When the
build targets the cuda platform (FLAGOS_PLATFORM=cuda) and none has bin/nvcc, include/cuda_runtime.h
and lib64/libcudart.so, the repository fails at once with the places searched and what to set.
For other platforms it is an empty stand-in that never fails (nothing uses it).

Generated targets: :nvcc (the compiler), :toolkit (files nvcc needs), :cuda_headers, :cudart
(dynamic, so that flagos shares the CUDA runtime instance torch loads: one current device, one
set of streams). defs.bzl: CUDA_FOUND, CUDA_VERSION ("13.0"), CUDA_ROOT.
"""

_REQUIRED = ["bin/nvcc", "include/cuda_runtime.h"]

def _candidates(rctx):
    out = []
    for var in ["CUDA_HOME", "CUDA_PATH"]:
        value = rctx.os.environ.get(var, "")
        if value:
            out.append((value, "$" + var))
    nvcc = rctx.which("nvcc")
    if nvcc:
        out.append((str(nvcc.dirname.dirname), "nvcc on PATH"))
    out.append(("/usr/local/cuda", "default location"))
    return out

def _libdir(rctx, root):
    for d in ["lib64", "lib", "targets/x86_64-linux/lib"]:
        if rctx.path(root + "/" + d + "/libcudart.so").exists:
            return d
    return None

def _version(rctx, root):
    res = rctx.execute([root + "/bin/nvcc", "--version"])
    for line in res.stdout.splitlines():
        if "release " in line:
            return line.split("release ")[1].split(",")[0].strip()
    return ""

def _stand_in(rctx, reason):
    rctx.file("BUILD.bazel", "\n".join([
        'package(default_visibility = ["//visibility:public"])',
        'filegroup(name = "toolkit")',
        'filegroup(name = "nvcc")',
        'cc_library(name = "cuda_headers")',
        'cc_library(name = "cudart")',
        "",
    ]))
    rctx.file("defs.bzl", "CUDA_FOUND = False\nCUDA_VERSION = ''\nCUDA_ROOT = ''\nCUDA_MISSING_REASON = %r\n" % reason)

def _local_cuda_impl(rctx):
    platform = rctx.os.environ.get("FLAGOS_PLATFORM", "host")
    searched = []
    for root, source in _candidates(rctx):
        missing = [f for f in _REQUIRED if not rctx.path(root + "/" + f).exists]
        libdir = _libdir(rctx, root)
        if not libdir:
            missing.append("lib64/libcudart.so")
        if missing:
            searched.append("  %s (%s): missing %s" % (root, source, ", ".join(missing)))
            continue
        rctx.symlink(root, "cuda")
        version = _version(rctx, root)
        rctx.template("BUILD.bazel", rctx.attr._build_tpl, {"%{libdir}": libdir, "%{root}": root}, executable = False)
        rctx.file("defs.bzl", "CUDA_FOUND = True\nCUDA_VERSION = %r\nCUDA_ROOT = %r\nCUDA_MISSING_REASON = ''\n" %
                              (version, root))
        return
    reason = "no CUDA toolkit found. Searched:\n" + "\n".join(searched) + (
        "\nInstall the CUDA toolkit (nvcc, headers, libcudart) and set CUDA_HOME to its root " +
        "(the directory holding bin/nvcc), e.g. CUDA_HOME=/usr/local/cuda-13.0.")
    if platform == "cuda":
        fail("\n[@local_cuda] --config=cuda needs a CUDA toolkit, but " + reason + "\n")
    _stand_in(rctx, reason)

local_cuda_repository = repository_rule(
    implementation = _local_cuda_impl,
    attrs = {"_build_tpl": attr.label(default = Label("//third_party/cuda:BUILD.local_cuda.tpl"))},
    environ = ["CUDA_HOME", "CUDA_PATH", "PATH", "FLAGOS_PLATFORM"],
)
