"""cuda_library: CUDA sources compiled by @local_cuda's nvcc into a cc_library.

One nvcc action per .cu file produces a position-independent object (machine code for each of
`archs`, plus PTX of the newest for forward compatibility); the objects are linked like any C++
object. Actions are sandbox-safe: each nvcc gets a private TMPDIR (nvcc_wrapper.sh).
Kernel sources are plain CUDA C++ with a C entry point; they do not include torch's headers.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")
load("@rules_cc//cc/common:cc_common.bzl", "cc_common")
load("@rules_cc//cc/common:cc_info.bzl", "CcInfo")

def _cuda_objects_impl(ctx):
    cc_ctx = cc_common.merge_cc_infos(cc_infos = [d[CcInfo] for d in ctx.attr.deps]).compilation_context
    nvcc = ctx.files._nvcc[0]
    outs = []
    for src in ctx.files.srcs:
        obj = ctx.actions.declare_file("_objs/%s/%s.pic.o" % (ctx.label.name, src.basename[:-len(".cu")]))
        args = ctx.actions.args()
        args.add(nvcc.path)
        args.add(obj.path)
        args.add_all(["-c", src.path, "-o", obj.path, "-std=c++17", "-O3", "-Xcompiler", "-fPIC",
                      "-Xcompiler", "-fvisibility=hidden", "-I."])
        args.add_all(cc_ctx.includes, before_each = "-I")
        args.add_all(cc_ctx.quote_includes, before_each = "-I")
        args.add_all(cc_ctx.system_includes, before_each = "-isystem")
        args.add_all(cc_ctx.defines, format_each = "-D%s")
        for arch in ctx.attr.archs:
            args.add("-gencode=arch=compute_%s,code=sm_%s" % (arch, arch))
        newest = ctx.attr.archs[-1]
        args.add("-gencode=arch=compute_%s,code=compute_%s" % (newest, newest))
        args.add_all(ctx.attr.copts)
        ctx.actions.run(
            executable = ctx.executable._wrapper,
            arguments = [args],
            inputs = depset([src] + ctx.files.hdrs, transitive = [cc_ctx.headers, ctx.attr._toolkit.files]),
            outputs = [obj],
            mnemonic = "NvccCompile",
            progress_message = "nvcc %s" % src.short_path,
            use_default_shell_env = True,  # nvcc finds the host compiler (gcc) on PATH
        )
        outs.append(obj)
    return [DefaultInfo(files = depset(outs))]

_cuda_objects = rule(
    implementation = _cuda_objects_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".cu"]),
        "hdrs": attr.label_list(allow_files = True),
        "deps": attr.label_list(providers = [CcInfo]),
        "archs": attr.string_list(mandatory = True),
        "copts": attr.string_list(),
        "_nvcc": attr.label(default = "@local_cuda//:nvcc", allow_files = True),
        "_toolkit": attr.label(default = "@local_cuda//:toolkit"),
        "_wrapper": attr.label(default = Label("//tools/cuda:nvcc_wrapper.sh"), executable = True, cfg = "exec", allow_single_file = True),
    },
)

def cuda_library(name, srcs, hdrs = [], deps = [], archs = ["80", "90"], copts = [], **kwargs):
    """A cc_library whose .cu sources nvcc compiles for `archs` (default sm_80 and sm_90)."""
    _cuda_objects(
        name = name + "_objects",
        srcs = srcs,
        hdrs = hdrs,
        deps = deps + ["@local_cuda//:cuda_headers"],
        archs = archs,
        copts = copts,
        target_compatible_with = kwargs.get("target_compatible_with"),
        visibility = ["//visibility:private"],
    )
    cc_library(
        name = name,
        srcs = [":" + name + "_objects"],
        hdrs = hdrs,
        deps = deps + ["@local_cuda//:cudart"],
        alwayslink = True,
        **kwargs
    )
