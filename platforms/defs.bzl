"""Helpers for per-platform targets."""

PLATFORMS = ["host", "cuda", "metax", "ascend"]

def per_platform(values):
    """select() over the platform flag; `values` maps platform name -> value (all must be given)."""
    missing = [p for p in PLATFORMS if p not in values]
    if missing:
        fail("per_platform: no value for " + ", ".join(missing))
    return select({"//platforms:" + p: values[p] for p in PLATFORMS})

def only_on(*platforms):
    """target_compatible_with value: the target builds only on the given platforms."""
    return select(dict(
        [("//platforms:" + p, []) for p in platforms] +
        [("//conditions:default", ["//platforms:incompatible"])],
    ))

def _not_yet_impl(ctx):
    fail(("\nflagos platform '%s' cannot be built yet: %s\n" +
          "Build the host platform (the default) or see platforms/README.md.") % (ctx.attr.platform, ctx.attr.reason))

not_yet_available = rule(
    implementation = _not_yet_impl,
    attrs = {
        "platform": attr.string(mandatory = True),
        "reason": attr.string(mandatory = True),
    },
    doc = "Stands in a platform's slot until the platform exists; any build that needs it fails at once with `reason`.",
)
