"""Platforms without an Inductor code generator for flagos (ascend, metax): a clear stop.

Their vendors' Triton backends (triton-ascend; MetaX's Triton for MACA) are not wired to flagos
yet, and Inductor's C++ backend cannot run there: it writes loops that dereference device memory
on the host. So a graph reaching Inductor stops with what is missing and what works instead;
Dynamo itself, ``backend="aot_eager"`` and ``backend="eager"`` need no code generator and work.
"""
from __future__ import annotations

from typing import Any, NoReturn

from torch._inductor.codegen.common import DeviceOpOverrides
from torch._inductor.codegen.wrapper import PythonWrapperCodegen

from .. import _build_info
from ._interface import FlagosInterface

_MISSING = {
    "ascend": "an Inductor backend for Ascend NPUs (Ascend's Triton backend, triton-ascend, "
              "registered for flagos tensors)",
    "metax": "an Inductor backend for MetaX GPUs (MetaX's Triton for MACA, registered for "
             "flagos tensors)",
}


def message(platform: str) -> str:
    """What the error says: the platform, what is missing, what works instead."""
    missing = _MISSING.get(platform, "an Inductor code generator for this platform")
    return (
        f"torch.compile's Inductor backend is not available for flagos on the {platform} platform: "
        f"it needs {missing}, which flagos does not provide yet. Use torch.compile(..., "
        f"backend=\"aot_eager\") (Dynamo and AOTAutograd, running flagos' kernels), or run eagerly."
    )


class UnsupportedScheduling:
    """Stands where Inductor expects the platform's scheduling: constructing it raises."""

    def __init__(self, scheduler: Any = None) -> NoReturn:
        raise RuntimeError(message(_build_info.PLATFORM))


SCHEDULING = UnsupportedScheduling
WRAPPER = PythonWrapperCodegen
CPP_WRAPPER = None
DEVICE_OPS = DeviceOpOverrides()
INTERFACE = FlagosInterface
