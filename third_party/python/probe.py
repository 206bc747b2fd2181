"""Describes a Python environment for the @flagos_python repository rule, as JSON on stdout.

Runs inside the environment but never imports torch: a CUDA build of torch installed without its
runtime wheels (the cuda build environment) cannot be imported, yet its headers and libraries are
all the build needs. The C++ ABI is read from libc10.so's symbols instead of torch._C.
"""
from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import pathlib
import re
import sys
import sysconfig


def parse_lock(path: pathlib.Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", line)
        if m:
            pins[canonical(m.group(1))] = m.group(2)
    return pins


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed() -> dict[str, str]:
    return {canonical(d.metadata["Name"]): d.version for d in md.distributions()}


def torch_info() -> dict[str, object]:
    dist = md.distribution("torch")
    root = pathlib.Path(dist.locate_file("torch"))
    scope: dict[str, object] = {}
    exec((root / "version.py").read_text(), scope)  # plain assignments, safe without torch
    c10 = (root / "lib" / "libc10.so").read_bytes()
    return {
        "torch_dir": str(root),
        "torch_version": scope["__version__"],
        "torch_cuda": scope.get("cuda") or "",
        "cxx11_abi": 1 if b"St7__cxx1112basic_string" in c10 else 0,
        "torch_libs": sorted(p.name for p in (root / "lib").glob("lib*.so")),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lock", required=True, type=pathlib.Path)
    args = ap.parse_args()
    pins, have = parse_lock(args.lock), installed()
    mismatches = []
    for name, version in sorted(pins.items()):
        got = have.get(name)
        if got != version:
            mismatches.append(f"{name}: lock has {version}, environment has {got or 'nothing'}")
    out: dict[str, object] = {
        "python": sys.executable,
        "python_version": "%d.%d" % sys.version_info[:2],
        "python_include": sysconfig.get_paths()["include"],
        "mismatches": mismatches,
    }
    if "torch" in have:
        out.update(torch_info())
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
