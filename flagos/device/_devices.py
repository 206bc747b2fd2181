"""Device enumeration, selection and properties: the ``torch.cuda`` equivalents for flagos."""
from __future__ import annotations

import warnings
from typing import Any, Optional, Union

import torch

from .. import _runtime

DeviceLike = Union[torch.device, str, int, None]

BACKEND = "flagos"


def _index(device: DeviceLike, *, optional: bool = True) -> int:
    """Index of a flagos device given as an int, 'flagos[:i]' or a torch.device (None: current)."""
    if device is None:
        if not optional:
            raise ValueError("flagos: expected a flagos device, got None")
        return current_device()
    if isinstance(device, int):
        index = device
    else:
        dev = torch.device(device)
        if dev.type != BACKEND:
            raise ValueError(f"flagos: expected a flagos device, got {dev} (device type '{dev.type}')")
        index = dev.index if dev.index is not None else current_device()
    count = device_count()
    if not 0 <= index < count:
        raise RuntimeError(
            f"flagos: invalid device index {index}: {count} flagos device(s) available, "
            f"flagos:0 to flagos:{count - 1}"
        )
    return index


def is_available() -> bool:
    """True when the platform has at least one usable flagos device."""
    try:
        return device_count() > 0
    except RuntimeError:
        return False


_count_warned = False


def device_count() -> int:
    """Number of flagos devices; 0 when there are none, or when the platform's configuration is
    broken: then, as torch.cuda does, with one warning carrying the error (flagos' first use
    raises it)."""
    global _count_warned
    try:
        return _runtime.device_count()
    except RuntimeError as e:
        if not _count_warned:
            _count_warned = True
            warnings.warn(f"flagos is unavailable: {e}", stacklevel=2)
        return 0


def configuration_error() -> Optional[str]:
    """The platform's configuration error, if any (what makes device_count() 0)."""
    try:
        _runtime.device_count()
        return None
    except RuntimeError as e:
        return str(e)


def current_device() -> int:
    return torch.accelerator.current_device_index()


def set_device(device: DeviceLike) -> None:
    torch.accelerator.set_device_index(_index(device))


class device:
    """Context manager that makes ``device`` the current flagos device (None or negative: no-op)."""

    def __init__(self, device: Any) -> None:
        self.idx = -1 if device is None or (isinstance(device, int) and device < 0) else _index(device)
        self.prev_idx = -1

    def __enter__(self) -> None:
        if self.idx >= 0:
            self.prev_idx = current_device()
            if self.prev_idx != self.idx:
                set_device(self.idx)

    def __exit__(self, *exc: object) -> bool:
        if self.idx >= 0 and self.prev_idx != self.idx:
            set_device(self.prev_idx)
        return False


class device_of(device):
    """Context manager that makes the device of tensor ``obj`` current (no-op for non-flagos tensors)."""

    def __init__(self, obj: torch.Tensor) -> None:
        super().__init__(obj.get_device() if obj.device.type == BACKEND else -1)


def synchronize(device: DeviceLike = None) -> None:
    """Waits for all work queued on every stream of ``device`` (host platform: returns at once)."""
    if _runtime.is_current_stream_capturing():
        raise RuntimeError("flagos: synchronize() is not allowed while the current stream is being captured into "
                           "a graph (the graph could not wait on the host at replay); synchronize before "
                           "capture_begin() or after capture_end()")
    torch.accelerator.synchronize(_index(device))


FlagosDeviceProperties = _runtime.FlagosDeviceProperties


def get_device_properties(device: DeviceLike = None) -> FlagosDeviceProperties:
    return _runtime.device_properties(_index(device))


def get_device_name(device: DeviceLike = None) -> str:
    return get_device_properties(device).name


def get_device_capability(device: DeviceLike = None) -> tuple[int, int]:
    props = get_device_properties(device)
    return props.major, props.minor


def _optional_index(device: DeviceLike) -> Optional[int]:
    return None if device is None else _index(device)
