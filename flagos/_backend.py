"""Registers flagos with PyTorch's Python layer: the device name, ``torch.flagos`` and the
generated ``Tensor.flagos()`` / ``Tensor.is_flagos`` / ``Module.flagos()`` methods.

Only one backend can own PyTorch's PrivateUse1 slot per process; if another plugin already
renamed it, importing flagos fails with both names instead of silently sharing the slot.
"""
from __future__ import annotations

import torch


NAME = "flagos"


def check_slot_free() -> None:
    """Raises ImportError when another backend owns PrivateUse1 (before flagos registers anything)."""
    current = torch._C._get_privateuse1_backend_name()
    if current not in (NAME, "privateuseone"):
        raise ImportError(
            f"flagos: PyTorch's PrivateUse1 device is already taken by '{current}'; only one such backend "
            "can be loaded per process. Remove the other import (or set TORCH_DEVICE_BACKEND_AUTOLOAD=0 "
            "to stop PyTorch loading backends automatically)."
        )


def register() -> None:
    check_slot_free()
    if torch._C._get_privateuse1_backend_name() != NAME:
        torch.utils.rename_privateuse1_backend(NAME)
    if not hasattr(torch, NAME):
        from . import device as _device_module  # imported late: it needs the loaded library

        torch._register_device_module(NAME, _device_module)
        torch.utils.generate_methods_for_privateuse1_backend(
            for_tensor=True, for_module=True, for_packed_sequence=True, for_storage=True
        )
