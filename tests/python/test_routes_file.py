"""Routes files that cannot be read name the file and the fix (issue 18): a file that is not UTF-8
text, and a directory given as FLAGOS_ROUTES."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from flagos.routing import _file


def test_non_utf8_routes_file_names_the_file_and_byte(tmp_path) -> None:
    path = tmp_path / "routes.conf"
    path.write_bytes(b"mm.default = cpu\n# caf\xe9\n")
    with pytest.raises(_file.RoutesFileError, match=re.escape(f"{path}: not UTF-8 text (byte 22 is 0xe9)")):
        _file.load(str(path))


def test_included_non_utf8_file_is_named(tmp_path) -> None:
    (tmp_path / "inner.conf").write_bytes(b"\xff\n")
    outer = tmp_path / "routes.conf"
    outer.write_text("include inner.conf\n")
    with pytest.raises(_file.RoutesFileError, match=r"inner.conf: not UTF-8 text \(byte 0 is 0xff\)"):
        _file.load(str(outer))


def test_directory_as_flagos_routes_says_so(tmp_path) -> None:
    env = {**os.environ, "FLAGOS_ROUTES": str(tmp_path)}
    res = subprocess.run([sys.executable, "-c", "import flagos"], capture_output=True, text=True, env=env,
                         timeout=300)
    assert res.returncode != 0
    assert f"FLAGOS_ROUTES={tmp_path} is a directory; name a routes file in it" in res.stderr, res.stderr[-2000:]
