"""Inductor on the cuda platform: Triton kernels launched on flagos tensors.

flagos device memory on the cuda platform is CUDA device memory (PyTorch's CUDA caching
allocator), flagos device ``i`` is CUDA device ``i`` and the current flagos stream is the current
CUDA stream. So the kernels Inductor generates for ``cuda`` run unchanged on flagos tensors: a
Triton kernel takes raw device pointers and a CUDA stream. What this module supplies:

- Triton scheduling and the Python wrapper for ``flagos`` (buffers are flagos tensors on the
  graph's device; kernels launch on the current CUDA stream, which is the flagos stream);
- ``flagos`` counted among Inductor's GPU device types (device guards, GPU code paths);
- the device properties Triton compiles for and the autotuner reads, taken from the CUDA device
  (``DeviceProperties`` of a flagos device says ``type="cuda"``): Triton then targets the GPU
  exactly as for ``cuda`` tensors, and the launcher's and benchmarker's CUDA calls (events for
  ``max-autotune``'s timings, streams, device guards) act on the same device and stream.

Not the same as ``cuda``: Inductor keys a few code paths on ``device.type == "cuda"`` (TMA
descriptors on sm90+, one aligned-random variant); flagos graphs take the generic path there.
``mode="reduce-overhead"`` compiles and runs, but without CUDA graphs: Inductor's cudagraph
trees accept only ``cuda`` devices (``check_multiple_devices_or_any_cpu_nodes``) and skip them,
logging "skipping cudagraphs due to multiple devices: device(type='flagos')".
"""
from __future__ import annotations

from typing import Any, Optional

import torch
from torch._inductor.codegen.common import get_device_op_overrides
from torch._inductor.codegen.triton import TritonScheduling

from ..device import _devices
from ._device_ops import FlagosDeviceSelection
from ._interface import BACKEND, FlagosInterface
from ._wrapper import FlagosWrapper


# CUDA's own snippets (their module moved between torch releases; the registry did not).
_CudaOps: Any = type(get_device_op_overrides("cuda"))


class CudaDeviceOps(FlagosDeviceSelection, _CudaOps):  # type: ignore[misc,valid-type]
    """CUDA's snippets, with devices selected through torch.flagos (which sets the CUDA device too).

    ``get_raw_stream`` stays CUDA's ``_cuda_getCurrentRawStream``: it returns the current flagos
    stream, which is the current CUDA stream of the device.
    """

    def current_stream(self) -> str:
        return "torch.flagos.current_stream()"


def _cuda_index(device: torch.types.Device) -> int:
    return _devices.current_device() if device is None else _devices._index(device)


class CudaInterface(FlagosInterface):
    """Device interface of the cuda platform: the GPU's properties, CUDA streams, Triton."""

    class Worker(FlagosInterface.Worker):
        @staticmethod
        def get_device_properties(device: torch.types.Device = None) -> Any:
            index = FlagosInterface.Worker.current_device() if device is None else _devices._index(device)
            from torch._dynamo.device_interface import CudaInterface as Cuda

            return Cuda.Worker.get_device_properties(index)

    @staticmethod
    def get_device_properties(device: torch.types.Device = None) -> Any:  # type: ignore[override]
        return torch.cuda.get_device_properties(_cuda_index(device))

    @staticmethod
    def get_raw_stream(device_idx: int) -> int:
        return torch._C._cuda_getCurrentRawStream(device_idx)

    @staticmethod
    def get_compute_capability(device: torch.types.Device = None) -> Any:
        major, minor = torch.cuda.get_device_capability(_cuda_index(device))
        return major * 10 + minor

    @staticmethod
    def is_bf16_supported(including_emulation: bool = False) -> bool:
        return torch.cuda.is_bf16_supported(including_emulation)

    @staticmethod
    def is_triton_capable(device: torch.types.Device = None) -> bool:
        return torch.cuda.get_device_properties(_cuda_index(device)).major >= 7

    @staticmethod
    def raise_if_triton_unavailable(device: torch.types.Device = None) -> None:
        from torch._dynamo.device_interface import CudaInterface as Cuda

        Cuda.raise_if_triton_unavailable(_cuda_index(device))


_original_properties: Optional[Any] = None


def _device_properties(device: torch.device) -> Any:
    """Inductor's DeviceProperties of a flagos device: those of the CUDA device it is."""
    assert _original_properties is not None
    if device.type == BACKEND:
        device = torch.device("cuda", _cuda_index(device))
    return _original_properties(device)


def after_register() -> None:
    """flagos is a GPU device type for Inductor, compiled for as its CUDA device."""
    global _original_properties
    from torch._inductor import utils
    from torch._inductor.runtime import hints

    if BACKEND not in utils.GPU_TYPES:
        # get_gpu_type() answers "the machine's one GPU type" and asserts that only one of
        # GPU_TYPES is available; flagos on cuda makes two. Its answer is cached
        # (functools.cache), so it is asked once before flagos joins the list: it stays "cuda",
        # which is what its callers (constructor placement, autotuning, C++ wrapper) need.
        utils.get_gpu_type()
        utils.GPU_TYPES.append(BACKEND)
    if _original_properties is None:
        _original_properties = hints.DeviceProperties.create
        hints.DeviceProperties.create = staticmethod(_device_properties)  # type: ignore[method-assign,assignment]


SCHEDULING = TritonScheduling
WRAPPER = FlagosWrapper
CPP_WRAPPER = None
DEVICE_OPS = CudaDeviceOps()
INTERFACE = CudaInterface
