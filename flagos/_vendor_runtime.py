"""Finds and loads a platform's vendor runtime library before flagos' native library.

flagos' library names the vendor runtime (ascend: AscendCL's libascendcl.so and aclnn's libraries;
metax: the MACA runtime, libmcruntime.so) without a path: the
toolkit is installed by the vendor, wherever the machine has it, and is found the vendor's way
(CANN's set_env.sh puts it on LD_LIBRARY_PATH and sets ASCEND_HOME_PATH). Loading it here first,
from the first place that has it, turns "toolkit not set up" into an error that says what was
looked for and how to fix it, instead of the dynamic loader's "cannot open shared object file".
"""
from __future__ import annotations

import ctypes
import dataclasses
import os
import pathlib
from typing import Mapping, Optional


@dataclasses.dataclass(frozen=True)
class VendorRuntime:
    library: str                 # soname of the runtime the native library links (found first)
    companions: tuple[str, ...]  # further libraries it links, from the same directory, in load order
    variables: tuple[str, ...]   # environment variables naming the toolkit's root, in order
    default_root: str            # the vendor's default install location
    subdir: str                  # where the library sits under a root
    setup_hint: str              # how the vendor sets a shell up


RUNTIMES: dict[str, VendorRuntime] = {
    "ascend": VendorRuntime("libascendcl.so", ("libnnopbase.so", "libopapi.so"),  # AscendCL, then aclnn
                            ("ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME"),
                            "/usr/local/Ascend/ascend-toolkit/latest", "lib64",
                            "source <toolkit>/set_env.sh (CANN), or set ASCEND_HOME_PATH to the toolkit"),
    "metax": VendorRuntime("libmcruntime.so", (), ("METAX_PATH", "MACA_PATH"), "/opt/maca", "lib",
                           "set METAX_PATH to the MACA SDK (or add its lib directory to LD_LIBRARY_PATH)"),
}


def candidates(runtime: VendorRuntime, environ: Mapping[str, str]) -> list[tuple[str, pathlib.Path]]:
    """(where it came from, path) for each place the library may be, in search order."""
    roots = [(v, environ[v]) for v in runtime.variables if environ.get(v)]
    roots.append(("default location", runtime.default_root))
    return [(origin, pathlib.Path(root) / runtime.subdir / runtime.library) for origin, root in roots]


def find(platform: str, environ: Optional[Mapping[str, str]] = None) -> Optional[pathlib.Path]:
    """The library file the platform's toolkit provides, or None for platforms that have none to
    preload; ImportError naming every place looked at when the toolkit is not found."""
    runtime = RUNTIMES.get(platform)
    if runtime is None:
        return None
    environ = os.environ if environ is None else environ
    looked = candidates(runtime, environ)
    for _, path in looked:
        if path.is_file():
            return path
    tried = "\n".join(f"  {path} ({origin})" for origin, path in looked)
    raise ImportError(
        f"flagos ({platform} platform) needs {runtime.library}, which was not found:\n{tried}\n"
        f"and it is not on the library path (LD_LIBRARY_PATH). Fix: {runtime.setup_hint}."
    )


def preload(platform: str) -> None:
    """Loads the platform's vendor libraries (globally, for the native library to bind to)."""
    runtime = RUNTIMES.get(platform)
    if runtime is None:
        return
    names = (runtime.library, *runtime.companions)
    try:  # already set up the vendor's way: LD_LIBRARY_PATH or the loader's cache
        for name in names:
            ctypes.CDLL(name, mode=ctypes.RTLD_GLOBAL)
        return
    except OSError:
        pass
    directory = find(platform).parent  # type: ignore[union-attr]
    for name in names:
        path = directory / name
        if not path.is_file():
            raise ImportError(f"flagos ({platform} platform): the toolkit at {directory} has {runtime.library} but "
                              f"not {name}, which flagos also links; the toolkit is incomplete. Fix: "
                              f"{runtime.setup_hint}.")
        try:
            ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
        except OSError as e:
            raise ImportError(f"flagos ({platform} platform): {path} exists but cannot be loaded: {e}") from e
