"""Per-operator routing: which provider computes each ATen operator called on flagos tensors.

Providers: ``native`` (the platform's kernels, zero-copy), ``cpu`` (copy to the host, compute,
copy back), ``flaggems`` (FlagGems' Triton kernels, on platforms that can run them) and any added
with :func:`register_provider`. Routes come from (highest first) :func:`override` scopes, this
module's :func:`set`, ``FLAGOS_OP_<op>__<overload>`` variables, the file named by
``FLAGOS_ROUTES``, the platform's table, and a default policy for unlisted operators (see
``flagos/routing/_table.py``)::

    flagos.routing.set("softmax.int", "flaggems")
    with flagos.routing.override({"mm.default": "cpu"}):
        ...
    flagos.routing.get("add.Tensor")          # -> "native"

Routes are process-wide (every thread sees them), like the kernels they choose.
"""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator, Mapping, Optional, Union

from .. import _runtime
from . import _flaggems
from ._names import OpName, UnknownOperatorError, parse
from ._providers import Kind, KernelProvider, Provider
from ._table import STATE, Route, RoutingError

__all__ = [
    "KernelProvider",
    "Provider",
    "Route",
    "RoutingError",
    "UnknownOperatorError",
    "explain",
    "get",
    "override",
    "policy",
    "providers",
    "register_provider",
    "reload",
    "reset",
    "set",
    "set_default",
    "table",
    "tune",
    "tune_result",
    "unset",
]


def get(op: str) -> str:
    """The provider that runs ``op`` (e.g. ``"add.Tensor"``) on flagos tensors now."""
    return _runtime.route(parse(op).qualified)


def explain(op: str) -> Route:
    """``op``'s route and where it came from (file:line, environment variable, API, default policy)."""
    return STATE.explain(op)


def set(op: str, provider: str) -> None:  # noqa: A001 (the natural name; flagos.routing.set)
    """Routes ``op`` to ``provider`` until :func:`unset`/:func:`reset`; checked at once (RoutingError)."""
    STATE.set(op, provider, f"flagos.routing.set({op!r}, {provider!r})")


def unset(op: str) -> None:
    """Drops :func:`set`'s route for ``op`` (files and environment apply again)."""
    STATE.unset(op)


def set_default(*providers: str) -> None:
    """The default policy for unlisted operators: the first of ``providers`` that implements one."""
    if not providers:
        raise ValueError("flagos.routing.set_default needs at least one provider")
    STATE.set_default(list(providers), f"flagos.routing.set_default{providers!r}")


def reset() -> None:
    """Forgets every route and default set through this module."""
    STATE.reset()


def reload() -> None:
    """Re-reads ``FLAGOS_ROUTES``, ``FLAGOS_OP_*`` and the platform's table."""
    STATE.reload()


@contextlib.contextmanager
def override(routes: Optional[Mapping[str, str]] = None, default: Union[str, list[str], None] = None
             ) -> Iterator[None]:
    """Routes for a scope (highest priority; nested scopes stack), restored on exit::

        with flagos.routing.override({"softmax.int": "cpu"}, default="native"):
            ...
    """
    policy = [default] if isinstance(default, str) else (list(default) if default else None)
    scope = STATE.push_scope(dict(routes or {}), policy, f"flagos.routing.override({dict(routes or {})!r})")
    try:
        yield
    finally:
        STATE.pop_scope(scope)


def table() -> list[Route]:
    """The routes decided by name: listed operators and kernel providers' default-policy ones
    (everything else follows :func:`policy` to native or cpu)."""
    return STATE.routes()


def policy() -> tuple[list[str], str]:
    """The default policy (providers, first that implements an operator wins) and its origin."""
    return STATE.policy()


def providers() -> list[Provider]:
    return STATE.providers()


def register_provider(provider: Union[Provider, str], kernels: Optional[Mapping[str, Callable]] = None,
                      description: str = "") -> Provider:
    """Adds a provider: ``register_provider("mine", {"add.Tensor": my_add})`` or a Provider.

    Kernels are called like the native device's ATen kernels: same arguments, on native-device
    tensors over flagos memory (see :class:`KernelProvider`). Route operators to it by name.
    A provider registered here exists in this process only; declare it (entry point group
    ``flagos.providers``, or ``FLAGOS_PROVIDERS=module``) for ``python -m flagos check``.
    """
    if isinstance(provider, str):
        if kernels is None:
            raise ValueError("flagos.routing.register_provider(name, kernels): kernels are missing")
        provider = KernelProvider(provider, kernels, description)
    STATE.register_provider(provider)
    return provider


def tune(*args, **kwargs):  # noqa: ANN201 (flagos.routing._tune.tune's signature)
    """Routes each traced operator to the fastest provider that passes ``check``; see
    flagos/routing/_tune.py (``python -m flagos tune`` is its command line). Returns a TuneReport."""
    from ._tune import tune as run

    return run(*args, **kwargs)


def tune_result(**values) -> None:  # noqa: ANN003
    """In a workload that ``python -m flagos tune --run`` confirms: what to compare between the tuned
    and the all-native run (``decode_s=...`` times, ``tokens=[...]``, ``loss=[...]``); a no-op otherwise."""
    from ._tune_run import result

    result(**values)


def _plugin_providers() -> list[Provider]:
    """Providers that packages declare (entry point group ``flagos.providers``) or that
    ``FLAGOS_PROVIDERS=module[:attr],...`` names: each is a Provider or a callable returning one.
    Declared, not registered at run time, so that every process (``python -m flagos check``'s
    workers too) sees the same providers."""
    import importlib
    import importlib.metadata
    import os

    targets = [(ep.name, ep.load) for ep in importlib.metadata.entry_points(group="flagos.providers")]
    for spec in filter(None, (s.strip() for s in os.environ.get("FLAGOS_PROVIDERS", "").split(","))):
        module, _, attr = spec.partition(":")

        def load(module: str = module, attr: str = attr or "provider") -> object:
            return getattr(importlib.import_module(module), attr)

        targets.append((spec, load))
    out = []
    for name, load in targets:
        try:
            obj = load()
            provider = obj() if callable(obj) and not isinstance(obj, Provider) else obj
        except Exception as e:
            raise RoutingError(f"flagos routing: cannot load provider {name}: {type(e).__name__}: {e}") from e
        if not isinstance(provider, Provider):
            raise RoutingError(f"flagos routing: provider {name} gave {type(provider).__name__}, not a "
                               "flagos.routing.Provider")
        out.append(provider)
    return out


def _initialise(platform: str) -> None:
    """Called once by ``import flagos``."""
    STATE.initialise([_flaggems.provider(platform), *_plugin_providers()])
