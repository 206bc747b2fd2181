"""Inductor on the host platform: its C++/OpenMP backend, generating code over flagos memory.

flagos device memory on the host platform is host RAM, and the C++ kernels Inductor writes for
``cpu`` take nothing but raw pointers, so they run unchanged on flagos tensors. What differs from
``cpu`` is the Python wrapper around them: its buffers must be flagos tensors (allocated on the
buffer's own flagos device, so graphs on ``flagos:1`` stay there), and the calls of C++ kernels
on a device Inductor does not know must be emitted as on ``cpu`` (``_wrapper``). Operators
Inductor does not generate code for (``mm``, convolutions, attention, ...) stay calls of the ATen operator on flagos tensors,
so they run through flagos' dispatch and follow its routes.
"""
from __future__ import annotations

from textwrap import dedent

from torch._inductor.codegen.common import DeviceOpOverrides
from torch._inductor.codegen.cpp import CppScheduling

from ._device_ops import FlagosDeviceSelection
from ._interface import BACKEND, FlagosInterface
from ._wrapper import FlagosWrapper


class HostDeviceOps(FlagosDeviceSelection, DeviceOpOverrides):
    """Snippets the wrapper writes for device handling: no streams, devices selected by index."""

    def import_get_raw_stream_as(self, name: str) -> str:
        return dedent(
            f"""
            def {name}(_):
                return 0
            """
        )

    def cpp_kernel_type(self) -> str:
        return "void*"


class HostInterface(FlagosInterface):
    """Device interface of the host platform: C++ kernels, synchronous streams, no Triton."""


def after_register() -> None:
    """Inductor's C++-backend heuristics apply to flagos nodes (see ``_cpu_like``)."""
    from . import _cpu_like

    _cpu_like.install(BACKEND)


SCHEDULING = CppScheduling
WRAPPER = FlagosWrapper
CPP_WRAPPER = None  # cpp_wrapper=True (AOTInductor's C++ wrapper) is not supported on flagos yet
DEVICE_OPS = HostDeviceOps()
INTERFACE = HostInterface
