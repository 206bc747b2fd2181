"""Shared helpers for the tests of the ascend platform's aclnn kernels (test_aclnn_kernels.py,
test_aclnn_training.py): the synthetic stand-in toolkit's call records, and the providers the
operators of a call ran on."""
from __future__ import annotations

import ctypes
import os
import pathlib

import pytest
import torch

import flagos


class Call(ctypes.Structure):
    """synthetic_acl_call (tests/synthetic_sdk/cann/include/flagos_synthetic/acl_control.h)."""

    _fields_ = [("device", ctypes.c_int), ("stream", ctypes.c_void_p), ("ptr", ctypes.c_void_p),
                ("bytes", ctypes.c_size_t), ("kind", ctypes.c_int), ("flags", ctypes.c_uint)]


@pytest.fixture(scope="module")
def acl() -> ctypes.CDLL:
    root = pathlib.Path(os.environ.get("ASCEND_HOME_PATH", ""))
    if not (root / "FLAGOS_SYNTHETIC_SDK").exists():
        pytest.skip("needs the synthetic toolkit's call records (a real toolkit has none)")
    lib = ctypes.CDLL(str(root / "lib64" / "libascendcl.so"))
    lib.synthetic_acl_call_count.argtypes = [ctypes.c_char_p]
    lib.synthetic_acl_get_call.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(Call)]
    lib.synthetic_acl_fail_next.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.synthetic_acl_pending.argtypes = [ctypes.c_void_p]
    return lib


def count(acl: ctypes.CDLL, api: str) -> int:
    return acl.synthetic_acl_call_count(api.encode())


def last_call(acl: ctypes.CDLL, api: str) -> Call:
    call = Call()
    assert acl.synthetic_acl_get_call(api.encode(), -1, ctypes.byref(call)) == 1, f"{api} was never called"
    return call


def runs_native(fn, *args):
    """fn(*args) and the providers its operators ran on."""
    with flagos.trace() as trace:
        out = fn(*args)
    return out, {op: provider for op, provider in trace.counts()}


def rms_norm_reference(x: torch.Tensor, shape: list[int], weight: torch.Tensor | None, eps: float) -> torch.Tensor:
    """RMSNorm's definition in float64 (x, weight: CPU tensors of any dtype; float64 leaves keep
    their autograd graph)."""
    xd = x.double()
    dims = tuple(range(-len(shape), 0))
    out = xd * torch.rsqrt(xd.pow(2).mean(dims, keepdim=True) + eps)
    return out * weight.double() if weight is not None else out
