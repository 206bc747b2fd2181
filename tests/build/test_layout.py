"""Layout rules a change can break silently (ARCHITECTURE.md): checked on the sources themselves."""
from __future__ import annotations

import pathlib
import re

HERE = pathlib.Path(__file__).resolve().parents[2]


def test_only_runtime_py_calls_the_native_library() -> None:
    # flagos/_runtime.py is the one place Python asks the C++ runtime for anything (torch.ops.flagos).
    calls = re.compile(r"torch\.ops\.flagos\.\w+\s*\(")
    offenders = [
        f"{p.relative_to(HERE)}:{n}"
        for p in sorted((HERE / "flagos").rglob("*.py"))
        if p.name != "_runtime.py" or p.parent.name != "flagos"
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if calls.search(line)
    ]
    assert not offenders, f"call torch.ops.flagos through flagos/_runtime.py instead: {offenders}"


def test_the_product_repositories_load_no_test_repository() -> None:
    text = (HERE / "third_party/repositories.bzl").read_text()
    loads = re.findall(r'load\("([^"]+)"', text)
    assert loads and not [l for l in loads if l.startswith("//tests")], loads
