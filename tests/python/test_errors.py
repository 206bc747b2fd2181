"""Bad input gets the error torch.cuda users know, naming flagos and how to fix it."""
from __future__ import annotations

import pytest
import torch

DEVICE = "flagos"


def test_mixed_cpu_and_flagos_operands_fail_like_cuda() -> None:
    a = torch.ones(3, device=DEVICE)
    b = torch.ones(3)
    pattern = r"Expected all tensors to be on the same device, but found at least two devices, flagos:0 and cpu!"
    with pytest.raises(RuntimeError, match=pattern):
        a + b
    with pytest.raises(RuntimeError, match=pattern):
        torch.mm(torch.ones(2, 2, device=DEVICE), torch.ones(2, 2))
    with pytest.raises(RuntimeError, match=pattern):
        torch.nn.functional.embedding(torch.tensor([0, 1]), torch.ones(4, 3, device=DEVICE))


def test_cpu_scalars_are_accepted_like_cuda() -> None:
    a = torch.ones(3, device=DEVICE)
    assert torch.equal((a * torch.tensor(3.0)).cpu(), torch.full((3,), 3.0))
    assert torch.equal(torch.where(a > 0, a, torch.tensor(0.0)).cpu(), torch.ones(3))


def test_pin_memory_on_flagos_factory_is_rejected() -> None:
    with pytest.raises(RuntimeError, match="pin_memory=True applies to CPU tensors only"):
        torch.empty(3, device=DEVICE, pin_memory=True)


def test_sparse_layout_is_rejected() -> None:
    with pytest.raises(NotImplementedError, match=r"flagos supports strided \(dense\) tensors only"):
        torch.empty(3, device=DEVICE, layout=torch.sparse_coo)
    with pytest.raises(NotImplementedError, match="flagos supports strided"):
        torch.eye(3).to_sparse().to(DEVICE)


def test_meta_and_flagos_mix_is_rejected() -> None:
    with pytest.raises(RuntimeError, match="meta"):
        torch.ones(2, device=DEVICE) + torch.ones(2, device="meta")


def test_op_without_native_kernel_names_flagos() -> None:
    """An operator the native device lacks fails with a flagos message, not a CPU one."""
    x, w = torch.ones(1, 1, 4, 4, device=DEVICE), torch.ones(1, 1, 3, 3, device=DEVICE)
    with pytest.raises(NotImplementedError, match=r"flagos: aten::_mps_convolution has no kernel on the native device"):
        torch.ops.aten._mps_convolution(x, w, None, [0, 0], [1, 1], [1, 1], 1)  # an Apple-GPU-only operator
