"""The flagos package's own API: platform, versions, the FlagGems queries, `python -m flagos info`."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

import flagos


def test_platform_and_versions() -> None:
    assert flagos.platform in ("host", "cuda", "metax", "ascend")
    assert flagos.platform == torch.ops.flagos.platform()
    assert flagos.__version__.count(".") == 2
    # Built against the torch that runs it (public version; local labels like +cpu may differ).
    assert flagos.torch_version.split("+")[0] == torch.__version__.split("+")[0]
    assert flagos.cxx11_abi == torch._C._GLIBCXX_USE_CXX11_ABI


def test_flaggems_answers_are_truthful() -> None:
    ops = flagos.get_registered_ops()
    assert isinstance(ops, list)
    assert flagos.is_flaggems_enabled() == bool(ops)
    if flagos.platform == "host":
        assert not flagos.is_flaggems_available()  # Triton kernels cannot run on the host platform
        assert ops == []


def test_python_m_flagos_info() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-m", "flagos", "info"], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert f"platform={flagos.platform}" in out
    assert f"torch {torch.__version__}" in out
    assert f"devices: {torch.flagos.device_count()}" in out
    assert torch.flagos.get_device_name(0) in out
    from flagos.__main__ import VERIFIED

    assert f"verified: {VERIFIED[flagos.platform]}" in out
    assert "synthetic stand-in" in VERIFIED["metax"] and "synthetic stand-in" in VERIFIED["ascend"]


def test_python_m_flagos_rejects_unknown_command() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    res = subprocess.run([sys.executable, "-m", "flagos", "frobnicate"], capture_output=True, text=True, env=env)
    assert res.returncode == 2 and "invalid choice" in res.stderr


def test_a_second_privateuse1_backend_is_refused() -> None:
    code = (
        "import torch; torch.utils.rename_privateuse1_backend('otherdev')\n"
        "try:\n    import flagos\nexcept ImportError as e:\n    print('refused:', e)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TORCH_DEVICE_BACKEND_AUTOLOAD="0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert "refused:" in out and "otherdev" in out


def test_vendor_runtime_is_found_where_the_toolkit_says(tmp_path) -> None:
    from flagos import _vendor_runtime as vr
    lib = tmp_path / "toolkit" / "lib64" / "libascendcl.so"
    lib.parent.mkdir(parents=True)
    lib.write_bytes(b"")
    assert vr.find("ascend", {"ASCEND_HOME_PATH": str(tmp_path / "toolkit")}) == lib
    assert vr.find("ascend", {"ASCEND_HOME_PATH": str(tmp_path / "none"),
                              "ASCEND_TOOLKIT_HOME": str(tmp_path / "toolkit")}) == lib
    assert vr.find("host", {}) is None and vr.find("cuda", {}) is None  # nothing to preload there
    with pytest.raises(ImportError) as err:
        vr.find("ascend", {"ASCEND_HOME_PATH": str(tmp_path / "none")})
    message = str(err.value)
    assert "libascendcl.so" in message and "ASCEND_HOME_PATH" in message and str(tmp_path / "none") in message
    assert "/usr/local/Ascend/ascend-toolkit/latest/lib64/libascendcl.so (default location)" in message
    assert "set_env.sh" in message


def test_vendor_runtime_with_a_missing_companion_library_says_so(tmp_path, monkeypatch) -> None:
    from flagos import _vendor_runtime as vr
    (tmp_path / "lib64").mkdir()
    (tmp_path / "lib64" / "libascendcl.so").write_bytes(b"")
    loaded: list[str] = []

    def fake_cdll(name: str, mode: int = 0) -> None:
        if "/" not in name:
            raise OSError(f"{name}: cannot open shared object file")  # not on the library path
        loaded.append(name)

    monkeypatch.setattr(vr.ctypes, "CDLL", fake_cdll)
    monkeypatch.setenv("ASCEND_HOME_PATH", str(tmp_path))
    with pytest.raises(ImportError, match=r"has libascendcl.so but not libnnopbase.so.*incomplete"):
        vr.preload("ascend")
    assert loaded == [str(tmp_path / "lib64" / "libascendcl.so")]
