"""Kernel providers: who can compute an operator called on flagos tensors.

Built in: ``native`` (the platform's own kernels, zero-copy) and ``cpu`` (copies to the host, ATen's
CPU kernel, copies back). Any other provider is a set of Python callables, one per operator
overload, called exactly like ATen kernels of the native device: on zero-copy native tensors
(``cuda`` tensors on the cuda platform) with the overload's arguments, returning its results.
FlagGems is one such provider (``flaggems``, flagos/routing/_flaggems.py); a platform or a user
adds others with ``flagos.routing.register_provider``.
"""
from __future__ import annotations

import enum
import threading
from typing import Callable, Iterable, Mapping, Optional, Union

import torch

from .. import _runtime
from ._names import OpName, UnknownOperatorError, parse


class Kind(enum.IntEnum):
    """How the runtime calls a provider (runtime/routing/routes.h)."""

    NATIVE = 0
    CPU = 1
    KERNELS = 2


class Provider:
    """A provider; ``implements`` answers None (yes) or why not."""

    kind: Kind = Kind.KERNELS

    def __init__(self, name: str, description: str = "") -> None:
        self.name = name
        self.description = description

    def unavailable(self) -> Optional[str]:
        """Why this provider cannot run anything here, or None."""
        return None

    def implements(self, op: OpName) -> Optional[str]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<flagos provider {self.name} ({self.kind.name.lower()})>"


class NativeProvider(Provider):
    kind = Kind.NATIVE

    def __init__(self) -> None:
        super().__init__("native", "the platform's own kernels on flagos memory (zero-copy)")
        self._key = _runtime.native_dispatch_key()
        # runs_aten: ATen's kernels on zero-copy aliases (host, cuda). Where ATen cannot read device
        # memory (ascend) the native kernels are the platform's own (kernels/<platform>, on the key
        # above), routes to them are checked like any provider's, and only kernels registered for
        # the operator itself count: a composite kernel there would just run the operator's parts.
        self.runs_aten = _runtime.native_aliases_readable()

    def implements(self, op: OpName) -> Optional[str]:
        if self.runs_aten:
            if torch._C._dispatch_has_computed_kernel_for_dispatch_key(op.qualified, self._key):
                return None
            return f"the native device has no {self._key} kernel for {op.qualified}"
        if torch._C._dispatch_has_kernel_for_dispatch_key(op.qualified, self._key):
            return None
        return f"the platform's kernel layer has no kernel for {op.qualified}"


class CpuProvider(Provider):
    kind = Kind.CPU

    def __init__(self) -> None:
        super().__init__("cpu", "copies to the host, ATen's CPU kernel, results copied back")

    def implements(self, op: OpName) -> Optional[str]:
        if not torch._C._dispatch_has_computed_kernel_for_dispatch_key(op.qualified, "CPU"):
            return f"ATen has no CPU kernel for {op.qualified}"
        reason = _runtime.cpu_unsupported(op.qualified)
        return reason or None


KernelTable = Mapping[str, Callable]


class KernelProvider(Provider):
    """A provider made of Python kernels: ``{"softmax.int": fn, ...}`` (or a function returning
    that mapping, called the first time the provider is needed: importing a kernel library can be
    slow, and must not happen unless a route uses it).

    Each kernel is called with the overload's arguments as ATen passes them (positional, with
    keyword-only arguments as keywords), on native-device tensors over flagos memory, and returns
    what the overload returns; results are mapped back to flagos without copies where possible.
    Names the running PyTorch does not know are skipped (``skipped`` says why).
    """

    kind = Kind.KERNELS

    def __init__(self, name: str, kernels: Union[KernelTable, Callable[[], KernelTable]], description: str = ""
                 ) -> None:
        super().__init__(name, description)
        self._source = kernels
        self._kernels: Optional[dict[OpName, Callable]] = None
        self._error: Optional[str] = None
        self.skipped: dict[str, str] = {}
        self._lock = threading.Lock()

    def _load(self) -> dict[OpName, Callable]:
        with self._lock:
            if self._kernels is None and self._error is None:
                try:
                    table = self._source() if callable(self._source) else self._source
                except ImportError as e:
                    self._error = str(e)
                    return {}
                kernels: dict[OpName, Callable] = {}
                for text, fn in table.items():
                    try:
                        kernels[parse(text)] = fn
                    except UnknownOperatorError as e:
                        self.skipped[text] = str(e)
                self._kernels = kernels
            return self._kernels or {}

    def unavailable(self) -> Optional[str]:
        self._load()
        return self._error

    def kernels(self) -> dict[OpName, Callable]:
        return self._load()

    def operators(self) -> Iterable[OpName]:
        return self._load().keys()

    def implements(self, op: OpName) -> Optional[str]:
        if op in self._load():
            return None
        return f"provider '{self.name}' has no kernel for {op.display}"


class UnavailableProvider(Provider):
    """A known provider that cannot run here (e.g. FlagGems on the host platform)."""

    def __init__(self, name: str, reason: str, description: str = "") -> None:
        super().__init__(name, description)
        self._reason = reason

    def unavailable(self) -> Optional[str]:
        return self._reason

    def implements(self, op: OpName) -> Optional[str]:
        return self._reason
