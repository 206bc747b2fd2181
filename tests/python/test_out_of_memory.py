"""Out of memory on the host platform: FLAGOS_HOST_MEMORY_LIMIT caps each simulated device (this
test target runs with a 64 MiB cap), and exceeding it raises torch.OutOfMemoryError that names
the device and the sizes, after the allocator has released its cache and retried."""
from __future__ import annotations

import os

import pytest
import torch

import flagos

DEVICE = "flagos"
MiB = 1 << 20

# Bazel runs this file with the cap set (tests/python/BUILD.bazel); a plain pytest run without it
# (or on a platform with real device memory) has nothing to test here.
pytestmark = pytest.mark.skipif(
    os.environ.get("FLAGOS_HOST_MEMORY_LIMIT") != "64M",
    reason="needs the host platform with FLAGOS_HOST_MEMORY_LIMIT=64M",
)


def test_limit_is_reported() -> None:
    assert torch.flagos.get_device_properties(0).total_memory == 64 * MiB


def test_oversized_allocation_raises_out_of_memory() -> None:
    with pytest.raises(torch.OutOfMemoryError) as info:
        torch.empty(100 * MiB, dtype=torch.uint8, device=DEVICE)
    message = str(info.value)
    assert "flagos out of memory" in message and "flagos:0" in message
    assert "100.00 MiB" in message and "64.00 MiB in total" in message
    if flagos.platform == "host":  # the simulated devices' capacity comes from that variable
        assert "FLAGOS_HOST_MEMORY_LIMIT" in message
    assert torch.flagos.memory_stats()["num_ooms"] >= 1


def test_cache_is_released_before_failing() -> None:
    torch.flagos.empty_cache()
    keep = [torch.empty(20 * MiB, dtype=torch.uint8, device=DEVICE) for _ in range(2)]
    del keep  # 40 MiB now cached
    retries = torch.flagos.memory_stats()["num_alloc_retries"]
    big = torch.empty(50 * MiB, dtype=torch.uint8, device=DEVICE)  # fits only once the cache is freed
    assert torch.flagos.memory_stats()["num_alloc_retries"] == retries + 1
    del big


def test_op_outputs_are_capped_too() -> None:
    x = torch.ones(4 * MiB, device=DEVICE)  # 16 MiB
    with pytest.raises(torch.OutOfMemoryError, match="flagos out of memory"):
        torch.cat([x] * 4)  # 64 MiB more


def test_memory_is_usable_after_an_oom() -> None:
    with pytest.raises(torch.OutOfMemoryError):
        torch.empty(200 * MiB, dtype=torch.uint8, device=DEVICE)
    t = torch.ones(MiB, device=DEVICE)
    assert t.sum().item() == MiB
