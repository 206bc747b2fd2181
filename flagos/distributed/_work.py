"""Work handles for collectives on flagos tensors.

The engine's own Work does the waiting (so ``wait()`` is real and, on CUDA, stream-ordered the
engine's way); this wrapper adds what the engine cannot know about:

- results: ``result()`` and ``get_future()`` give the caller's flagos tensors, not the engine's
  native aliases (DDP's reducer builds gradient views from the future's value, and views of the
  aliases would be cpu/cuda tensors);
- a finishing step for reductions the engine lacks (``ReduceOp.AVG`` on gloo is SUM then a
  division), run exactly once, by whichever of ``wait()`` and the future completes first.
"""
from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any, Callable, Optional

import torch
import torch.distributed as dist


class FlagosWork(dist.Work):
    """Wraps the engine's Work for one collective; see the module docstring."""

    def __init__(self, work: dist.Work, results: list[torch.Tensor],
                 finish: Optional[Callable[[], None]] = None, context: str = "collective") -> None:
        super().__init__()
        self._work = work
        self._context = context
        self._results = results
        self._finish = finish
        self._lock = threading.Lock()

    def _finished(self) -> None:
        # Runs under the lock: a second caller (wait() while the future's callback is scaling on
        # the engine's thread) must not return before the results are final.
        with self._lock:
            finish, self._finish = self._finish, None
            if finish is not None:
                finish()

    def wait(self, timeout: Optional[timedelta] = None) -> bool:
        try:
            ok = self._work.wait() if timeout is None or not timeout else self._work.wait(timeout)
        except RuntimeError as e:
            raise _with_context(e, f"flagos.distributed: {self._context} failed: {e}") from e
        self._finished()
        return ok

    def get_future(self) -> torch.futures.Future:
        """A future completed with the caller's tensors once the engine's future completes.

        It is a future of the results' flagos devices, so waiting on it orders the waiter's flagos
        stream after the collective (the engine's CUDA future, on cuda, would refuse flagos tensors
        as values: they are not on its devices).
        """
        devices = list(dict.fromkeys(t.device for t in self._results if t.device.type == "flagos"))
        future: torch.futures.Future = torch.futures.Future(devices=devices) if devices else torch.futures.Future()

        def done(engine_future: torch.futures.Future) -> None:
            try:
                engine_future.value()  # raises the engine's error, if any
                self._finished()
            except Exception as e:  # noqa: BLE001 (handed to whoever waits on the future)
                future.set_exception(e)
                return
            future.set_result(self._results)

        self._work.get_future().add_done_callback(done)
        return future

    def is_completed(self) -> bool:
        return self._work.is_completed()

    def is_success(self) -> bool:
        return self._work.is_success()

    def exception(self) -> Any:
        return self._work.exception()

    def source_rank(self) -> int:
        return self._work.source_rank()

    def _source_rank(self) -> int:
        return self._work._source_rank()

    def result(self) -> list[torch.Tensor]:
        return self._results

    def synchronize(self) -> None:
        self._work.synchronize()
        self._finished()

    def block_current_stream(self) -> None:
        self._work.block_current_stream()

    def __repr__(self) -> str:
        return f"<flagos.distributed.FlagosWork over {self._work!r}>"


def _with_context(error: RuntimeError, message: str) -> RuntimeError:
    """``error`` with ``message``, keeping its type (DistBackendError stays one) where it allows."""
    try:
        return type(error)(message)
    except TypeError:
        return RuntimeError(message)
