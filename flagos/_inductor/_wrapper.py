"""The Python wrapper Inductor writes around a flagos graph's kernels (every platform).

Inductor's wrapper knows the devices it was written for: it allocates buffers with a device
*type* only (``empty_strided(..., device='flagos')`` would land on the current device, not the
graph's) and refuses to emit calls of C++ kernels on devices other than ``cpu``. For flagos it
allocates on the buffer's own device (``device='flagos:<i>'``) and calls C++ kernels as on
``cpu``; Triton launches are Inductor's own. Subgraphs (``cond``/``while_loop`` bodies) get the
same behaviour through the mixin.
"""
from __future__ import annotations

from typing import Any

from torch._inductor.codegen.wrapper import PythonWrapperCodegen, SubgraphPythonWrapperCodegen
from torch._inductor.virtualized import V

from ._interface import BACKEND


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
                        allocation_shape: Any = None, *args: Any, **kwargs: Any) -> str:
        if device.type != BACKEND:
            return super().make_allocation(  # type: ignore[misc]
                name, device, dtype, shape, stride, allocation_shape, *args, **kwargs)
        # Inductor names only the device type; the index keeps a buffer on its graph's device.
        allocation_shape = shape if allocation_shape is None else allocation_shape
        size = self.codegen_python_shape_tuple(allocation_shape)  # type: ignore[attr-defined]
        strides = self.codegen_python_shape_tuple(stride)  # type: ignore[attr-defined]
        index = 0 if device.index is None else device.index
        line = f"{name} = empty_strided({size}, {strides}, device='{BACKEND}:{index}', dtype={dtype})"
        if tuple(allocation_shape) != tuple(shape):
            line += f".as_strided({self.codegen_python_shape_tuple(shape)}, {strides})"  # type: ignore[attr-defined]
        return line


class FlagosWrapper(_FlagosCalls, PythonWrapperCodegen):
    """Python wrapper of a graph on flagos."""

    @staticmethod
    def create(is_subgraph: bool, subgraph_name: Any, parent_wrapper: Any,
               partition_signatures: Any = None) -> PythonWrapperCodegen:
        if is_subgraph:
            return FlagosSubgraphWrapper(subgraph_name, parent_wrapper, partition_signatures)
        return FlagosWrapper()


class FlagosSubgraphWrapper(_FlagosCalls, SubgraphPythonWrapperCodegen):
    """Wrapper of a subgraph (``cond``, ``while_loop`` bodies) on flagos."""
