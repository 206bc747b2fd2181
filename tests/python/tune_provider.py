"""``tunekernels``: a kernel provider for ``python -m flagos tune``'s tests (FLAGOS_PROVIDERS=tune_provider).

A KernelProvider like ``flaggems`` (kernels on the provider dispatch key, called with native
tensors over flagos memory), with kernels whose speed and correctness are known, so that tune has
a right answer on any machine:

  mm.default   correct, and much faster than ATen's on the layout the workload traces: when every
               row of the first operand is the same row (stride 0, as ``x.expand(n, k) @ w`` gives),
               it multiplies that one row and copies it n times, instead of n rows; otherwise ATen's
               kernel after a 2 ms pause. Tune must route mm here.
  add.Tensor   correct, 2 ms slower than ATen's: tune must keep it on native.
  mul.Tensor   wrong and the fastest of all: an uninitialised result, computed by nothing. Tune must
               never route it here, however fast.
"""
from __future__ import annotations

import time

import torch

from flagos.routing import KernelProvider

aten = torch.ops.aten
PAUSE_S = 0.002


def broadcast_mm(self: torch.Tensor, mat2: torch.Tensor) -> torch.Tensor:
    if self.dim() == 2 and self.size(0) > 1 and self.stride(0) == 0:
        row = aten.mm.default(self[:1], mat2)
        return row.expand(self.size(0), mat2.size(1)).contiguous()
    time.sleep(PAUSE_S)
    return aten.mm.default(self, mat2)


def slow_add(self: torch.Tensor, other: torch.Tensor, *, alpha: float = 1) -> torch.Tensor:
    time.sleep(PAUSE_S)
    return aten.add.Tensor(self, other, alpha=alpha)


def uninitialised_mul(self: torch.Tensor, other) -> torch.Tensor:
    shape = torch.broadcast_shapes(self.shape, other.shape if isinstance(other, torch.Tensor) else ())
    return torch.empty(shape, dtype=self.dtype, device=self.device).fill_(float("nan"))


def provider() -> KernelProvider:
    return KernelProvider("tunekernels", {"mm.default": broadcast_mm, "add.Tensor": slow_add,
                                          "mul.Tensor": uninitialised_mul}, "flagos' tune test kernels")
