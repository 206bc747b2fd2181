"""What flagos knows about FlagGems (``flag_gems``), FlagOS' Triton kernel library.

These answers are truthful, never aspirational: FlagGems serves an operator on flagos tensors
only once a route sends it there, and this build has no routing to FlagGems yet (every operator
runs on the platform's native kernels), so nothing is enabled and no operator is registered.
"""
from __future__ import annotations

import importlib.util

from . import _build_info

# Platforms whose devices can run FlagGems' Triton kernels.
_TRITON_PLATFORMS = ("cuda", "metax", "ascend")


def is_flaggems_available() -> bool:
    """True when flag_gems is installed and this platform's devices can run its kernels."""
    return _build_info.PLATFORM in _TRITON_PLATFORMS and importlib.util.find_spec("flag_gems") is not None


def is_flaggems_enabled() -> bool:
    """True when at least one operator on flagos tensors is served by FlagGems."""
    return bool(get_registered_ops())


def get_registered_ops() -> list[str]:
    """The ATen operator overloads FlagGems serves on flagos tensors now (none in this build)."""
    return []
