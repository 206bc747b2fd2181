#!/usr/bin/env python3
"""The platform table (platforms/defs.bzl: PLATFORMS) read outside Bazel, by ./bazelw and a test.

    table.py env ARGS...     the configuration and lock file the Bazel arguments ARGS select
                             (--config=<name> or --config <name>; none: host), as "<name> <lock>";
                             nothing when the configuration has no lock (Bazel then says why)
    table.py bazelrc         the --config=<name> lines of platforms/platforms.bazelrc
    table.py check-bazelrc   exit 1, with the fix, unless platforms/platforms.bazelrc is up to date

PLATFORMS is a plain literal (strings, lists, dicts, None), read with ast.literal_eval: the same
table, not a copy of it.
"""
from __future__ import annotations

import ast
import pathlib
import sys
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[2]
TABLE = ROOT / "platforms" / "defs.bzl"
BAZELRC = ROOT / "platforms" / "platforms.bazelrc"


def platforms(path: pathlib.Path = TABLE) -> dict[str, dict[str, Any]]:
    """The PLATFORMS literal of platforms/defs.bzl."""
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["PLATFORMS"]:
            return ast.literal_eval(node.value)
    raise SystemExit(f"{path}: no PLATFORMS = {{...}} literal")


def configs(table: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """--config name -> {platform, synthetic, lock}: as defs.bzl's CONFIGS."""
    out = {}
    for name, row in table.items():
        out[name] = {"platform": name, "synthetic": False, "lock": row["lock"]}
        if row["synthetic"]:
            out[name + "-synthetic"] = {"platform": name, "synthetic": True, "lock": row["synthetic"]["lock"]}
    return out


def selected_config(args: list[str], names: set[str]) -> str:
    """The last --config=<name> / --config <name> among `args` that names a table configuration."""
    chosen = "host"
    for i, arg in enumerate(args):
        value = None
        if arg.startswith("--config="):
            value = arg[len("--config="):]
        elif arg == "--config" and i + 1 < len(args):
            value = args[i + 1]
        if value in names:
            chosen = value
    return chosen


def bazelrc(table: dict[str, dict[str, Any]]) -> str:
    lines = [
        "# Generated from the platform table (platforms/defs.bzl) by tools/platforms/table.py bazelrc:",
        "# do not edit; a test (//tests/build:test_platform_table) checks it is up to date.",
        "#",
        "# --config=<platform>: the flag select() reads, the Python environment (torch build) that",
        "# @flagos_python materialises, and an output directory of its own so that switching platforms",
        "# does not rebuild the other one. `common` (not `build`) so that query/fetch see the same repo_env.",
        "# --config=<platform>-synthetic: the platform against the SYNTHETIC stand-in SDK of",
        "# tests/synthetic_sdk (tests only), in the platform's output directory.",
        "common --repo_env=FLAGOS_PLATFORM=host",
    ]
    for name, c in configs(table).items():
        lines.append("")
        if c["synthetic"]:
            lines += [
                f"build:{name} --config={c['platform']}",
                f"build:{name} --//platforms:synthetic_sdk",
                f"build:{name} --repo_env=FLAGOS_PLATFORM={name}",
            ]
        else:
            lines.append(f"build:{name} --//platforms:platform={name}")
            if name != "host":
                lines.append(f"build:{name} --platform_suffix=-{name}")
        lines.append(f"common:{name} --repo_env=FLAGOS_PLATFORM={name}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    table = platforms()
    verb, args = argv[0], argv[1:]
    if verb == "env":
        cfgs = configs(table)
        name = selected_config(args, set(cfgs))
        lock = cfgs[name]["lock"]
        if lock:
            print(name, ROOT / "third_party" / "python" / f"requirements_{lock}.lock")
        return 0
    if verb == "bazelrc":
        sys.stdout.write(bazelrc(table))
        return 0
    if verb == "check-bazelrc":
        if BAZELRC.read_text() != bazelrc(table):
            print(f"{BAZELRC} is out of date with platforms/defs.bzl. Fix:\n"
                  f"  python3 tools/platforms/table.py bazelrc > platforms/platforms.bazelrc", file=sys.stderr)
            return 1
        return 0
    print(f"table.py: unknown verb {verb!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
