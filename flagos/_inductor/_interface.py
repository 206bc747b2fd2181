"""The device interface Dynamo and Inductor ask about a ``flagos`` device.

Inductor never calls ``torch.flagos`` directly: it looks the device type up in
``torch._dynamo.device_interface`` and asks that class for the current device, streams, events
(the autotuner's timing), properties, ``synchronize`` and memory statistics. This class answers
from ``torch.flagos``, which already mirrors ``torch.cuda`` on every platform, so one interface
serves all platforms; only what a code generator needs on top (Triton's raw stream, compute
capability) differs, and the platform modules subclass it for that.
"""
from __future__ import annotations

from typing import Any

import torch
from torch._dynamo.device_interface import DeviceInterface, caching_worker_current_devices, caching_worker_device_properties

from ..device import _devices, memory, streams

BACKEND = _devices.BACKEND


class FlagosInterface(DeviceInterface):
    """``torch.flagos`` seen through Inductor's ``DeviceInterface``."""

    device = _devices.device  # type: ignore[assignment]
    Event = streams.Event  # type: ignore[assignment]  (returns torch.Event objects on a flagos device)
    Stream = streams.Stream  # type: ignore[assignment]

    class Worker:
        """What compile workers may ask without touching the runtime: answers cached in the parent."""

        @staticmethod
        def set_device(device: int) -> None:
            caching_worker_current_devices[BACKEND] = device

        @staticmethod
        def current_device() -> int:
            if BACKEND in caching_worker_current_devices:
                return caching_worker_current_devices[BACKEND]
            return _devices.current_device()

        @staticmethod
        def get_device_properties(device: torch.types.Device = None) -> Any:
            index = FlagosInterface.Worker.current_device() if device is None else _devices._index(device)
            if BACKEND not in caching_worker_device_properties:
                caching_worker_device_properties[BACKEND] = [
                    _devices.get_device_properties(i) for i in range(_devices.device_count())
                ]
            return caching_worker_device_properties[BACKEND][index]

    current_device = staticmethod(_devices.current_device)
    set_device = staticmethod(_devices.set_device)
    device_count = staticmethod(_devices.device_count)
    is_available = staticmethod(_devices.is_available)
    synchronize = staticmethod(_devices.synchronize)
    stream = staticmethod(streams.stream)  # type: ignore[assignment]
    current_stream = staticmethod(streams.current_stream)
    set_stream = staticmethod(streams.set_stream)  # type: ignore[assignment]
    memory_allocated = staticmethod(memory.memory_allocated)

    @staticmethod
    def get_device_properties(device: torch.types.Device = None) -> Any:  # type: ignore[override]
        return _devices.get_device_properties(device)

    @staticmethod
    def exchange_device(device: int) -> int:
        previous = _devices.current_device()
        if device >= 0 and device != previous:
            _devices.set_device(device)
        return previous

    @staticmethod
    def maybe_exchange_device(device: int) -> int:
        return FlagosInterface.exchange_device(device)

    @staticmethod
    def _set_stream_by_id(stream_id: int, device_index: int, device_type: int) -> None:
        torch.accelerator.set_stream(
            torch.Stream(stream_id=stream_id, device_index=device_index, device_type=device_type)
        )

    @staticmethod
    def get_raw_stream(device_idx: int) -> int:
        # C++ kernels on host memory take no stream; platforms with device streams override this.
        return 0

    @staticmethod
    def get_compute_capability(device: torch.types.Device = None) -> Any:
        return ""

    @staticmethod
    def is_bf16_supported(including_emulation: bool = False) -> bool:
        return True

    @staticmethod
    def is_triton_capable(device: torch.types.Device = None) -> bool:
        return False
