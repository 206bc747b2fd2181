"""flagos streams and events, as ``torch.cuda.Stream``/``Event`` are for CUDA.

They are ``torch.Stream``/``torch.Event`` subclasses, so PyTorch code that takes generic streams
accepts them. On the host platform streams are synchronous: work is finished when the call that
queued it returns, so ``query()`` is always True; events still measure real elapsed time.
"""
from __future__ import annotations

from typing import Any, Optional

import torch

from ._devices import BACKEND, DeviceLike, _index
from ._devices import device as _device_ctx


class Stream(torch.Stream):
    """A flagos stream. ``priority`` 0 is the default, negative values are higher priority."""

    def __new__(cls, device: DeviceLike = None, priority: int = 0, **kwargs: Any) -> "Stream":
        if "stream_id" in kwargs and "device_index" in kwargs:
            return super().__new__(cls, priority=priority, **kwargs)
        return super().__new__(cls, device=torch.device(BACKEND, _index(device)), priority=priority)

    @classmethod
    def _wrap(cls, stream: torch.Stream) -> "Stream":
        return cls(stream_id=stream.stream_id, device_index=stream.device_index, device_type=stream.device_type)

    def __repr__(self) -> str:
        return f"<flagos.Stream device={self.device} stream_id={self.stream_id}>"


class _FlagosEventType(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, torch.Event) and obj.device.type == BACKEND


class Event(metaclass=_FlagosEventType):
    """A flagos event; ``enable_timing=True`` makes ``elapsed_time`` available.

    Calling it returns a plain ``torch.Event`` on a flagos device: PyTorch's event methods accept
    only that exact type (``e1.elapsed_time(e2)``, ``stream.wait_event(e)``), so a subclass would
    break them. ``isinstance(e, torch.flagos.Event)`` is True for every flagos event.
    """

    def __new__(cls, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False,
                device: DeviceLike = None) -> torch.Event:  # type: ignore[misc]
        return torch.Event(device=torch.device(BACKEND, _index(device)), enable_timing=enable_timing,
                           blocking=blocking, interprocess=interprocess)


def current_stream(device: DeviceLike = None) -> Stream:
    return Stream._wrap(torch.accelerator.current_stream(_index(device)))


def default_stream(device: DeviceLike = None) -> Stream:
    index = _index(device)
    current = torch.accelerator.current_stream(index)
    return Stream(stream_id=0, device_index=index, device_type=current.device_type)


def set_stream(stream: Optional[torch.Stream]) -> None:
    if stream is not None:
        torch.accelerator.set_stream(stream)


class StreamContext:
    """Makes ``stream`` current on its device (and that device current) inside a ``with`` block."""

    def __init__(self, stream: Optional[torch.Stream]) -> None:
        self.stream = stream
        self._prev_stream: Optional[torch.Stream] = None
        self._device: Optional[_device_ctx] = None

    def __enter__(self) -> Optional[torch.Stream]:
        if self.stream is None:
            return None
        self._device = _device_ctx(self.stream.device_index)
        self._device.__enter__()
        self._prev_stream = torch.accelerator.current_stream(self.stream.device_index)
        torch.accelerator.set_stream(self.stream)
        return self.stream

    def __exit__(self, *exc: object) -> bool:
        if self.stream is None:
            return False
        assert self._prev_stream is not None and self._device is not None
        torch.accelerator.set_stream(self._prev_stream)
        self._device.__exit__(*exc)
        return False


def stream(stream: Optional[torch.Stream]) -> StreamContext:
    return StreamContext(stream)
