"""Zero-copy hand-over between flagos tensors and the platform's native device.

``to_native(t)`` gives a tensor of the native device (cpu on host, cuda on cuda) over the same
memory as flagos tensor ``t``; ``from_native(n, device)`` turns a native tensor back into a flagos
tensor: an alias of flagos memory maps back onto it, memory from the flagos pool is adopted
without a copy, anything else is copied. Kernel providers written in Python and collective
engines use these to run native code on flagos memory.
"""
from __future__ import annotations

from ._runtime import from_native, to_native

__all__ = ["from_native", "to_native"]
