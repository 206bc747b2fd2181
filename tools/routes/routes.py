#!/usr/bin/env python3
"""Platform routing tables (platforms/<platform>/routes.conf) at build time: check and flatten.

The format is flagos/routing/_file.py's (its docstring defines it); this tool reads it with that
same module, loaded by path so that no torch is needed. Platform tables may name only the built-in
providers, and must have a `default` line. The wheel ships one file (flagos/routes.conf), so a
table with includes is flattened when the wheel is built. Whether every operator exists in the
pinned torch is checked by flagos itself when it loads the table (tests/python/test_routing.py).

    python3 tools/routes/routes.py check platforms/*/routes.conf
    python3 tools/routes/routes.py flatten platforms/ascend/routes.conf out.conf
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import sys

PROVIDERS = ("native", "flaggems", "cpu")

_spec = importlib.util.spec_from_file_location(
    "flagos_routes_file", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../flagos/routing/_file.py"))
_file = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _file  # dataclasses look their module up there
_spec.loader.exec_module(_file)


class RoutesError(Exception):
    """A malformed platform table; the message names the file and line."""


@dataclasses.dataclass
class Table:
    default: list[str]
    default_origin: str
    routes: dict[str, str]  # op as written -> provider, in order
    origin: dict[str, str]  # op -> "file:line"

    def provider(self, op: str) -> str:
        """The provider of `op` by this table alone (the first of the default policy if unlisted)."""
        return self.routes.get(op, self.default[0])


def load(path: str) -> Table:
    try:
        f = _file.load(path)
    except _file.RoutesFileError as e:
        raise RoutesError(str(e)) from None
    if not f.default:
        raise RoutesError(f"{path}: no 'default = <provider>' line (in the file or its includes)")
    for name in f.default:
        if name not in PROVIDERS:
            raise RoutesError(f"{f.default_origin}: unknown provider '{name}' (platform tables use {', '.join(PROVIDERS)})")
    for s in f.routes.values():
        if s.provider not in PROVIDERS:
            raise RoutesError(f"{s.origin}: unknown provider '{s.provider}' (platform tables use {', '.join(PROVIDERS)})")
    return Table(f.default, f.default_origin, {op: s.provider for op, s in f.routes.items()},
                 {op: s.origin for op, s in f.routes.items()})


def flatten(table: Table, source: str) -> str:
    """The effective table as one file without includes."""
    return _file.render(table.routes, table.default, f"flagos routing table, flattened from {source}.")


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
                print(f"{path}: default {', '.join(table.default)}; " + ", ".join(f"{n} {p}" for p, n in counts.items()))
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
