"""What flagos knows about FlagGems (``flag_gems``), FlagOS' Triton kernel library.

FlagGems serves an operator on flagos tensors only where a route sends it to the ``flaggems``
provider (flagos/routing); these answers come from the routing table in force now.
"""
from __future__ import annotations

import importlib.util

from . import _build_info
from .routing import _flaggems
from .routing._table import STATE


def is_flaggems_available() -> bool:
    """True when flag_gems is installed and this platform's devices can run its kernels."""
    return _build_info.PLATFORM in _flaggems._VENDORS and importlib.util.find_spec("flag_gems") is not None


def is_flaggems_enabled() -> bool:
    """True when at least one operator on flagos tensors is served by FlagGems."""
    return bool(get_registered_ops())


def get_registered_ops() -> list[str]:
    """The ATen operator overloads FlagGems serves on flagos tensors now (routes spelling)."""
    return STATE.served_by(_flaggems.NAME)
