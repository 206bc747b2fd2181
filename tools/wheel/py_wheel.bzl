"""flagos_wheel: packs a Python package (sources + data, e.g. the native library) into a wheel.

Works on Bazel 4.2.3 without rules_python's wheel machinery. Files are taken from the runfiles of
`deps` whose workspace path starts with one of `packages`; `extra_files` maps other targets'
single files to explicit paths in the wheel (generated build info, the platform's routing table).
"""

load("@rules_python//python:defs.bzl", "PyInfo")

def _flagos_wheel_impl(ctx):
    version = ctx.attr.version
    tag = "%s-%s-%s" % (ctx.attr.python_tag, ctx.attr.abi_tag, ctx.attr.platform_tag)
    out = ctx.actions.declare_file("%s-%s-%s.whl" % (ctx.attr.distribution.replace("-", "_"), version, tag))

    sets = []
    for dep in ctx.attr.deps:
        sets.append(dep[DefaultInfo].files)
        sets.append(dep[DefaultInfo].default_runfiles.files)
        if PyInfo in dep:
            sets.append(dep[PyInfo].transitive_sources)
    lines, inputs, seen = [], [], {}
    for f in depset(transitive = sets).to_list():
        path = f.short_path
        if path.startswith("../") or path in seen:
            continue
        if not [p for p in ctx.attr.packages if path.startswith(p + "/")]:
            continue
        seen[path] = True
        lines.append("%s\t%s" % (path, f.path))
        inputs.append(f)
    for target, dest in ctx.attr.extra_files.items():
        files = target.files.to_list()
        if len(files) != 1:
            fail("extra_files: %s must give exactly one file, got %d" % (target.label, len(files)))
        if dest in seen:
            fail("extra_files: %s is already in the wheel" % dest)
        seen[dest] = True
        lines.append("%s\t%s" % (dest, files[0].path))
        inputs.append(files[0])

    manifest = ctx.actions.declare_file(ctx.label.name + ".manifest")
    ctx.actions.write(manifest, "\n".join(sorted(lines)) + "\n")

    args = ctx.actions.args()
    args.add("--out", out)
    args.add("--name", ctx.attr.distribution)
    args.add("--version", version)
    args.add("--tag", tag)
    args.add("--manifest", manifest)
    args.add_all(ctx.attr.requires, before_each = "--requires")
    args.add_all(ctx.attr.entry_points, before_each = "--entry_point")
    for flag, value in [("--summary", ctx.attr.summary), ("--python_requires", ctx.attr.python_requires),
                        ("--license", ctx.attr.license)]:
        if value:
            args.add(flag, value)
    if ctx.file.description_file:
        args.add("--description_file", ctx.file.description_file)
        inputs.append(ctx.file.description_file)
    ctx.actions.run(
        executable = ctx.executable._wheelmaker,
        arguments = [args],
        inputs = inputs + [manifest],
        outputs = [out],
        mnemonic = "PyWheel",
        progress_message = "Building wheel %s" % out.basename,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

flagos_wheel = rule(
    implementation = _flagos_wheel_impl,
    attrs = {
        "deps": attr.label_list(doc = "py_library targets whose sources and data are packed"),
        "packages": attr.string_list(mandatory = True, doc = "top-level package directories to include"),
        "extra_files": attr.label_keyed_string_dict(allow_files = True, doc = "target -> path in the wheel"),
        "distribution": attr.string(mandatory = True),
        "version": attr.string(mandatory = True),
        "python_tag": attr.string(default = "py3"),
        "abi_tag": attr.string(default = "none"),
        "platform_tag": attr.string(default = "any"),
        "requires": attr.string_list(),
        "entry_points": attr.string_list(doc = "group:name=module:attr"),
        "summary": attr.string(),
        "license": attr.string(),
        "python_requires": attr.string(),
        "description_file": attr.label(allow_single_file = True),
        "_wheelmaker": attr.label(default = Label("//tools/wheel:wheelmaker"), executable = True, cfg = "exec"),
    },
)
