"""The device-selection snippets Inductor's generated Python uses for flagos, one copy for every
platform: the generated code selects and synchronises devices through ``torch.flagos`` (which on
cuda also sets the CUDA device), whatever the kernels are (C++ on host, Triton on cuda)."""
from __future__ import annotations


class FlagosDeviceSelection:
    """Mixed in before a platform's ``DeviceOpOverrides`` class."""

    def set_device(self, device_idx: int) -> str:
        return f"torch.flagos.set_device({device_idx})"

    def synchronize(self) -> str:
        return "torch.flagos.synchronize()"

    def device_guard(self, device_idx: int) -> str:
        return f"torch.flagos.device({device_idx})"
