"""Streams and events on flagos, with torch.cuda's semantics. On the host platform streams are
synchronous (documented), so ordering holds trivially; these tests pin the API contract: stream
identity, priorities, current-stream context, event recording and elapsed time."""
from __future__ import annotations

import time

import pytest
import torch

DEVICE = "flagos"


def test_default_and_current_stream() -> None:
    s = torch.flagos.current_stream()
    d = torch.flagos.default_stream()
    assert s == d and s.stream_id == 0
    assert s.device == torch.device(DEVICE, 0)
    assert isinstance(s, torch.flagos.Stream) and isinstance(s, torch.Stream)
    assert s.query()


def test_new_streams_and_priorities() -> None:
    s1, s2 = torch.flagos.Stream(), torch.flagos.Stream()
    high = torch.flagos.Stream(priority=-1)
    assert s1.stream_id != 0 and s1.device.type == DEVICE
    assert s1 != s2  # pool streams are handed out round robin
    assert high.stream_id not in (s1.stream_id, s2.stream_id)
    torch.Stream(device=DEVICE).synchronize()


def test_stream_context_sets_and_restores() -> None:
    s = torch.flagos.Stream()
    before = torch.flagos.current_stream()
    with torch.flagos.stream(s):
        assert torch.flagos.current_stream() == s
        x = torch.ones(4, device=DEVICE) * 2
    assert torch.flagos.current_stream() == before
    before.wait_stream(s)  # x was computed on s: as with CUDA, readers on another stream must wait for it
    assert torch.equal(x.cpu(), torch.full((4,), 2.0))
    with torch.flagos.stream(None):
        assert torch.flagos.current_stream() == before
    torch.flagos.set_stream(s)
    assert torch.flagos.current_stream() == s
    torch.flagos.set_stream(before)


def test_stream_waits_and_record_stream() -> None:
    s1, s2 = torch.flagos.Stream(), torch.flagos.Stream()
    e = s1.record_event()
    s2.wait_event(e)
    s2.wait_stream(s1)
    s2.synchronize()
    assert e.query() and s1.query() and s2.query()
    t = torch.ones(8, device=DEVICE)
    t.record_stream(s1)
    del t  # memory goes back to the pool once s1's work is done


def test_events_measure_elapsed_time() -> None:
    start = torch.flagos.Event(enable_timing=True)
    end = torch.flagos.Event(enable_timing=True)
    assert isinstance(start, torch.flagos.Event) and isinstance(start, torch.Event)
    start.record()
    time.sleep(0.02)
    end.record()
    end.synchronize()
    assert end.query()
    assert start.elapsed_time(end) >= 15.0  # slept 20 ms between the two records


def test_event_without_timing_refuses_elapsed_time() -> None:
    a, b = torch.flagos.Event(), torch.flagos.Event()
    a.record()
    b.record()
    with pytest.raises((ValueError, RuntimeError), match="timing"):
        a.elapsed_time(b)


def test_unrecorded_event() -> None:
    e = torch.flagos.Event(enable_timing=True)
    assert e.query()
    e.synchronize()
    with pytest.raises((ValueError, RuntimeError), match="recorded"):
        e.elapsed_time(torch.flagos.Event(enable_timing=True))
