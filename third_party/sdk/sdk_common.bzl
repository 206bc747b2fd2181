"""Shared logic of the vendor-SDK repository rules (third_party/cann, third_party/maca).

A vendor SDK repository either finds the SDK and exposes it (cc_library targets, the compiler, a
defs.bzl with FOUND/VERSION/ROOT), or generates the same target names as rules that fail at
analysis time with a message naming the variable that was consulted, the directory searched and
the files expected there. A build that does not need the SDK never notices either way: the rule
runs only when something loads the repository.

The functions without `rctx` are pure (strings and dicts in, strings and structs out) so that
tests/vendor/sdk_rules_test.bzl can unit-test them.
"""

def resolve_root(environ, variables, default):
    """Which SDK directory to use.

    Args:
      environ: dict of environment variables (rctx.os.environ, or a test's stand-in).
      variables: names consulted in order, e.g. ["ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME"].
      default: the vendor's default install directory.

    Returns:
      struct(root, source): `source` is the variable that supplied `root`, or "" for the default.
      A variable set to an empty string counts as unset.
    """
    for var in variables:
        value = environ.get(var, "")
        if value:
            # Installers and set_env.sh scripts sometimes leave a trailing slash.
            for _ in range(len(value)):
                if len(value) > 1 and value.endswith("/"):
                    value = value[:-1]
            return struct(root = value, source = var)
    return struct(root = default, source = "")

def describe_search(resolved, variables):
    """One line saying where the directory came from, for messages and sdk_info.json."""
    if resolved.source:
        return "%s (from %s)" % (resolved.root, resolved.source)
    return "%s (the default: %s %s not set)" % (
        resolved.root,
        " and ".join(variables) if len(variables) <= 2 else ", ".join(variables),
        "is" if len(variables) == 1 else "are",
    )

def missing_message(sdk, config, resolved, variables, root_exists, missing, hint):
    """The message of every target of a repository whose SDK was not found.

    Args:
      sdk: human name, e.g. "Ascend CANN toolkit".
      config: the --config that needs it, e.g. "ascend".
      resolved: resolve_root()'s result.
      variables: the variables consulted, in order.
      root_exists: whether the searched directory exists at all.
      missing: list of (relative path or alternatives, what it is) that were not found.
      hint: how to install / point at the SDK (one or more lines).
    """
    lines = [
        "",
        "flagos: the %s was not found, so --config=%s cannot be built." % (sdk, config),
        "  searched: " + describe_search(resolved, variables),
    ]
    if not root_exists:
        lines.append("  that directory does not exist.")
    lines.append("  expected there, and missing:")
    width = max([len(path) for path, _ in missing]) if missing else 0
    for path, what in missing:
        lines.append("    %s  %s" % (path + " " * (width - len(path)), what))
    lines.append("  set %s to the SDK's directory (the variables are read in this order: %s), e.g." % (
        variables[0],
        ", ".join(variables),
    ))
    lines.append("    bazel build //:wheel --config=%s --repo_env=%s=/path/to/sdk" % (config, variables[0]))
    for line in hint.strip().split("\n"):
        lines.append("  " + line)
    return "\n".join(lines) + "\n"

def key_value(text, key, separators = "="):
    """Value of the first `key<sep>value` line of `text` (key compared case-insensitively)."""
    for line in text.split("\n"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for sep in separators.elems():
            if sep in line:
                k, _, v = line.partition(sep)
                if k.strip().lower() == key.lower():
                    return v.strip()
                break
    return ""

def check_files(rctx, root, expected):
    """Which of `expected` are absent under `root`.

    `expected` is a list of (alternatives, what): alternatives are relative paths separated by
    " or "; one existing alternative satisfies the entry. Returns (found, missing): `found` maps
    each satisfied entry's first alternative to the alternative that exists.
    """
    found = {}
    missing = []
    for alternatives, what in expected:
        hit = None
        for alt in alternatives.split(" or "):
            if rctx.path(root + "/" + alt).exists:
                hit = alt
                break
        if hit == None:
            missing.append((alternatives, what))
        else:
            found[alternatives.split(" or ")[0]] = hit
    return found, missing

def environ_of(rctx):
    """The environment the rule resolves against: the real one, or a test's stand-in.

    `environ_override` (a test-only attribute) replaces the whole environment, so tests behave the
    same on machines that have a real SDK installed. A value starting with "@" or "//" is a label
    of a file; the variable then holds that file's directory (how tests point at the synthetic
    SDK, whose location is only known once its repository exists).
    """
    override = getattr(rctx.attr, "environ_override", {})
    if not override:
        return rctx.os.environ
    environ = {}
    for key, value in override.items():
        if value.startswith("@") or value.startswith("//"):
            value = str(rctx.path(Label(value)).dirname)
        environ[key] = value
    return environ

_MISSING_BZL = '''"""Generated: stands in for the targets of an SDK that was not found."""

def _sdk_missing_impl(ctx):
    fail(ctx.attr.message)

sdk_missing = rule(
    implementation = _sdk_missing_impl,
    attrs = {"message": attr.string(mandatory = True)},
    doc = "Fails at analysis time with `message`: any build that needs the missing SDK stops at once.",
)
'''

def write_missing_repository(rctx, prefix, targets, message, info):
    """Generates the repository of an SDK that was not found.

    Every name in `targets` becomes a rule that fails at analysis time with `message`;
    defs.bzl says <prefix>_FOUND = False; MISSING.txt and sdk_info.json carry the same facts for
    tests and tools.
    """
    rctx.file("missing.bzl", _MISSING_BZL)
    rctx.file("MISSING.txt", message)
    rctx.file("sdk_info.json", json.encode_indent(info, indent = "  ") + "\n")
    build = [
        "# Generated by the flagos %s repository rule: the SDK was NOT found (see MISSING.txt)." % prefix.lower(),
        'load(":missing.bzl", "sdk_missing")',
        "",
        'package(default_visibility = ["//visibility:public"])',
        "",
        'exports_files(["MISSING.txt", "sdk_info.json", "defs.bzl"])',
        "",
    ]
    for name in targets:
        build.append("sdk_missing(name = %r, message = %r)" % (name, message))
    rctx.file("BUILD.bazel", "\n".join(build) + "\n")
    rctx.file("defs.bzl", "\n".join([
        '"""Generated: the SDK was not found (see MISSING.txt)."""',
        "%s_FOUND = False" % prefix,
        "%s_ROOT = %r" % (prefix, info["root"]),
        "%s_ROOT_SOURCE = %r" % (prefix, info["root_source"]),
        "%s_VERSION = ''" % prefix,
        "%s_VERSION_SOURCE = ''" % prefix,
        "%s_SYNTHETIC = False" % prefix,
        "",
    ]))

def write_found_defs(rctx, prefix, info, extra = {}):
    """defs.bzl and sdk_info.json of a found SDK."""
    rctx.file("sdk_info.json", json.encode_indent(info, indent = "  ") + "\n")
    lines = [
        '"""Generated by the flagos %s repository rule."""' % prefix.lower(),
        "%s_FOUND = True" % prefix,
        "%s_ROOT = %r" % (prefix, info["root"]),
        "%s_ROOT_SOURCE = %r" % (prefix, info["root_source"]),
        "%s_VERSION = %r" % (prefix, info["version"]),
        "%s_VERSION_SOURCE = %r" % (prefix, info["version_source"]),
        "%s_SYNTHETIC = %r" % (prefix, info["synthetic"]),
    ]
    for key in sorted(extra):
        lines.append("%s_%s = %r" % (prefix, key, extra[key]))
    rctx.file("defs.bzl", "\n".join(lines) + "\n")

# A file at the root of the stand-in SDKs under tests/synthetic_sdk/. A repository that finds it
# says so (defs.bzl <PREFIX>_SYNTHETIC, sdk_info.json "synthetic"), so nothing built against the
# stand-in can be mistaken for a build against the vendor's SDK.
SYNTHETIC_MARKER = "FLAGOS_SYNTHETIC_SDK"
