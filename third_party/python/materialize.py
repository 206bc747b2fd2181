#!/usr/bin/env python3
"""Creates (once) the pinned Python environment of one platform from its lock file.

Shared by ./bazelw (to make a fresh machine ready) and by the @flagos_python repository rule
(so a plain `bazel build` works too). The environment lives outside Bazel's output base, keyed by
the lock file's hash, so `bazel clean --expunge` and platform switches never reinstall torch:

    ${FLAGOS_CACHE_DIR:-~/.cache/flagos}/pyenv/<lock name>-py<X.Y>-<sha256(lock)[:12]>/

Prints the environment's interpreter path on the last line of stdout. Idempotent: a complete
environment (stamp file present) is reused in a few milliseconds.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys

STAMP = ".flagos-env.json"


def lock_header(text: str) -> dict[str, str]:
    for line in text.splitlines():
        if line.startswith("# flagos-lock:"):
            return dict(kv.split("=", 1) for kv in line[len("# flagos-lock:"):].split())
    return {}


def env_dir_for(lock: pathlib.Path, py: str) -> pathlib.Path:
    """One environment per lock (platforms that share a lock share it), named after the lock."""
    cache = pathlib.Path(os.environ.get("FLAGOS_CACHE_DIR") or pathlib.Path.home() / ".cache" / "flagos")
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()[:12]
    name = lock.name.removeprefix("requirements_").removesuffix(".lock")
    return cache / "pyenv" / f"{name}-py{py}-{digest}"


@contextlib.contextmanager
def exclusive(path: pathlib.Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def fail(msg: str) -> None:
    sys.stderr.write(f"\n[flagos python env] {msg}\n")
    sys.exit(1)


def create(env: pathlib.Path, base: str, lock: pathlib.Path) -> None:
    if env.exists():
        shutil.rmtree(env)
    subprocess.run([base, "-m", "venv", str(env)], check=True)
    python = env / "bin" / "python"
    cmd = [str(python), "-m", "pip", "install", "--no-deps", "--require-hashes", "--only-binary=:all:",
           "--no-compile", "--disable-pip-version-check", "--progress-bar", "off", "-r", str(lock)]
    print(f"[flagos python env] installing {lock.name} into {env}", file=sys.stderr, flush=True)
    res = subprocess.run(cmd, stdout=sys.stderr)
    if res.returncode != 0:
        shutil.rmtree(env, ignore_errors=True)
        fail(f"pip could not install {lock} (exit {res.returncode}). Packages come from PyPI and from\n"
             "pip's configured --find-links (the host lock's torch==2.13.0+cpu is the CPU build that this\n"
             "machine kind keeps in /opt/wheels). A hash mismatch means the index served another file than\n"
             "the lock recorded: regenerate the lock with third_party/python/lock.py <platform>.")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lock", required=True, type=pathlib.Path)
    ap.add_argument("--platform", required=True)
    ap.add_argument("--base-python", default=os.environ.get("FLAGOS_BASE_PYTHON") or shutil.which("python3"))
    args = ap.parse_args()

    lock = args.lock.resolve()
    want = lock_header(lock.read_text()).get("python", "")
    if not args.base_python:
        fail("no python3 on PATH; install CPython %s or set FLAGOS_BASE_PYTHON" % want)
    got = subprocess.run([args.base_python, "-c", "import sys;print('%d.%d'%sys.version_info[:2])"],
                         check=True, capture_output=True, text=True).stdout.strip()
    if want and got != want:
        fail(f"{lock.name} pins packages for CPython {want}, but {args.base_python} is CPython {got}.\n"
             f"Set FLAGOS_BASE_PYTHON to a CPython {want} interpreter, or point FLAGOS_PYTHON at an existing\n"
             "environment that matches the lock.")
    env = env_dir_for(lock, got)
    stamp = env / STAMP
    lock_sha = hashlib.sha256(lock.read_bytes()).hexdigest()
    if not (stamp.exists() and json.loads(stamp.read_text()).get("lock_sha256") == lock_sha):
        with exclusive(env.with_name(env.name + ".lock")):
            if not stamp.exists():
                create(env, args.base_python, lock)
                stamp.write_text(json.dumps({"lock": str(lock), "lock_sha256": lock_sha,
                                             "platform": args.platform}) + "\n")
    print(env / "bin" / "python")
    return 0


if __name__ == "__main__":
    sys.exit(main())
