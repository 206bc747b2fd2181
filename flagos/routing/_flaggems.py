"""The ``flaggems`` provider: FlagGems' Triton kernels (``flag_gems``) on flagos tensors.

Which overloads FlagGems implements is FlagGems' own answer, not a copy of it: flagos runs
``flag_gems.enable`` with a registrar that records each (overload, kernel) pair instead of
registering it, so FlagGems' per-vendor exclusions and version conditions apply as they would in
FlagGems itself. The kernels are then called on zero-copy native tensors (``cuda`` tensors on the
cuda platform), so FlagGems' own device handling works unchanged; importing flag_gems happens
only when a route needs the provider.

The package's FlagGems questions (``flagos.is_flaggems_available`` ...) are answered here too,
from the routing table in force now.
"""
from __future__ import annotations

import importlib.util
import os
from typing import Callable

from .. import _build_info
from ._providers import KernelProvider, Provider, UnavailableProvider
from ._table import STATE

NAME = "flaggems"

# flagos platform -> FlagGems vendor name (FlagGems' GEMS_VENDOR).
_VENDORS = {"cuda": "nvidia", "metax": "metax", "ascend": "ascend"}


def _load_table(platform: str) -> dict[str, Callable]:
    if importlib.util.find_spec("flag_gems") is None:
        raise ImportError("flag_gems is not installed (pip install flag-gems; its kernels need triton)")
    # Tell FlagGems the vendor instead of letting it probe (it runs vendor tools to guess).
    os.environ.setdefault("GEMS_VENDOR", _VENDORS[platform])
    try:
        import flag_gems
        from flag_gems.runtime.register import Register
    except Exception as e:  # noqa: BLE001 (any import failure makes the provider unavailable, with its reason)
        raise ImportError(f"flag_gems failed to import: {type(e).__name__}: {e}") from e

    table: dict[str, Callable] = {}

    class _Recorder(Register):
        """FlagGems' registrar with registration replaced by recording."""

        def register_impl(self, key: str, fn: Callable) -> None:
            table[key] = fn

    flag_gems.enable(lib=None, registrar=_Recorder)
    return table


def provider(platform: str) -> Provider:
    if platform not in _VENDORS:
        return UnavailableProvider(
            NAME,
            f"FlagGems' kernels are Triton kernels for GPUs and NPUs, and the {platform} platform's native "
            "device is the CPU",
            "FlagGems' Triton kernels",
        )
    return KernelProvider(NAME, lambda: _load_table(platform), "FlagGems' Triton kernels")


# ---- flagos.is_flaggems_available, is_flaggems_enabled, get_registered_ops ----------------------


def is_flaggems_available() -> bool:
    """True when flag_gems is installed and this platform's devices can run its kernels."""
    return _build_info.PLATFORM in _VENDORS and importlib.util.find_spec("flag_gems") is not None


def is_flaggems_enabled() -> bool:
    """True when at least one operator on flagos tensors is served by FlagGems."""
    return bool(get_registered_ops())


def get_registered_ops() -> list[str]:
    """The ATen operator overloads FlagGems serves on flagos tensors now (routes spelling)."""
    return STATE.served_by(NAME)
