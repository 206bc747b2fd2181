#!/usr/bin/env python3
"""Routing tables (platforms/<platform>/routes.conf): read, check and flatten them.

A routing table says which provider runs each ATen operator on flagos tensors:

    # comment (also after a statement)
    default = <provider>             every operator not listed
    <op>.<overload> = <provider>     one overload of aten::<op>, e.g. mm.default, add.Tensor, add.out
    include <file>                   the statements of <file> (relative to this file's directory)

Providers: native (the platform's own kernels), flaggems (FlagGems' Triton kernels), cpu (copy
to the host, run ATen's CPU kernel, copy back). Statements apply in order and later ones win, so a
table can include a base table and override parts of it; within one file an operator may be
listed only once (a second line is almost always a mistake). The effective table must have a
default. Includes may nest; a cycle is an error.

The wheel ships one file (flagos/routes.conf), so a table that includes others is flattened at
build time: `routes.py flatten <in> <out>` writes the effective table with no includes.

    python3 tools/routes/routes.py check platforms/*/routes.conf
    python3 tools/routes/routes.py flatten platforms/ascend/routes.conf out.conf
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys

PROVIDERS = ("native", "flaggems", "cpu")
_OP = re.compile(r"^[a-z_][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")
_INCLUDE = re.compile(r"^include\s+(\S+)$")
_ASSIGN = re.compile(r"^(\S+)\s*=\s*(\S+)$")


class RoutesError(Exception):
    """A malformed table; the message names the file and line."""


@dataclasses.dataclass
class Table:
    default: str | None = None
    default_origin: str = ""
    routes: dict[str, str] = dataclasses.field(default_factory=dict)   # op.overload -> provider, in order
    origin: dict[str, str] = dataclasses.field(default_factory=dict)   # op.overload -> "file:line"

    def provider(self, op: str) -> str:
        """The provider that runs `op` (op.overload)."""
        return self.routes.get(op, self.default or "")


def _read(path: str, table: Table, stack: list[str]) -> None:
    real = os.path.realpath(path)
    if real in stack:
        chain = " -> ".join(stack[stack.index(real):] + [real])
        raise RoutesError(f"{path}: include cycle: {chain}")
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise RoutesError(f"{path}: cannot read: {e.strerror}") from None
    stack.append(real)
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, 1):
        where = f"{path}:{number}"
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if m := _INCLUDE.match(line):
            _read(os.path.join(os.path.dirname(path), m.group(1)), table, stack)
            continue
        m = _ASSIGN.match(line)
        if not m:
            raise RoutesError(f"{where}: expected '<op>.<overload> = <provider>', 'default = <provider>' "
                              f"or 'include <file>', got: {raw.strip()}")
        key, provider = m.group(1), m.group(2)
        if provider not in PROVIDERS:
            raise RoutesError(f"{where}: unknown provider '{provider}' (providers: {', '.join(PROVIDERS)})")
        if key in seen:
            raise RoutesError(f"{where}: '{key}' is already routed on line {seen[key]} of this file")
        seen[key] = number
        if key == "default":
            table.default, table.default_origin = provider, where
        elif _OP.match(key):
            table.routes.pop(key, None)  # a later statement wins and takes the later position
            table.routes[key] = provider
            table.origin[key] = where
        else:
            raise RoutesError(f"{where}: '{key}' is not an operator overload like mm.default or add.Tensor")
    stack.pop()


def load(path: str) -> Table:
    """The effective table of `path` (includes expanded); RoutesError if it is malformed."""
    table = Table()
    _read(path, table, [])
    if table.default is None:
        raise RoutesError(f"{path}: no 'default = <provider>' line (in the file or its includes)")
    return table


def flatten(table: Table, source: str) -> str:
    """The effective table as one file without includes."""
    out = [f"# flagos routing table, flattened from {source} by tools/routes/routes.py.",
           f"default = {table.default}"]
    out += [f"{op} = {provider}" for op, provider in table.routes.items()]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check tables and summarise them")
    check.add_argument("files", nargs="+")
    flat = sub.add_parser("flatten", help="write a table's effective content without includes")
    flat.add_argument("input")
    flat.add_argument("output")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            for path in args.files:
                table = load(path)
                counts = {p: sum(1 for v in table.routes.values() if v == p) for p in PROVIDERS}
                print(f"{path}: default {table.default}; " + ", ".join(f"{n} {p}" for p, n in counts.items()))
        else:
            text = flatten(load(args.input), args.input)
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
    except RoutesError as e:
        print(f"routes.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
