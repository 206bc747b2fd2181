"""The built wheel as an artifact: name and tags, a valid RECORD, metadata that pins the torch it
was built against, the autoload entry point, and a native library that is clean (RUNPATH into the
torch wheel, no CPython symbols, nothing exported). Run by Bazel with the wheel's path in
$FLAGOS_WHEEL."""
from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import io
import os
import re
import subprocess
import tempfile
import zipfile

import pytest

WHEEL = os.environ.get("FLAGOS_WHEEL", "")


def _torch_version() -> str:
    """torch's version without importing torch: a CUDA build cannot load its CUDA libraries on a
    machine without them (CI builds the cuda wheel where no GPU stack is installed)."""
    spec = importlib.util.find_spec("torch")
    assert spec and spec.origin, "torch is not installed in this environment"
    with open(os.path.join(os.path.dirname(spec.origin), "version.py"), encoding="utf-8") as f:
        match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", f.read(), re.M)
    assert match, "torch/version.py has no __version__"
    return match.group(1)


@pytest.fixture(scope="module")
def wheel() -> zipfile.ZipFile:
    if not WHEEL:
        pytest.fail("set FLAGOS_WHEEL to the wheel to check")
    with zipfile.ZipFile(WHEEL) as zf:
        yield zf


def dist_info(zf: zipfile.ZipFile) -> str:
    (name,) = {n.split("/")[0] for n in zf.namelist() if n.split("/")[0].endswith(".dist-info")}
    return name


def test_file_name_and_tags(wheel: zipfile.ZipFile) -> None:
    m = re.fullmatch(r"flagos-(\d+\.\d+\.\d+)\+(host|cuda|metax|ascend)-py3-none-linux_x86_64\.whl",
                     os.path.basename(WHEEL))
    assert m, os.path.basename(WHEEL)
    text = wheel.read(f"{dist_info(wheel)}/WHEEL").decode()
    assert "Tag: py3-none-linux_x86_64" in text  # one wheel for every CPython 3.x
    assert "Root-Is-Purelib: false" in text


def test_record_is_complete_and_correct(wheel: zipfile.ZipFile) -> None:
    info = dist_info(wheel)
    rows = list(csv.reader(io.StringIO(wheel.read(f"{info}/RECORD").decode())))
    recorded = {row[0]: row for row in rows}
    assert set(recorded) == set(wheel.namelist())
    for name, digest, size in rows:
        if name == f"{info}/RECORD":
            assert digest == "" and size == ""
            continue
        data = wheel.read(name)
        expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert digest == expected, name
        assert int(size) == len(data), name


def test_metadata_pins_torch_and_python(wheel: zipfile.ZipFile) -> None:
    meta = wheel.read(f"{dist_info(wheel)}/METADATA").decode()
    assert "Name: flagos" in meta
    built = _torch_version().split("+")[0]
    assert f"Requires-Dist: torch=={built}" in meta.splitlines()
    assert "Requires-Python: >=3.10" in meta


def test_autoload_entry_point(wheel: zipfile.ZipFile) -> None:
    text = wheel.read(f"{dist_info(wheel)}/entry_points.txt").decode()
    assert "[torch.backends]" in text and "flagos = flagos:_autoload" in text


def test_package_contents(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for required in ("flagos/__init__.py", "flagos/libflagos.so", "flagos/_build_info.py", "flagos/routes.conf",
                     "flagos/device/__init__.py", "flagos/__main__.py"):
        assert required in names, required
    assert not [n for n in names if "/tests/" in n or n.endswith(".pyc") or n.startswith("runtime/")]
    info = wheel.read("flagos/_build_info.py").decode()
    assert re.search(r"TORCH_VERSION = ['\"]" + re.escape(_torch_version()) + r"['\"]", info), info
    assert re.search(r"PLATFORM = ['\"](host|cuda|metax|ascend)['\"]", info), info
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in wheel.infolist())  # reproducible


@pytest.fixture(scope="module")
def library(wheel: zipfile.ZipFile) -> str:
    path = os.path.join(tempfile.mkdtemp(), "libflagos.so")
    with open(path, "wb") as fh:
        fh.write(wheel.read("flagos/libflagos.so"))
    return path


def run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def test_runpath_points_into_the_torch_wheel(library: str) -> None:
    dynamic = run("readelf", "-d", library)
    runpaths = re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[(.*)\]", dynamic)
    assert runpaths == ["$ORIGIN/../torch/lib"], runpaths
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.*)\]", dynamic)
    assert "libc10.so" in needed and not [n for n in needed if "python" in n], needed


# The vendor libraries each platform's native library links by name (found where the vendor
# installed them: flagos/_vendor_runtime.py), never through a path recorded at build time.
VENDOR_LIBRARIES = {"ascend": {"libascendcl.so", "libnnopbase.so", "libopapi.so"}, "metax": {"libmcruntime.so"}}


def test_vendor_libraries_are_linked_by_name(wheel: zipfile.ZipFile, library: str) -> None:
    info = wheel.read("flagos/_build_info.py").decode()
    platform = re.search(r"PLATFORM = ['\"](\w+)['\"]", info).group(1)  # type: ignore[union-attr]
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.*)\]", run("readelf", "-d", library)))
    expected = VENDOR_LIBRARIES.get(platform, set())
    assert expected <= needed, f"{platform}: libflagos.so should link {sorted(expected - needed)}"
    vendor = {"libascendcl.so", "libnnopbase.so", "libopapi.so", "libmcruntime.so"}
    assert needed & vendor == expected, f"{platform}: links another platform's libraries: {sorted(needed & vendor)}"


def test_no_cpython_symbols_and_nothing_exported(library: str) -> None:
    undefined = run("nm", "-D", "--undefined-only", library).split()
    assert not [s for s in undefined if s.startswith(("Py", "_Py"))], "libflagos.so must not use the CPython API"
    exported = run("nm", "-D", "--defined-only", library).strip()
    assert exported == "", f"libflagos.so should export nothing, exports:\n{exported}"
