"""The ``flagos`` process group: torch.distributed collectives on flagos tensors.

Collective engines (gloo, NCCL) reject PrivateUse1 tensors, and torch.distributed's C++
``Backend`` cannot be subclassed from Python. A Python subclass of ``ProcessGroup`` can: PyTorch's
``PyProcessGroup`` trampoline sends both Python calls (``dist.all_reduce``) and C++ calls (DDP's
reducer, ``_broadcast_coalesced``, functional collectives used by DTensor/FSDP2) to its methods.

:class:`FlagosProcessGroup` holds a plain ``ProcessGroup`` with the platform's real engine
registered for the native device (and gloo for cpu tensors). Each collective replaces flagos
tensors with native aliases over the same memory (``torch.ops.flagos.to_native``), forwards the
call under the same name, and returns the engine's Work wrapped so results and futures are the
caller's flagos tensors. Nothing is copied, in-place results land in flagos memory, and
``wait()`` is the engine's wait. Where ATen cannot read flagos memory (ascend) the engine gets
host copies instead (``_tensors.Staging``), copied back when the collective completes.

Reductions the engine lacks (``ReduceOp.AVG`` and ``PREMUL_SUM`` on gloo, which FSDP2 uses) run
as SUM with the scaling done on the flagos device.
"""
from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any, Callable, Optional, Sequence, Union

import torch
import torch.distributed as dist
from torch._C._distributed_c10d import (
    AllgatherOptions,
    AllreduceCoalescedOptions,
    AllreduceOptions,
    AllToAllOptions,
    BarrierOptions,
    BroadcastOptions,
    GatherOptions,
    ReduceOptions,
    ReduceScatterOptions,
    ScatterOptions,
)

from ._engines import Engine, engine_for, host_engine
from ._options import (
    ALL_GATHER_SINGLE,
    ALL_GATHER_SINGLE_COALESCED,
    ALL_TO_ALL_SINGLE,
    REDUCE_SCATTER_SINGLE,
    REDUCE_SCATTER_SINGLE_COALESCED,
    OptionsT,
    RedOpType,
    ReduceArg,
    ReduceOp,
    copy_options,
    options,
    rooted,
    scalar,
    with_sum,
)
from ._tensors import (
    FLAGOS,
    CollectiveError,
    Staging,
    NestedTensors,
    Tensors,
    as_list,
    as_nested,
    check_dtype,
    describe,
    to_native_list,
)
from ._work import FlagosWork

NAME = "flagos"

class FlagosProcessGroup(dist.ProcessGroup):
    """A process group whose collectives take flagos tensors (and cpu tensors).

    Created by ``torch.distributed.init_process_group(backend="flagos")`` and ``new_group``;
    ``engine`` is the platform's collective engine (see ``flagos.distributed.engine_for``).
    """

    def __init__(self, store: dist.Store, rank: int, size: int, timeout: timedelta, engine: Engine) -> None:
        super().__init__(rank, size)  # the (store, rank, size) constructor bypasses the trampoline
        self._store = store
        self.engine = engine
        self._native_devices: tuple[str, ...] = tuple(dict.fromkeys((engine.native_device, "cpu")))
        from .. import _runtime

        self._staged = not _runtime.native_aliases_readable()  # host copies instead of aliases
        self._staging = threading.local()  # the Staging of the collective being set up on this thread
        self._native = dist.ProcessGroup(store, rank, size)
        self._native._set_default_backend(engine.backend_type)
        backend = engine.create(store, rank, size, timeout)
        self._native._register_backend(torch.device(engine.native_device), engine.backend_type, backend)
        cpu_backend = backend
        host = host_engine(engine)
        self._host = host or engine
        if host is not None:
            cpu_backend = host.create(store, rank, size, timeout)
            self._native._register_backend(torch.device("cpu"), host.backend_type, cpu_backend)
        # Registered here too so that torch.distributed's introspection sees what this group
        # serves: `_device_types` (object collectives pick cpu), `_get_backend(device)` (FSDP2,
        # init_process_group(device_id=...), DCP's async_save check).
        self._set_default_backend(dist.ProcessGroup.BackendType.CUSTOM)
        self._register_backend(torch.device("cpu"), self._host.backend_type, cpu_backend)
        self._register_backend(torch.device(FLAGOS), engine.backend_type, backend)

    # --- identity -------------------------------------------------------------------------------

    def getBackendName(self) -> str:  # noqa: N802 (the C++ virtual's name, reached by the trampoline)
        return NAME

    def name(self) -> str:
        return NAME

    def _get_backend_name(self) -> str:
        return NAME

    def __repr__(self) -> str:
        return (f"<FlagosProcessGroup rank={self.rank()} size={self.size()} engine={self.engine.name} "
                f"platform={self.engine.platform}>")

    def get_group_store(self) -> dist.Store:
        return self._store

    def shutdown(self) -> None:
        self._native.shutdown()

    def abort(self) -> None:
        self._native.abort()

    # --- plumbing -------------------------------------------------------------------------------

    def _nat(self, tensors: Tensors, collective: str, any_dtype: bool = False) -> list[torch.Tensor]:
        """Native aliases for the engine, after checking dtypes (``any_dtype``: point-to-point)."""
        if not any_dtype:
            for t in tensors:
                check_dtype(t, collective, self._engine_of([t]))
        staging = None
        if self._staged:
            staging = getattr(self._staging, "current", None) or Staging()
            self._staging.current = staging
        return to_native_list(tensors, collective, self._native_devices, staging)

    def _nat2(self, tensors: NestedTensors, collective: str) -> list[list[torch.Tensor]]:
        return [self._nat(row, collective) for row in tensors]

    def _engine_of(self, tensors: Sequence[torch.Tensor]) -> Engine:
        """The engine that runs a collective on ``tensors``: the host engine (gloo) for CPU tensors."""
        if tensors and all(t.device.type == "cpu" for t in tensors):
            return self._host
        return self.engine

    def _native_device(self, device: torch.device) -> torch.device:
        device = torch.device(device)
        if device.type != FLAGOS:
            return device
        if self.engine.native_device == "cpu":
            return torch.device("cpu")
        return torch.device(self.engine.native_device, device.index)

    def _run(self, collective: str, tensors: Any, call: Callable[[], dist.Work], results: list[torch.Tensor],
             finish: Optional[Callable[[], None]] = None) -> Optional[FlagosWork]:
        context = f"{collective} of {describe(tensors)} ({self.engine.name} engine, {self.engine.platform} platform)"
        staging: Optional[Staging] = getattr(self._staging, "current", None)
        if staging is not None:
            self._staging.current = None
            staging.upload()
            finish = self._after(staging, finish)
        try:
            work = call()
        except CollectiveError:
            raise
        except (RuntimeError, ValueError, TypeError) as e:
            raise CollectiveError(f"flagos.distributed: {context} failed: {e}") from e
        if work is None:
            # The engine finished synchronously or queued the work into something else (NCCL's
            # _end_coalescing with nothing left to end): nothing to wait for, as in torch.
            if finish is not None:
                finish()
            return None
        return FlagosWork(work, results, finish, context)

    @staticmethod
    def _after(staging: Staging, finish: Optional[Callable[[], None]]) -> Callable[[], None]:
        """The finishing step of a staged collective: results back into flagos memory first."""

        def finish_staged() -> None:
            staging.download()
            if finish is not None:
                finish()

        return finish_staged

    def _reduction(self, collective: str, opts: OptionsT, tensors: Sequence[torch.Tensor]
                   ) -> tuple[OptionsT, Optional[Any], bool]:
        """How to run ``opts.reduceOp`` on the engine: (options for the engine, factor to scale the
        inputs by first or None, whether to divide the results by the group size afterwards)."""
        op = opts.reduceOp  # type: ignore[attr-defined]
        kind = op.op if isinstance(op, ReduceOp) else op
        engine = self._engine_of(tensors)
        if kind == RedOpType.AVG and not engine.reduces_avg:
            self._check_floating(collective, "ReduceOp.AVG", tensors, engine)
            return with_sum(opts), None, True
        if kind == RedOpType.PREMUL_SUM and not engine.reduces_premul_sum:
            self._check_floating(collective, "ReduceOp.PREMUL_SUM", tensors, engine)
            return with_sum(opts), op.factor, False
        return opts, None, False

    @staticmethod
    def _check_floating(collective: str, what: str, tensors: Sequence[torch.Tensor], engine: Engine) -> None:
        for t in tensors:
            if not (t.is_floating_point() or t.is_complex()):
                raise CollectiveError(
                    f"flagos.distributed: {collective} with {what} is not supported for {t.dtype} tensors on the "
                    f"{engine.name} engine: flagos emulates it (SUM, then scaling), which needs floating-point "
                    "tensors"
                )

    def _divider(self, outputs: Sequence[torch.Tensor]) -> Callable[[], None]:
        size = self.size()

        def finish() -> None:
            with torch.no_grad():
                for out in outputs:
                    out.div_(scalar(size, out))

        return finish

    @staticmethod
    def _scaled(tensors: Sequence[torch.Tensor], factor: Any) -> list[torch.Tensor]:
        with torch.no_grad():
            return [t * scalar(factor, t) for t in tensors]

    # --- reductions -----------------------------------------------------------------------------

    def allreduce(self, tensors: Union[torch.Tensor, Tensors], opts: ReduceArg = None) -> dist.Work:
        tensors = as_list(tensors)
        opts = options(AllreduceOptions, opts)
        return self._allreduce("all_reduce", tensors, opts, self._native.allreduce)

    def allreduce_coalesced(self, tensors: Tensors, opts: ReduceArg = None) -> dist.Work:
        tensors = as_list(tensors)
        opts = options(AllreduceCoalescedOptions, opts)
        return self._allreduce("all_reduce_coalesced", tensors, opts, self._native.allreduce_coalesced)

    def _allreduce(self, collective: str, tensors: list[torch.Tensor], opts: Any,
                   forward: Callable[..., dist.Work]) -> dist.Work:
        opts, factor, divide = self._reduction(collective, opts, tensors)
        natives = self._nat(tensors, collective)  # checks first: a refused call leaves inputs as they were
        if factor is not None:  # in place: all_reduce's input is its output
            with torch.no_grad():
                for t in tensors:
                    t.mul_(scalar(factor, t))
        return self._run(collective, tensors, lambda: forward(natives, opts), tensors,
                         self._divider(tensors) if divide else None)

    def reduce(self, tensors: Union[torch.Tensor, Tensors], opts: Any = None, *extra: Any) -> dist.Work:
        tensors = as_list(tensors)
        opts = rooted(ReduceOptions, opts, extra)
        opts, factor, divide = self._reduction("reduce", opts, tensors)
        targets = tensors
        if factor is not None:  # reduce leaves non-root inputs as they were: scale a copy
            targets = self._scaled(tensors, factor)
        natives = self._nat(targets, "reduce")
        is_root = self.rank() == opts.rootRank

        def finish() -> None:
            with torch.no_grad():
                for t, s in zip(tensors, targets):
                    if divide:
                        s.div_(scalar(self.size(), s))
                    if s is not t:
                        t.copy_(s)

        return self._run("reduce", tensors, lambda: self._native.reduce(natives, opts), tensors,
                         finish if is_root and (divide or factor is not None) else None)

    def reduce_scatter(self, outputs: Union[torch.Tensor, Tensors], inputs: Union[Tensors, NestedTensors],
                       opts: ReduceArg = None) -> dist.Work:
        outputs = as_list(outputs)
        inputs = as_nested(inputs)
        opts = options(ReduceScatterOptions, opts)
        opts, factor, divide = self._reduction("reduce_scatter", opts, [t for row in inputs for t in row])
        if factor is not None:
            inputs = [self._scaled(row, factor) for row in inputs]
        nat_out, nat_in = self._nat(outputs, "reduce_scatter"), self._nat2(inputs, "reduce_scatter")
        return self._run("reduce_scatter", [outputs, inputs],
                         lambda: self._native.reduce_scatter(nat_out, nat_in, opts),
                         outputs, self._divider(outputs) if divide else None)

    def reduce_scatter_single(self, output: torch.Tensor, input: torch.Tensor, opts: ReduceArg = None) -> dist.Work:
        opts = options(ReduceScatterOptions, opts)
        opts, factor, divide = self._reduction("reduce_scatter_tensor", opts, [input])
        if factor is not None:
            (input,) = self._scaled([input], factor)
        (nat_out, nat_in) = self._nat([output, input], "reduce_scatter_tensor")
        return self._run("reduce_scatter_tensor", [output, input],
                         lambda: getattr(self._native, REDUCE_SCATTER_SINGLE)(nat_out, nat_in, opts),
                         [output], self._divider([output]) if divide else None)

    _reduce_scatter_base = reduce_scatter_single

    def reduce_scatter_single_coalesced(self, outputs: Tensors, inputs: Tensors, opts: ReduceArg = None) -> dist.Work:
        outputs, inputs = as_list(outputs), as_list(inputs)
        opts = options(ReduceScatterOptions, opts)
        opts, factor, divide = self._reduction("reduce_scatter_tensor_coalesced", opts, inputs)
        if factor is not None:
            inputs = self._scaled(inputs, factor)
        nat_out = self._nat(outputs, "reduce_scatter_tensor_coalesced")
        nat_in = self._nat(inputs, "reduce_scatter_tensor_coalesced")
        return self._run("reduce_scatter_tensor_coalesced", [outputs, inputs],
                         lambda: getattr(self._native, REDUCE_SCATTER_SINGLE_COALESCED)(nat_out, nat_in, opts),
                         outputs, self._divider(outputs) if divide else None)

    reduce_scatter_tensor_coalesced = reduce_scatter_single_coalesced

    # --- data movement --------------------------------------------------------------------------

    def broadcast(self, tensors: Union[torch.Tensor, Tensors], opts: Any = None) -> dist.Work:
        tensors = as_list(tensors)
        opts = rooted(BroadcastOptions, opts)
        natives = self._nat(tensors, "broadcast")
        return self._run("broadcast", tensors, lambda: self._native.broadcast(natives, opts), tensors)

    def allgather(self, outputs: Union[Tensors, NestedTensors], inputs: Union[torch.Tensor, Tensors],
                  opts: Optional[AllgatherOptions] = None) -> dist.Work:
        outputs, inputs = as_nested(outputs), as_list(inputs)
        opts = options(AllgatherOptions, opts)
        nat_out, nat_in = self._nat2(outputs, "all_gather"), self._nat(inputs, "all_gather")
        return self._run("all_gather", [outputs, inputs], lambda: self._native.allgather(nat_out, nat_in, opts),
                         [t for row in outputs for t in row])

    def allgather_coalesced(self, outputs: NestedTensors, inputs: Tensors,
                            opts: Optional[AllgatherOptions] = None) -> dist.Work:
        outputs, inputs = as_nested(outputs), as_list(inputs)
        opts = options(AllgatherOptions, opts)
        nat_out, nat_in = self._nat2(outputs, "all_gather_coalesced"), self._nat(inputs, "all_gather_coalesced")
        return self._run("all_gather_coalesced", [outputs, inputs],
                         lambda: self._native.allgather_coalesced(nat_out, nat_in, opts),
                         [t for row in outputs for t in row])

    def all_gather_single(self, output: torch.Tensor, input: torch.Tensor,
                          opts: Optional[AllgatherOptions] = None) -> dist.Work:
        opts = options(AllgatherOptions, opts)
        nat_out, nat_in = self._nat([output, input], "all_gather_into_tensor")
        return self._run("all_gather_into_tensor", [output, input],
                         lambda: getattr(self._native, ALL_GATHER_SINGLE)(nat_out, nat_in, opts), [output])

    _allgather_base = all_gather_single

    def all_gather_single_coalesced(self, outputs: Tensors, inputs: Tensors,
                                    opts: Optional[AllgatherOptions] = None) -> dist.Work:
        outputs, inputs = as_list(outputs), as_list(inputs)
        opts = options(AllgatherOptions, opts)
        nat_out = self._nat(outputs, "all_gather_into_tensor_coalesced")
        nat_in = self._nat(inputs, "all_gather_into_tensor_coalesced")
        return self._run("all_gather_into_tensor_coalesced", [outputs, inputs],
                         lambda: getattr(self._native, ALL_GATHER_SINGLE_COALESCED)(nat_out, nat_in, opts), outputs)

    allgather_into_tensor_coalesced = all_gather_single_coalesced

    def gather(self, outputs: Union[Tensors, NestedTensors], inputs: Union[torch.Tensor, Tensors],
               opts: Any = None) -> dist.Work:
        outputs, inputs = as_nested(outputs) if len(outputs) else [], as_list(inputs)
        opts = rooted(GatherOptions, opts)
        nat_out, nat_in = self._nat2(outputs, "gather"), self._nat(inputs, "gather")
        return self._run("gather", [outputs, inputs], lambda: self._native.gather(nat_out, nat_in, opts),
                         [t for row in outputs for t in row])

    def scatter(self, outputs: Union[torch.Tensor, Tensors], inputs: Union[Tensors, NestedTensors],
                opts: Any = None) -> dist.Work:
        outputs, inputs = as_list(outputs), as_nested(inputs) if len(inputs) else []
        opts = rooted(ScatterOptions, opts)
        nat_out, nat_in = self._nat(outputs, "scatter"), self._nat2(inputs, "scatter")
        return self._run("scatter", [outputs, inputs], lambda: self._native.scatter(nat_out, nat_in, opts), outputs)

    def alltoall(self, outputs: Tensors, inputs: Tensors, opts: Optional[AllToAllOptions] = None) -> dist.Work:
        outputs, inputs = as_list(outputs), as_list(inputs)
        opts = options(AllToAllOptions, opts)
        nat_out, nat_in = self._nat(outputs, "all_to_all"), self._nat(inputs, "all_to_all")
        return self._run("all_to_all", [outputs, inputs], lambda: self._native.alltoall(nat_out, nat_in, opts),
                         outputs)

    def all_to_all_single(self, output: torch.Tensor, input: torch.Tensor, output_split_sizes: list[int],
                          input_split_sizes: list[int], opts: Optional[AllToAllOptions] = None) -> dist.Work:
        opts = options(AllToAllOptions, opts)
        nat_out, nat_in = self._nat([output, input], "all_to_all_single")
        forward = getattr(self._native, ALL_TO_ALL_SINGLE)
        out_splits, in_splits = list(output_split_sizes), list(input_split_sizes)
        return self._run("all_to_all_single", [output, input],
                         lambda: forward(nat_out, nat_in, out_splits, in_splits, opts), [output])

    alltoall_base = all_to_all_single

    # --- point to point -------------------------------------------------------------------------

    def send(self, tensors: Tensors, dst: int, tag: int = 0) -> dist.Work:
        tensors = as_list(tensors)
        natives = self._nat(tensors, "send", any_dtype=True)
        return self._run("send", tensors, lambda: self._native.send(natives, dst, tag), tensors)

    def recv(self, tensors: Tensors, src: int, tag: int = 0) -> dist.Work:
        tensors = as_list(tensors)
        natives = self._nat(tensors, "recv", any_dtype=True)
        return self._run("recv", tensors, lambda: self._native.recv(natives, src, tag), tensors)

    def recv_anysource(self, tensors: Tensors, tag: int = 0) -> dist.Work:
        tensors = as_list(tensors)
        natives = self._nat(tensors, "recv", any_dtype=True)
        return self._run("recv (any source)", tensors, lambda: self._native.recv_anysource(natives, tag), tensors)

    # --- synchronisation and coalescing ---------------------------------------------------------

    def barrier(self, opts: Optional[BarrierOptions] = None) -> dist.Work:
        opts = options(BarrierOptions, opts)
        device = getattr(opts, "device", None)
        if device is not None and torch.device(device).type == FLAGOS:
            opts = copyoptions(opts)
            opts.device = self._native_device(device)
        return self._run("barrier", [], lambda: self._native.barrier(opts), [])

    def monitored_barrier(self, timeout: Optional[timedelta] = None, wait_all_ranks: bool = False) -> None:
        """gloo's monitored barrier (torch.distributed.monitored_barrier itself accepts only groups
        named "gloo"; call it on this group directly)."""
        gloo = self._native._get_backend(torch.device("cpu"))
        try:
            if timeout is None:
                gloo.monitored_barrier(wait_all_ranks=wait_all_ranks)
            else:
                gloo.monitored_barrier(timeout, wait_all_ranks=wait_all_ranks)
        except RuntimeError as e:
            raise CollectiveError(f"flagos.distributed: monitored_barrier failed in the gloo engine: {e}") from e

    def _start_coalescing(self, device: torch.device) -> None:
        try:
            self._native._start_coalescing(self._native_device(device))
        except RuntimeError as e:
            raise CollectiveError(
                f"flagos.distributed: coalescing (_start_coalescing) is not supported by the {self.engine.name} "
                f"engine: {e}"
            ) from e

    def _end_coalescing(self, device: torch.device) -> dist.Work:
        native = self._native_device(device)
        return self._run("coalesced collectives", [], lambda: self._native._end_coalescing(native), [])


def create(store: dist.Store, rank: int, size: int, timeout: Optional[timedelta] = None) -> FlagosProcessGroup:
    """The creator torch.distributed calls for each ``flagos`` group (default group, new_group).

    The engine is looked up here, not at import, so that a platform whose engine is missing fails
    when a group is created, with the reason, instead of making ``import flagos`` fail.
    """
    from .. import _runtime

    engine = engine_for(_runtime.platform(), _runtime.native_aliases_readable())
    return FlagosProcessGroup(store, rank, size, timeout or dist.default_pg_timeout, engine)
