"""Writes a PEP 427 wheel from a manifest of (path in wheel, file on disk) pairs.

Deterministic by construction (so two clean builds give bit-identical wheels): entries sorted,
fixed timestamps, fixed permissions, no absolute paths, METADATA/WHEEL/RECORD generated from the
arguments only.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import stat
import sys
import zipfile

_EPOCH = (1980, 1, 1, 0, 0, 0)


def record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def zinfo(name: str, executable: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
    info.create_system = 3  # unix, whatever machine builds it
    return info


def read_manifest(path: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    with open(path) as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                continue
            dest, src = line.split("\t")
            if dest in entries and entries[dest] != src:
                sys.exit(f"two files for {dest} in the wheel: {entries[dest]} and {src}")
            entries[dest] = src
    return entries


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--tag", required=True, help="python-abi-platform, e.g. py3-none-linux_x86_64")
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--requires", action="append", default=[])
    ap.add_argument("--python_requires", default="")
    ap.add_argument("--summary", default="")
    ap.add_argument("--license", default="")
    ap.add_argument("--entry_point", action="append", default=[], help="group:name=module:attr")
    ap.add_argument("--description_file", default="")
    args = ap.parse_args(argv)

    dist = args.name.replace("-", "_")
    distinfo = f"{dist}-{args.version}.dist-info"
    entries = read_manifest(args.manifest)

    metadata = ["Metadata-Version: 2.1", f"Name: {args.name}", f"Version: {args.version}"]
    if args.summary:
        metadata.append(f"Summary: {args.summary}")
    if args.license:
        metadata.append(f"License: {args.license}")
    if args.python_requires:
        metadata.append(f"Requires-Python: {args.python_requires}")
    metadata += [f"Requires-Dist: {r}" for r in args.requires]
    body = ""
    if args.description_file:
        metadata.append("Description-Content-Type: text/markdown")
        with open(args.description_file, encoding="utf-8") as fh:
            body = "\n" + fh.read()
    wheel = ["Wheel-Version: 1.0", "Generator: flagos tools/wheel", "Root-Is-Purelib: false",
             f"Tag: {args.tag}"]

    groups: dict[str, list[str]] = {}
    for ep in args.entry_point:
        group, _, spec = ep.partition(":")
        groups.setdefault(group, []).append(spec.replace("=", " = ", 1))
    entry_points = "".join(f"[{g}]\n" + "\n".join(sorted(v)) + "\n\n" for g, v in sorted(groups.items()))

    record: list[str] = []
    with zipfile.ZipFile(args.out, "w") as zf:
        def add(name: str, data: bytes, executable: bool = False) -> None:
            zf.writestr(zinfo(name, executable), data)
            record.append(f"{name},{record_hash(data)},{len(data)}")

        for dest in sorted(entries):
            with open(entries[dest], "rb") as fh:
                add(dest, fh.read(), executable=dest.endswith(".so"))
        add(f"{distinfo}/METADATA", ("\n".join(metadata) + "\n" + body).encode())
        add(f"{distinfo}/WHEEL", ("\n".join(wheel) + "\n").encode())
        if entry_points:
            add(f"{distinfo}/entry_points.txt", entry_points.encode())
        top = sorted({d.split("/")[0] for d in entries if "/" in d})
        add(f"{distinfo}/top_level.txt", ("\n".join(top) + "\n").encode())
        record.append(f"{distinfo}/RECORD,,")
        zf.writestr(zinfo(f"{distinfo}/RECORD", False), ("\n".join(record) + "\n").encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
