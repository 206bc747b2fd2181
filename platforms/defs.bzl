"""The platform table, and the per-platform build settings derived from it.

PLATFORMS is the one place the list of platforms is written. Everything per platform comes from
it: the --//platforms:platform values and config_settings, each select() (a platform's targets
live in platforms/<platform>/ under fixed names: `:platform`, `/hal`, `:routes`), the wheel's
version suffix, build info, the Python environment (its lock and torch libraries) and the
--config=<name> lines of platforms/platforms.bazelrc. It is a plain literal so that ./bazelw and
tools/platforms/table.py read the very same table (and a test checks platforms.bazelrc against it).
"""

PLATFORMS = {
    # lock: the torch build the platform compiles against, third_party/python/requirements_<lock>.lock
    #   (None: none yet, and `no_lock` says why). torch_libs: what libflagos.so links from torch/lib.
    # synthetic: the <platform>-synthetic configuration, built against the stand-in SDK of
    #   tests/synthetic_sdk (tests only), with its own lock and torch libraries; None: no such config.
    "host": {
        "lock": "host",
        "torch_libs": ["c10", "torch_cpu"],
        "synthetic": None,
    },
    "cuda": {
        "lock": "cuda",
        "torch_libs": ["c10", "torch_cpu", "c10_cuda", "torch_cuda"],
        "synthetic": None,
    },
    "metax": {
        "lock": None,
        "no_lock": "it compiles against MetaX's PyTorch build (its cuda device is the MetaX GPU), not on PyPI; --config=metax-synthetic builds against the synthetic stand-in SDK instead",
        "torch_libs": ["c10", "torch_cpu", "c10_cuda", "torch_cuda"],  # MetaX's build: cuda names over MACA
        # Stock CPU torch, without native aliases (nothing in it reads MetaX memory).
        "synthetic": {"lock": "host", "torch_libs": ["c10", "torch_cpu"]},
    },
    "ascend": {
        # Stock CPU torch: flagos itself is the NPU device (torch_npu, which takes the same
        # PrivateUse1 key, is not used), so there is no vendor torch build to compile against.
        "lock": "host",
        "torch_libs": ["c10", "torch_cpu"],
        "synthetic": {"lock": "host", "torch_libs": ["c10", "torch_cpu"]},
    },
}

PLATFORM_NAMES = list(PLATFORMS)

def _configs():
    configs = {}
    for name, row in PLATFORMS.items():
        configs[name] = struct(platform = name, synthetic = False, lock = row["lock"], torch_libs = row["torch_libs"])
        if row["synthetic"]:
            s = row["synthetic"]
            configs[name + "-synthetic"] = struct(platform = name, synthetic = True, lock = s["lock"],
                                                  torch_libs = s["torch_libs"])
    return configs

# --config=<name> -> struct(platform, synthetic, lock, torch_libs); <name> is also the Python
# environment's name (FLAGOS_PLATFORM, set by that config).
CONFIGS = _configs()

def python_locks():
    """Python environment name -> its lock file's label, for the environments that have one."""
    return {
        name: "//third_party/python:requirements_%s.lock" % c.lock
        for name, c in CONFIGS.items()
        if c.lock
    }

def per_platform(values):
    """select() over the platform flag; `values` maps platform name -> value (all must be given)."""
    missing = [p for p in PLATFORM_NAMES if p not in values]
    if missing:
        fail("per_platform: no value for " + ", ".join(missing))
    return select({"//platforms:" + p: values[p] for p in PLATFORM_NAMES})

def platform_target(target):
    """select() of the selected platform's `target`, a label in platforms/<platform>/ such as
    ":platform" or "/hal"."""
    return per_platform({p: "//platforms/" + p + target for p in PLATFORM_NAMES})

def platform_name():
    """select() of the selected platform's name."""
    return per_platform({p: p for p in PLATFORM_NAMES})

def config_name():
    """select() of the selected configuration's name: the platform's, or <platform>-synthetic."""
    values = {"//platforms:" + p: p for p in PLATFORM_NAMES}
    for name, c in CONFIGS.items():
        if c.synthetic:
            values["//platforms:" + c.platform + "_on_synthetic_sdk"] = name
    return select(values)

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

def wheel_version(version):
    """select() of the wheel's version: `version`+<platform> (a PEP 440 local version label)."""
    return per_platform({p: version + "+" + p for p in PLATFORM_NAMES})
