"""Graph capture on flagos: ``torch.flagos.FlagosGraph``, ``torch.flagos.graph``, modelled on
``torch.cuda.CUDAGraph`` / ``torch.cuda.graph``, and the same on every platform.

A graph records the work queued on one stream between ``capture_begin()`` and ``capture_end()``
and runs it again on ``replay()`` without Python, so decoding and small-batch steps lose their
host overhead. Replays read and write the same memory as the capture did: copy new inputs into
the tensors the capture read, read the results from the tensors it produced.

How a platform captures (all behind the same API; see README "Graphs"):
  * cuda: CUDA graphs (flagos streams are CUDA streams), memory from a private pool of PyTorch's
    CUDA caching allocator, random numbers as torch.cuda's under capture;
  * host and platforms without native graphs: flagos' own graph, recorded at the dispatcher level
    (every operator call on the capture stream, with the tensors it touched, memory from a private
    pool of flagos' allocator). Replay skips Python, autograd, composite kernels and tensor
    allocation; the kernels themselves still run on the host.
"""
from __future__ import annotations

import gc
from typing import Any, Callable, Optional, Sequence, Union

import torch

from .. import _runtime
from ._devices import synchronize
from .memory import empty_cache
from .streams import Stream, StreamContext

_Pool = tuple[int, int]
_MODES = ("default", "global", "thread_local", "relaxed")


def graph_pool_handle() -> _Pool:
    """An id for a memory pool that several graphs may share (``pool=`` of ``graph``/``capture_begin``).

    Graphs sharing a pool reuse each other's freed capture memory; replay them in capture order.
    """
    return _runtime.graph_pool_handle()


def is_current_stream_capturing() -> bool:
    """True when the current stream of the current flagos device is being captured into a graph."""
    return _runtime.is_current_stream_capturing()


class FlagosGraph:
    """A flagos graph: capture once, replay many times (``torch.cuda.CUDAGraph``'s API).

    ``keep_graph`` is accepted for torch.cuda compatibility (cuda: keep the raw CUDA graph after
    ``capture_end``); flagos' recorded graphs always keep their calls.
    """

    def __init__(self, keep_graph: bool = False) -> None:
        self._impl = torch.classes.flagos.Graph(bool(keep_graph))

    def capture_begin(self, pool: Optional[_Pool] = None, capture_error_mode: str = "global") -> None:
        """Starts capturing the current stream (which must not be the default stream)."""
        if capture_error_mode not in _MODES:
            raise ValueError(f"flagos: capture_error_mode must be one of {_MODES}, got {capture_error_mode!r}")
        a, b = (0, 0) if pool is None else (int(pool[0]), int(pool[1]))
        self._impl.capture_begin(a, b, capture_error_mode)

    def capture_end(self) -> None:
        """Ends the capture begun on the current stream."""
        self._impl.capture_end()

    def instantiate(self) -> None:
        self._impl.instantiate()

    def replay(self) -> None:
        """Runs the captured work again, on the current stream, over the captured memory."""
        self._impl.replay()

    def reset(self) -> None:
        """Drops the capture and its memory pool (memory still held by your tensors returns when they die)."""
        self._impl.reset()

    def pool(self) -> _Pool:
        """This graph's memory pool id, to share it with another graph's capture."""
        return tuple(self._impl.pool())  # type: ignore[return-value]

    def enable_debug_mode(self) -> None:
        self._impl.enable_debug_mode()

    def debug_dump(self, debug_path: str) -> None:
        """Writes the captured graph to ``debug_path`` (needs ``enable_debug_mode()`` first)."""
        self._impl.debug_dump(debug_path)


class graph:
    """Captures the enclosed work into ``flagos_graph`` (``torch.cuda.graph``'s context manager).

    Synchronises the device, collects garbage and empties the cache first (so freed memory is not
    captured), then captures on ``stream`` (default: a side stream shared by every capture).
    """

    default_capture_stream: Optional[Stream] = None

    def __init__(self, flagos_graph: FlagosGraph, pool: Optional[_Pool] = None,
                 stream: Optional[torch.Stream] = None, capture_error_mode: str = "global") -> None:
        if stream is None:
            if graph.default_capture_stream is None:
                graph.default_capture_stream = Stream()
            stream = graph.default_capture_stream
        self.flagos_graph = flagos_graph
        self.pool = pool
        self.capture_stream = stream
        self.capture_error_mode = capture_error_mode
        self._stream_ctx = StreamContext(stream)

    def __enter__(self) -> None:
        synchronize()
        gc.collect()
        empty_cache()
        self._stream_ctx.__enter__()
        try:
            self.flagos_graph.capture_begin(self.pool, capture_error_mode=self.capture_error_mode)
        except BaseException:
            self._stream_ctx.__exit__(None, None, None)
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            self.flagos_graph.capture_end()
        finally:
            self._stream_ctx.__exit__(*exc)


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def _graph_callable(fn: Callable[..., Any], args: tuple[Any, ...], warmup: int, allow_unused: bool,
                    pool: _Pool) -> Callable[..., Any]:
    """One callable as forward and backward graphs behind an autograd.Function."""
    if not all(isinstance(a, torch.Tensor) for a in args):
        raise TypeError("flagos.make_graphed_callables: sample_args must be tensors (graphs replay fixed tensors)")
    params = tuple(p for p in fn.parameters() if p.requires_grad) if isinstance(fn, torch.nn.Module) else ()
    static_inputs = tuple(args) + params
    needs_grad = [t for t in static_inputs if t.requires_grad]

    side = Stream()
    side.wait_stream(torch.flagos.current_stream())
    with StreamContext(side):  # warm up outside the capture: lazy initialisation, autotuning...
        for _ in range(warmup):
            outs = _as_tuple(fn(*args))
            diff = [o for o in outs if o.requires_grad]
            if diff and needs_grad:
                torch.autograd.grad(diff, needs_grad, [torch.empty_like(o) for o in diff], allow_unused=allow_unused)
        outs = diff = None  # type: ignore[assignment]
    torch.flagos.current_stream().wait_stream(side)

    fwd = FlagosGraph()
    with graph(fwd, pool=pool):
        raw = fn(*args)
    single = not isinstance(raw, tuple)
    static_outputs = _as_tuple(raw)
    static_grad_outputs = tuple(torch.empty_like(o) if o.requires_grad else None for o in static_outputs)
    bwd = FlagosGraph()
    with graph(bwd, pool=pool):
        diff_out = [o for o in static_outputs if o.requires_grad]
        grads = torch.autograd.grad(diff_out, needs_grad, [g for g in static_grad_outputs if g is not None],
                                    allow_unused=allow_unused) if diff_out and needs_grad else ()
    it = iter(grads)
    static_grad_inputs = tuple(next(it) if t.requires_grad else None for t in static_inputs)
    n_args = len(args)

    class Graphed(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
            for static, new in zip(static_inputs[:n_args], inputs[:n_args]):
                if static.data_ptr() != new.data_ptr():
                    static.copy_(new)
            fwd.replay()
            return tuple(o.detach() for o in static_outputs)

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx: Any, *grad_outs: Optional[torch.Tensor]) -> tuple[Optional[torch.Tensor], ...]:
            for static, g in zip(static_grad_outputs, grad_outs):
                if static is not None:
                    if g is None:
                        static.zero_()
                    elif static.data_ptr() != g.data_ptr():
                        static.copy_(g)
            bwd.replay()
            return tuple(g.detach() if g is not None else None for g in static_grad_inputs)

    def graphed(*user_args: torch.Tensor) -> Any:
        out = Graphed.apply(*(tuple(user_args) + params))
        return out[0] if single else out

    if isinstance(fn, torch.nn.Module):
        module, eager_forward, training = fn, fn.forward, fn.training

        def forward(*user_args: torch.Tensor) -> Any:
            # The graphs hold the training/eval behaviour of capture time; the other mode runs eagerly.
            return graphed(*user_args) if module.training == training else eager_forward(*user_args)

        module.forward = forward  # type: ignore[method-assign]
        return module
    return graphed


def make_graphed_callables(callables: Union[Callable[..., Any], tuple[Callable[..., Any], ...]],
                           sample_args: Union[tuple[torch.Tensor, ...], tuple[tuple[torch.Tensor, ...], ...]],
                           num_warmup_iters: int = 3, allow_unused_input: bool = False,
                           pool: Optional[_Pool] = None) -> Any:
    """Graphed versions of callables or modules (``torch.cuda.make_graphed_callables``).

    Each callable's forward and backward are captured into graphs sharing one memory pool; the
    returned callable copies its inputs into the captured ones, replays, and returns the captured
    outputs (detached, with the backward graph as their gradient function).
    """
    just_one = not isinstance(callables, tuple)
    fns: Sequence[Callable[..., Any]] = (callables,) if just_one else callables  # type: ignore[assignment]
    samples: Sequence[tuple[torch.Tensor, ...]] = (sample_args,) if just_one else sample_args  # type: ignore
    if len(fns) != len(samples):
        raise ValueError("flagos.make_graphed_callables: one tuple of sample_args per callable is needed")
    mempool = graph_pool_handle() if pool is None else pool
    out = tuple(_graph_callable(f, _as_tuple(a), num_warmup_iters, allow_unused_input, mempool)
                for f, a in zip(fns, samples))
    return out[0] if just_one else out


_runtime.register_accelerator_graph()

__all__ = [
    "FlagosGraph",
    "graph",
    "graph_pool_handle",
    "is_current_stream_capturing",
    "make_graphed_callables",
]
