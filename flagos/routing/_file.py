"""Routes files: which provider runs each operator overload, as text.

    # a comment (also after a statement)
    default = flaggems, native       # unlisted operators: the first provider that implements them
    softmax.int = flaggems           # one overload (op.overload; `mm` alone is mm.default)
    include common.conf              # another file's statements, here (path relative to this file)

Statements apply in order and later ones win, includes included, so a file can include a base
table and override parts of it. This module only reads the text (it imports no torch, so build
tools use it too); whether operators and providers exist is checked by flagos.routing against the
running PyTorch, with the file and line of the statement in the message.
"""
from __future__ import annotations

import dataclasses
import os
import re
from typing import Optional

_INCLUDE = re.compile(r"^include\s+(\S+)$")
_ASSIGN = re.compile(r"^([^\s=]+)\s*=\s*(\S.*)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class RoutesFileError(ValueError):
    """A malformed routes file; the message starts with file:line."""


@dataclasses.dataclass(frozen=True)
class Statement:
    op: str  # as written
    provider: str
    origin: str  # "file:line"


@dataclasses.dataclass
class RoutesFile:
    path: str
    routes: dict[str, Statement] = dataclasses.field(default_factory=dict)  # op as written -> last statement
    default: Optional[list[str]] = None
    default_origin: str = ""


def _providers(text: str, where: str) -> list[str]:
    names = [p.strip() for p in text.split(",")]
    for p in names:
        if not _NAME.match(p):
            raise RoutesFileError(f"{where}: '{p}' is not a provider name (providers are words like native, "
                                  "flaggems, cpu)")
    return names


def _read(path: str, out: RoutesFile, stack: list[str]) -> None:
    real = os.path.realpath(path)
    if real in stack:
        chain = " -> ".join(stack[stack.index(real):] + [real])
        raise RoutesFileError(f"{path}: include cycle: {chain}")
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise RoutesFileError(f"{path}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise RoutesFileError(f"{path}: not UTF-8 text (byte {e.start} is {e.object[e.start]:#04x}); "
                              "routes files are UTF-8") from None
    stack.append(real)
    for number, raw in enumerate(lines, 1):
        where = f"{path}:{number}"
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if m := _INCLUDE.match(line):
            target = os.path.join(os.path.dirname(path), m.group(1))
            if not os.path.exists(target):
                raise RoutesFileError(f"{where}: include {m.group(1)}: no such file ({target})")
            _read(target, out, stack)
            continue
        m = _ASSIGN.match(line)
        if not m:
            raise RoutesFileError(f"{where}: expected '<op>.<overload> = <provider>', 'default = <provider>[, ...]' "
                                  f"or 'include <file>', got: {raw.strip()}")
        key, value = m.group(1), m.group(2).strip()
        if key == "default":
            out.default, out.default_origin = _providers(value, where), where
            continue
        providers = _providers(value, where)
        if len(providers) != 1:
            raise RoutesFileError(f"{where}: an operator takes one provider, got {value} (lists are for 'default')")
        out.routes.pop(key, None)  # a later statement wins and takes the later position
        out.routes[key] = Statement(key, providers[0], where)
    stack.pop()


def load(path: str) -> RoutesFile:
    """The statements of ``path`` with its includes expanded; RoutesFileError if it is malformed."""
    out = RoutesFile(path)
    _read(path, out, [])
    return out


def render(routes: dict[str, str], default: Optional[list[str]], header: str,
           comments: Optional[dict[str, str]] = None) -> str:
    """A routes file's text (``routes``: op -> provider, in order; ``comments``: op -> a comment
    for its line, e.g. the times that chose it)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    if default:
        lines.append(f"default = {', '.join(default)}")
    notes = comments or {}
    lines += [f"{op} = {provider}" + (f"  # {notes[op]}" if notes.get(op) else "") for op, provider in routes.items()]
    return "\n".join(lines) + "\n"
