"""Inductor on the host platform: its C++/OpenMP backend, generating code over flagos memory.

flagos device memory on the host platform is host RAM, and the C++ kernels Inductor writes for
``cpu`` take nothing but raw pointers, so they run unchanged on flagos tensors. What differs from
``cpu`` is the Python wrapper around them: its buffers must be flagos tensors (allocated on the
buffer's own flagos device, so graphs on ``flagos:1`` stay there), and the calls of C++ kernels on a
device Inductor does not know must be emitted as on ``cpu``. Operators Inductor does not generate
code for (``mm``, convolutions, attention, ...) stay calls of the ATen operator on flagos tensors,
so they run through flagos' dispatch and follow its routes.
"""
from __future__ import annotations

from textwrap import dedent
from typing import Any

from torch._inductor.codegen.common import DeviceOpOverrides
from torch._inductor.codegen.cpp import CppScheduling
from torch._inductor.codegen.wrapper import PythonWrapperCodegen, SubgraphPythonWrapperCodegen
from torch._inductor.virtualized import V

from ._interface import BACKEND, FlagosInterface


class HostDeviceOps(DeviceOpOverrides):
    """Snippets the wrapper writes for device handling: no streams, devices selected by index."""

    def import_get_raw_stream_as(self, name: str) -> str:
        return dedent(
            f"""
            def {name}(_):
                return 0
            """
        )

    def set_device(self, device_idx: int) -> str:
        return f"torch.flagos.set_device({device_idx})"

    def synchronize(self) -> str:
        return "torch.flagos.synchronize()"

    def device_guard(self, device_idx: int) -> str:
        return f"torch.flagos.device({device_idx})"

    def cpp_kernel_type(self) -> str:
        return "void*"


class _FlagosCalls:
    """What the Python wrapper does differently for flagos buffers and C++ kernels (a mixin)."""

    def _generate_kernel_call_helper(self, kernel_name: str, call_args: Any, *, device: Any = None,
                                     triton: bool = True, **kwargs: Any) -> None:
        device = device or V.graph.get_current_device_or_throw()
        if not triton and device.type == BACKEND:
            # A C++ kernel: called with the tensors, whose data pointers are host addresses.
            self.writeline(self.wrap_kernel_call(kernel_name, call_args))  # type: ignore[attr-defined]
            return
        super()._generate_kernel_call_helper(  # type: ignore[misc]
            kernel_name, call_args, device=device, triton=triton, **kwargs)

    def make_allocation(self, name: str, device: Any, dtype: Any, shape: Any, stride: Any,
                        allocation_shape: Any = None, is_pinned: bool = False) -> str:
        if device.type != BACKEND:
            return super().make_allocation(  # type: ignore[misc]
                name, device, dtype, shape, stride, allocation_shape, is_pinned)
        # Inductor names only the device type; the index keeps a buffer on its graph's device.
        allocation_shape = shape if allocation_shape is None else allocation_shape
        size = self.codegen_python_shape_tuple(allocation_shape)  # type: ignore[attr-defined]
        strides = self.codegen_python_shape_tuple(stride)  # type: ignore[attr-defined]
        index = 0 if device.index is None else device.index
        line = f"{name} = empty_strided({size}, {strides}, device='{BACKEND}:{index}', dtype={dtype})"
        if tuple(allocation_shape) != tuple(shape):
            line += f".as_strided({self.codegen_python_shape_tuple(shape)}, {strides})"  # type: ignore[attr-defined]
        return line


class HostWrapper(_FlagosCalls, PythonWrapperCodegen):
    """Python wrapper of a graph on flagos (host platform)."""

    @staticmethod
    def create(is_subgraph: bool, subgraph_name: Any, parent_wrapper: Any,
               partition_signatures: Any = None) -> PythonWrapperCodegen:
        if is_subgraph:
            return HostSubgraphWrapper(subgraph_name, parent_wrapper, partition_signatures)
        return HostWrapper()


class HostSubgraphWrapper(_FlagosCalls, SubgraphPythonWrapperCodegen):
    """Wrapper of a subgraph (``cond``, ``while_loop`` bodies) on flagos (host platform)."""


class HostInterface(FlagosInterface):
    """Device interface of the host platform: C++ kernels, synchronous streams, no Triton."""


def after_register() -> None:
    """Inductor's C++-backend heuristics apply to flagos nodes (see ``_cpu_like``)."""
    from . import _cpu_like

    _cpu_like.install(BACKEND)


SCHEDULING = CppScheduling
WRAPPER = HostWrapper
CPP_WRAPPER = None  # cpp_wrapper=True (AOTInductor's C++ wrapper) is not supported on flagos yet
DEVICE_OPS = HostDeviceOps()
INTERFACE = HostInterface
