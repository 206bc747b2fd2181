"""``testkernels``: a kernel provider for tests (FLAGOS_PROVIDERS=routing_provider).

It is registered and called exactly as the ``flaggems`` provider is (a KernelProvider: kernels on
the provider dispatch key, called with native-device tensors over flagos memory), so the host
tests exercise FlagGems' whole path except FlagGems' own kernels, which need a GPU. Its kernels
compute with the native ATen kernels, some of them wrong on purpose so that ``python -m flagos
check`` has real failures to find:

  add.Tensor, relu_.default, zeros.default, cat.default   correct
  mul.Tensor                                               wrong: adds instead
  tanh.default                                             NaN in the first column
  sin.default                                              kills its process (as an illegal memory
                                                           access kills a CUDA context)
  copy_.default, _to_copy.default                          device-local only, as FlagGems' are: a
                                                           policy must not send transfers to them
"""
from __future__ import annotations

import collections
import os

import torch

from flagos.routing import KernelProvider

aten = torch.ops.aten

# Calls per kernel and the device types its tensors had (the provider must see native tensors).
CALLS: collections.Counter = collections.Counter()
DEVICES: set[str] = set()


def _seen(name: str, *tensors: torch.Tensor) -> None:
    CALLS[name] += 1
    DEVICES.update(t.device.type for t in tensors)


def add(self, other, *, alpha=1):
    _seen("add.Tensor", self, other)
    return aten.add.Tensor(self, other, alpha=alpha)


def relu_(self):
    _seen("relu_.default", self)
    return aten.relu_.default(self)


def zeros(size, *, dtype=None, layout=None, device=None, pin_memory=None):
    CALLS["zeros.default"] += 1
    DEVICES.add(torch.device(device).type if device is not None else "cpu")
    return aten.zeros.default(size, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory)


def cat(tensors, dim=0):
    _seen("cat.default", *tensors)
    return aten.cat.default(tensors, dim)


def wrong_mul(self, other):
    _seen("mul.Tensor", self, other)
    return aten.add.Tensor(self, other)


def nan_tanh(self):
    _seen("tanh.default", self)
    out = aten.tanh.default(self)
    if out.dim() > 0 and out.is_floating_point():
        out.select(-1, 0).fill_(float("nan"))
    return out


def copy_(self, src, non_blocking=False):
    _seen("copy_.default", self, src)
    if self.device != src.device:
        raise RuntimeError(f"testkernels copy_: {src.device} -> {self.device} is not a device-local copy")
    return aten.copy_.default(self, src, non_blocking)


def to_copy(self, **kwargs):
    _seen("_to_copy.default", self)
    if kwargs.get("device") is not None and torch.device(kwargs["device"]).type != self.device.type:
        raise RuntimeError("testkernels _to_copy: not a device-local copy")
    return aten._to_copy.default(self, **kwargs)


def dying_sin(self):
    os._exit(77)


def provider() -> KernelProvider:
    return KernelProvider("testkernels", {
        "add.Tensor": add,
        "relu_": relu_,
        "zeros": zeros,
        "cat": cat,
        "mul.Tensor": wrong_mul,
        "tanh": nan_tanh,
        "sin": dying_sin,
        "copy_": copy_,
        "_to_copy": to_copy,
        "no_such_op.default": add,  # names the running torch lacks are skipped, not fatal
    }, "flagos' test kernels")
