"""mxcc_library: MetaX device code (.maca, .cu) compiled by the MACA SDK's mxcc, as a cc_library.

    load("//tools/maca:maca.bzl", "mxcc_library")
    mxcc_library(
        name = "kernels",
        srcs = ["axpy.maca", "scale.cu"],   # one mxcc action each -> position-independent objects
        hdrs = ["kernels.h"],               # host-callable declarations
        offload_archs = ["xcore1000"],      # MetaX architectures (default: xcore1000)
    )

Each source becomes one `mxcc -x maca -c <src> -o <obj> -fPIC --offload-arch=<arch>...
--maca-path=<SDK>` action (mnemonic MxccCompile); the objects are wrapped in a cc_library that
also links the MACA runtime, so cc_binary/cc_test/shared libraries link it like any C++ code.
`.cu` sources are CUDA-named code: they see MetaX's cu-bridge headers (`<cuda_runtime.h>` over
mc*), as do `.maca` sources (the include path is the same).

The SDK comes from a repository made by third_party/maca (`maca = "@maca"`, the default; tests
use "@maca_synthetic"): its :toolchain target carries mxcc and the SDK files the compile reads,
all declared as action inputs, so the action works in Bazel's sandbox (--config=strict or not:
MxccCompile is sandboxed by default). Each action writes only its own object; mxcc's temporary
files go to its TMPDIR. Without an SDK the :toolchain target fails at analysis with the SDK
repository's message.

metax_only = True makes the target exist only in --config=metax builds (platform kernels): in
other configurations it is incompatible and does not depend on the SDK at all.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")
load("@rules_cc//cc/common:cc_common.bzl", "cc_common")
load("@rules_cc//cc/common:cc_info.bzl", "CcInfo")
load("//platforms:defs.bzl", "only_on")

DEFAULT_OFFLOAD_ARCHS = ["xcore1000"]

def _object_path(ctx, src):
    path = src.short_path.replace("../", "external/")
    stem = path.rsplit(".", 1)[0]
    return "_objs/%s/%s.pic.o" % (ctx.label.name, stem)

def _mxcc_objects_impl(ctx):
    if not ctx.attr.toolchain:
        return [DefaultInfo(files = depset())]  # a metax_only target outside --config=metax
    toolchain = ctx.attr.toolchain
    variables = toolchain[platform_common.TemplateVariableInfo].variables
    cc = cc_common.merge_cc_infos(cc_infos = [d[CcInfo] for d in ctx.attr.deps]).compilation_context
    objects = []
    for src in ctx.files.srcs:
        obj = ctx.actions.declare_file(_object_path(ctx, src))
        args = ctx.actions.args()
        args.add_all(["-x", "maca", "-c", src.path, "-o", obj.path])
        args.add_all(["-fPIC", "-std=c++17", "-O2"])
        args.add_all(ctx.attr.offload_archs, format_each = "--offload-arch=%s")
        args.add("--maca-path=" + variables["MACA_ROOT"])
        args.add_all(["-iquote", ".", "-iquote", ctx.bin_dir.path])
        args.add_all(cc.quote_includes, before_each = "-iquote")
        args.add_all(cc.includes, before_each = "-I")
        args.add_all(cc.system_includes, before_each = "-isystem")
        args.add_all(cc.defines, format_each = "-D%s")
        args.add_all(ctx.attr.copts)
        ctx.actions.run(
            executable = variables["MXCC"],
            arguments = [args],
            inputs = depset([src] + ctx.files.hdrs, transitive = [cc.headers, toolchain[DefaultInfo].files]),
            outputs = [obj],
            mnemonic = "MxccCompile",
            progress_message = "mxcc %s" % src.short_path,
            use_default_shell_env = True,
        )
        objects.append(obj)
    return [DefaultInfo(files = depset(objects))]

mxcc_objects = rule(
    implementation = _mxcc_objects_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".maca", ".cu"], doc = "device sources, one object each"),
        "hdrs": attr.label_list(allow_files = True, doc = "headers the sources include"),
        "deps": attr.label_list(providers = [CcInfo], doc = "cc targets whose headers, includes and defines the sources use"),
        "offload_archs": attr.string_list(default = DEFAULT_OFFLOAD_ARCHS, doc = "MetaX architectures (--offload-arch)"),
        "copts": attr.string_list(doc = "extra mxcc flags"),
        "toolchain": attr.label(doc = "a third_party/maca repository's :toolchain (mxcc, SDK files, MACA_ROOT)"),
    },
    doc = "Compiles MetaX device sources with mxcc into position-independent objects (see mxcc_library).",
)

def mxcc_library(
        name,
        srcs,
        hdrs = [],
        deps = [],
        offload_archs = None,
        copts = [],
        maca = "@maca",
        metax_only = False,
        **kwargs):
    """A cc_library whose .maca/.cu sources are compiled by the MACA SDK's mxcc (see above)."""
    sdk_objects = [maca + "//:cu_bridge"]
    sdk_link = [maca + "//:mcruntime"]
    toolchain = maca + "//:toolchain"
    if metax_only:
        sdk_objects = select({"//platforms:metax": sdk_objects, "//conditions:default": []})
        sdk_link = select({"//platforms:metax": sdk_link, "//conditions:default": []})
        toolchain = select({"//platforms:metax": toolchain, "//conditions:default": None})
        kwargs["target_compatible_with"] = only_on("metax")
    mxcc_objects(
        name = name + "_mxcc_objects",
        srcs = srcs,
        hdrs = hdrs,
        deps = deps + sdk_objects,
        offload_archs = offload_archs or DEFAULT_OFFLOAD_ARCHS,
        copts = copts,
        toolchain = toolchain,
        testonly = kwargs.get("testonly"),
        tags = kwargs.get("tags"),
        target_compatible_with = kwargs.get("target_compatible_with"),
        visibility = ["//visibility:private"],
    )
    cc_library(
        name = name,
        srcs = [":" + name + "_mxcc_objects"],
        hdrs = hdrs,
        deps = deps + sdk_link,
        alwayslink = True,
        **kwargs
    )
