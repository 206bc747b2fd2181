"""Memory accounting of the flagos device allocator (torch.cuda.memory's API and key names)."""
from __future__ import annotations

import gc

import torch

DEVICE = "flagos"
MiB = 1 << 20


def fresh() -> None:
    gc.collect()
    torch.flagos.empty_cache()
    torch.flagos.reset_peak_memory_stats()


def test_allocated_tracks_tensors() -> None:
    fresh()
    base = torch.flagos.memory_allocated()
    t = torch.empty(MiB, dtype=torch.uint8, device=DEVICE)
    assert torch.flagos.memory_allocated() == base + MiB
    assert torch.flagos.memory_reserved() >= torch.flagos.memory_allocated()
    del t
    assert torch.flagos.memory_allocated() == base


def test_op_outputs_are_device_memory() -> None:
    """Outputs of native kernels count as flagos memory: they come from the flagos allocator."""
    fresh()
    x = torch.ones(256, 256, device=DEVICE)
    base = torch.flagos.memory_allocated()
    y = x @ x
    assert torch.flagos.memory_allocated() >= base + y.numel() * 4
    del y
    assert torch.flagos.memory_allocated() == base


def test_peak_and_reset() -> None:
    fresh()
    base = torch.flagos.memory_allocated()
    t = torch.empty(4 * MiB, dtype=torch.uint8, device=DEVICE)
    del t
    assert torch.flagos.max_memory_allocated() >= base + 4 * MiB
    torch.flagos.reset_peak_memory_stats()
    assert torch.flagos.max_memory_allocated() == torch.flagos.memory_allocated()
    assert torch.flagos.max_memory_reserved() >= torch.flagos.memory_reserved()


def test_cache_reuse_and_empty_cache() -> None:
    fresh()
    t = torch.empty(2 * MiB, dtype=torch.uint8, device=DEVICE)
    reserved = torch.flagos.memory_reserved()
    ptr = t.data_ptr()
    del t
    assert torch.flagos.memory_reserved() == reserved  # cached, not returned
    u = torch.empty(2 * MiB, dtype=torch.uint8, device=DEVICE)
    assert u.data_ptr() == ptr  # the cached block is reused
    del u
    torch.flagos.empty_cache()
    assert torch.flagos.memory_reserved() < reserved


def test_memory_stats_keys() -> None:
    fresh()
    t = torch.empty(1000, device=DEVICE)
    stats = torch.flagos.memory_stats()
    for key in ("allocated_bytes.all.current", "allocated_bytes.all.peak", "reserved_bytes.all.current",
                "requested_bytes.all.current", "allocation.all.current", "segment.all.current",
                "num_alloc_retries", "num_ooms"):
        assert key in stats, key
    assert stats["allocated_bytes.all.current"] == torch.flagos.memory_allocated()
    assert stats["requested_bytes.all.current"] >= 4000
    del t
    torch.flagos.reset_accumulated_memory_stats()
    assert torch.flagos.memory_stats()["allocated_bytes.all.allocated"] == 0


def test_pinned_host_memory() -> None:
    x = torch.randn(100).pin_memory()
    assert x.is_pinned() and x.device.type == "cpu"
    assert x[10:].is_pinned()  # interior pointers too
    assert not torch.randn(100).is_pinned()
    y = torch.empty(50, pin_memory=True)
    assert y.is_pinned()
