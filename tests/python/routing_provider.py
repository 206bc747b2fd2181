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
  div.Tensor                                               wrong on strided inputs: reads them as
                                                           if contiguous (a stride-blind kernel)
  sub.Tensor                                               refuses a 0-dim tensor operand (a Python
                                                           scalar arrives as a 0-dim CPU tensor; a
                                                           Triton kernel given its host pointer fails.
                                                           On host both operands look like CPU tensors,
                                                           so the test kernel goes by the 0-dim)
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


def stride_blind_div(self, other):
    _seen("div.Tensor", self, other)
    packed = [t.as_strided(t.shape, torch.empty(t.shape, device="meta").stride()) if isinstance(t, torch.Tensor)
              else t for t in (self, other)]
    return aten.div.Tensor(*packed)


def device_only_sub(self, other, *, alpha=1):
    _seen("sub.Tensor", self, other)
    if isinstance(other, torch.Tensor) and other.dim() == 0 and self.dim() > 0:
        raise ValueError("testkernels sub: a 0-dim operand (a CPU scalar?) cannot be read by this kernel")
    return aten.sub.Tensor(self, other, alpha=alpha)


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
        "div.Tensor": stride_blind_div,
        "sub.Tensor": device_only_sub,
        "copy_": copy_,
        "_to_copy": to_copy,
        "no_such_op.default": add,  # names the running torch lacks are skipped, not fatal
    }, "flagos' test kernels")
