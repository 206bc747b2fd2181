"""The routing table: where each operator's route comes from, checked, and pushed to the runtime.

Sources, highest priority first:
  1. scopes (``with flagos.routing.override(...)``), innermost first;
  2. the API (``flagos.routing.set``, ``set_default``);
  3. the environment: ``FLAGOS_OP_<op>__<overload>=<provider>``;
  4. the file named by ``FLAGOS_ROUTES``;
  5. the platform's table shipped in the wheel (``flagos/routes.conf``);
  6. the default policy for everything unlisted (the highest source's ``default`` line; ``native``
     if none has one): the first provider in the list that implements the operator.

Every change recomputes the whole table, checks it (unknown operators or providers, providers that
lack the operator, operators flagos does not route: errors that name the file and line or the
environment variable), and pushes it to the runtime, which caches a route per operator until the
next push. Kernel providers' operators are resolved here, so the runtime only needs their list.
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
import threading
import warnings
from typing import Callable, Iterable, Optional

import torch

from .. import _runtime
from . import _file
from ._names import ENV_PREFIX, OpName, UnknownOperatorError, from_env_var, parse
from ._providers import CpuProvider, Kind, KernelProvider, NativeProvider, Provider

# Not resolved: in a runfiles tree the sources are symlinks and routes.conf sits beside them.
PLATFORM_ROUTES = pathlib.Path(os.path.abspath(__file__)).parent.parent / "routes.conf"
_MAX_PROVIDERS = 64


class RoutingError(ValueError):
    """A route that cannot be honoured; the message says where it came from and how to fix it."""


@dataclasses.dataclass(frozen=True)
class Route:
    """One operator's route: ``op`` (routes spelling), ``provider``, and ``origin``: the file and
    line, environment variable, API call or default policy that decided it."""

    op: str
    provider: str
    origin: str


@dataclasses.dataclass
class _Source:
    routes: dict[OpName, tuple[str, str]]  # op -> (provider, origin)
    default: Optional[tuple[list[str], str]] = None  # (providers, origin)


def _from_file(path: str, errors: list[str]) -> _Source:
    try:
        f = _file.load(path)
    except _file.RoutesFileError as e:
        raise RoutingError(str(e)) from None
    source = _Source({}, (f.default, f.default_origin) if f.default else None)
    for statement in f.routes.values():
        try:
            source.routes[parse(statement.op)] = (statement.provider, statement.origin)
        except UnknownOperatorError as e:
            errors.append(f"{statement.origin}: {e}")
    return source


def _from_environment(errors: list[str]) -> _Source:
    source = _Source({})
    for var in sorted(os.environ):
        if not var.startswith(ENV_PREFIX):
            continue
        try:
            source.routes[from_env_var(var)] = (os.environ[var].strip(), f"environment {var}")
        except UnknownOperatorError as e:
            errors.append(f"environment: {e}")
    return source


class RoutingState:
    """flagos' one routing table (module-level singleton ``STATE``); all methods are thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._providers: list[Provider] = []
        self._api = _Source({})
        self._scopes: list[_Source] = []
        self._files: list[_Source] = []
        self._env = _Source({})
        self._routes: dict[OpName, Route] = {}
        self._policy: tuple[list[str], str] = (["native"], "built-in default")
        self._active: dict[str, tuple[str, Callable, str]] = {}  # qualified -> (provider, kernel, display)
        self._trampolines: set[str] = set()
        self._served: set[str] = set()  # operators given the generic kernel for a route (serve_directly)
        self._libraries: dict[str, torch.library.Library] = {}
        self._warned: set[str] = set()
        self._pushed_providers = 0

    # ---- setup -----------------------------------------------------------------------------------

    def initialise(self, extra_providers: Iterable[Provider]) -> None:
        """Built-in providers, the platform's own, then the files and environment (at import)."""
        with self._lock:
            self._providers = [NativeProvider(), CpuProvider()]
            for provider in extra_providers:
                self._admit(provider)
            self._read_sources()
            self._apply()

    def _read_sources(self) -> None:
        errors: list[str] = []
        if not PLATFORM_ROUTES.exists():
            raise RoutingError(f"flagos' platform routes file is missing ({PLATFORM_ROUTES}); reinstall flagos")
        files = [_from_file(str(PLATFORM_ROUTES), errors)]
        user = os.environ.get("FLAGOS_ROUTES")
        if user:
            if os.path.isdir(user):
                raise RoutingError(f"FLAGOS_ROUTES={user} is a directory; name a routes file in it "
                                   f"(e.g. FLAGOS_ROUTES={os.path.join(user, 'routes.conf')})")
            if not os.path.isfile(user):
                raise RoutingError(f"FLAGOS_ROUTES={user}: no such file")
            files.append(_from_file(user, errors))
        env = _from_environment(errors)
        if errors:
            raise RoutingError("flagos routing: " + "\n  ".join(["bad routes:", *errors]))
        self._files, self._env = files, env

    def reload(self) -> None:
        """Re-reads FLAGOS_ROUTES, the platform file and FLAGOS_OP_* (API routes and scopes stay)."""
        with self._lock:
            self._read_sources()
            self._apply()

    # ---- providers -------------------------------------------------------------------------------

    def _admit(self, provider: Provider) -> None:
        if any(p.name == provider.name for p in self._providers):
            raise ValueError(f"flagos routing: a provider named '{provider.name}' is already registered")
        if len(self._providers) >= _MAX_PROVIDERS:
            raise ValueError(f"flagos routing: at most {_MAX_PROVIDERS} providers")
        if provider.kind != Kind.KERNELS:
            raise ValueError("flagos routing: only kernel providers can be added (native and cpu are built in)")
        self._providers.append(provider)

    def register_provider(self, provider: Provider) -> None:
        with self._lock:
            self._admit(provider)
            try:
                self._apply()
            except Exception:
                self._providers.remove(provider)
                raise

    def provider(self, name: str) -> Optional[Provider]:
        return next((p for p in self._providers if p.name == name), None)

    def providers(self) -> list[Provider]:
        with self._lock:
            return list(self._providers)

    # ---- API and scopes --------------------------------------------------------------------------

    def set(self, op: str, provider: str, origin: str) -> None:
        with self._lock:
            name = parse(op)
            previous = self._api.routes.get(name)
            self._api.routes[name] = (provider, origin)
            try:
                self._apply()
            except Exception:
                if previous is None:
                    del self._api.routes[name]
                else:
                    self._api.routes[name] = previous
                self._apply()
                raise

    def unset(self, op: str) -> None:
        with self._lock:
            self._api.routes.pop(parse(op), None)
            self._apply()

    def set_default(self, providers: list[str], origin: str) -> None:
        with self._lock:
            previous = self._api.default
            self._api.default = (providers, origin)
            try:
                self._apply()
            except Exception:
                self._api.default = previous
                self._apply()
                raise

    def reset(self) -> None:
        """Forgets the API's routes and default (files, environment and scopes stay)."""
        with self._lock:
            self._api = _Source({})
            self._apply()

    def push_scope(self, routes: dict[str, str], default: Optional[list[str]], origin: str) -> _Source:
        with self._lock:
            scope = _Source({parse(op): (p, origin) for op, p in routes.items()}, (default, origin) if default else None)
            self._scopes.append(scope)
            try:
                self._apply()
            except Exception:
                self._scopes.remove(scope)
                self._apply()
                raise
            return scope

    def pop_scope(self, scope: _Source) -> None:
        with self._lock:
            self._scopes.remove(scope)
            self._apply()

    # ---- queries ---------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        """The routes decided here: listed operators and kernel providers' default-policy ones."""
        with self._lock:
            return sorted(self._routes.values(), key=lambda r: r.op)

    def policy(self) -> tuple[list[str], str]:
        with self._lock:
            return list(self._policy[0]), self._policy[1]

    def explain(self, op: str) -> Route:
        name = parse(op)
        with self._lock:
            route = self._routes.get(name)
            if route is not None:
                return route
            provider = _runtime.route(name.qualified)
            return Route(name.display, provider, f"default policy ({', '.join(self._policy[0])}; "
                                                 f"{self._policy[1]})")

    def served_by(self, provider: str) -> list[str]:
        with self._lock:
            return sorted(r.op for r in self._routes.values() if r.provider == provider)

    # ---- the table -------------------------------------------------------------------------------

    def _merged(self) -> tuple[dict[OpName, tuple[str, str]], tuple[list[str], str]]:
        routes: dict[OpName, tuple[str, str]] = {}
        policy: tuple[list[str], str] = (["native"], "built-in default")
        for source in [*self._files, self._env, self._api, *self._scopes]:  # lowest priority first
            routes.update(source.routes)
            if source.default:
                policy = source.default
        return routes, policy

    def _check_route(self, op: OpName, provider_name: str, origin: str, errors: list[str]) -> Optional[Provider]:
        provider = self.provider(provider_name)
        if provider is None:
            names = ", ".join(p.name for p in self._providers)
            errors.append(f"{origin}: unknown provider '{provider_name}' for {op.display} (providers: {names})")
            return None
        if isinstance(provider, NativeProvider) and provider.runs_aten:
            return provider  # what flagos does anyway; nothing to check
        reason = provider.unavailable()
        if reason and self._from_platform_table(op, provider_name, origin):
            # The wheel's own table names providers a machine may lack (flag_gems is optional): those
            # operators follow the default policy instead. A table the user gave stays strict.
            self._warn_once(f"platform:{provider_name}",
                            f"flagos routing: the platform's table ({origin}) routes operators to '{provider_name}', "
                            f"which is unavailable here ({reason}); they follow the default policy instead")
            return None
        if reason:
            errors.append(f"{origin}: routes {op.display} to '{provider_name}', which is unavailable here: {reason}")
            return None
        status = _runtime.routing_status(op.qualified)
        if status == _runtime.Serving.RUNTIME:
            errors.append(f"{origin}: {op.display} is implemented by flagos' runtime itself (views, copies, "
                          "allocation, random draws), not routed; remove this route")
            return None
        if status == _runtime.Serving.DECOMPOSED:
            errors.append(f"{origin}: {op.display} has no kernel of its own on flagos: PyTorch decomposes it into "
                          "other operators (CompositeImplicitAutograd); route those instead (flagos.trace() "
                          "lists them)")
            return None
        reason = provider.implements(op)
        if reason:
            errors.append(f"{origin}: provider '{provider_name}' cannot run {op.display}: {reason}")
            return None
        return provider

    def _from_platform_table(self, op: OpName, provider_name: str, origin: str) -> bool:
        return bool(self._files) and self._files[0].routes.get(op) == (provider_name, origin)

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, RuntimeWarning, stacklevel=5)

    def _usable_policy(self, policy: tuple[list[str], str], errors: list[str]) -> list[Provider]:
        usable = []
        for name in policy[0]:
            provider = self.provider(name)
            if provider is None:
                names = ", ".join(p.name for p in self._providers)
                errors.append(f"{policy[1]}: unknown provider '{name}' in the default policy (providers: {names})")
                continue
            reason = provider.unavailable()
            if reason:
                self._warn_once(name, f"flagos routing: the default policy ({policy[1]}) lists '{name}', which is "
                                f"unavailable here ({reason}); the operators it would serve run on the next "
                                "provider in the policy, or native")
                continue
            usable.append(provider)
        return usable

    def _policy_routes(self, explicit: dict[OpName, Route], policy: list[Provider], origin: str
                       ) -> dict[OpName, Route]:
        """Default-policy routes of operators kernel providers implement (the runtime resolves the
        rest: it only knows native and cpu)."""
        out: dict[OpName, Route] = {}
        candidates: set[OpName] = set()
        for p in policy:
            if isinstance(p, KernelProvider):
                candidates.update(p.operators())
        for op in sorted(candidates):
            if op in explicit:
                continue
            if not _runtime.routing_status(op.qualified).routable:
                continue  # flagos' runtime serves it, or PyTorch decomposes it: nothing to route
            for p in policy:
                if p.implements(op) is None:
                    if p.kind == Kind.KERNELS:
                        out[op] = Route(op.display, p.name, f"default policy ({origin})")
                    break
        return out

    def _apply(self) -> None:
        merged, policy = self._merged()
        errors: list[str] = []
        explicit: dict[OpName, Route] = {}
        providers: dict[OpName, Provider] = {}
        for op, (name, origin) in merged.items():
            provider = self._check_route(op, name, origin, errors)
            if provider is not None:
                explicit[op] = Route(op.display, name, origin)
                providers[op] = provider
        usable = self._usable_policy(policy, errors)
        if errors:
            raise RoutingError("flagos routing: " + "\n  ".join(["bad routes:", *errors]))
        derived = self._policy_routes(explicit, usable, policy[1])
        for op, route in derived.items():
            providers[op] = self.provider(route.provider)  # type: ignore[assignment]
        routes = {**explicit, **derived}

        # Operators a composite would decompose get the generic kernel while routed elsewhere.
        # Where native kernels are the platform's own (ascend), native routes need it too.
        served = {op.qualified for op, provider in providers.items()
                  if not (isinstance(provider, NativeProvider) and provider.runs_aten)}
        for op in sorted(served - self._served):
            _runtime.serve_directly(op)
        active = {}
        for op, provider in providers.items():
            if isinstance(provider, KernelProvider):
                active[op.qualified] = (provider.name, provider.kernels()[op], op.display)
                self._ensure_trampoline(op)
        self._active.update(active)  # new kernels first: the runtime may route to them at once
        if len(self._providers) != self._pushed_providers:
            _runtime.set_providers([p.name for p in self._providers], [int(p.kind) for p in self._providers])
            self._pushed_providers = len(self._providers)
        ids = {p.name: i for i, p in enumerate(self._providers)}
        _runtime.set_routing_table([op.qualified for op in routes], [ids[r.provider] for r in routes.values()],
                                   [ids[p.name] for p in usable])
        for stale in set(self._active) - set(active):
            del self._active[stale]
        for op in sorted(self._served - served):
            _runtime.unserve(op)  # its composite serves it again, as before the route
        self._served = served
        self._routes = routes
        self._policy = (list(policy[0]), policy[1])

    # ---- kernel providers' entry point -------------------------------------------------------------

    def _ensure_trampoline(self, op: OpName) -> None:
        """Registers, once per operator, the kernel the runtime calls (runtime/routing/routes.h:
        kProviderKey) for a kernel provider's route: it calls the provider kernel active now."""
        if op.qualified in self._trampolines:
            return
        library = self._libraries.get(op.namespace)
        if library is None:
            library = self._libraries[op.namespace] = torch.library.Library(op.namespace, "IMPL")
        active = self._active
        qualified = op.qualified

        def kernel(*args, **kwargs):
            provider, fn, display = active[qualified]
            try:
                return fn(*args, **kwargs)
            except Exception as e:
                e.add_note(f"flagos: {display} was routed to provider '{provider}' "
                           f"(FLAGOS_OP_{op.name}__{op.overload or 'default'}=native sends it to the native kernels; "
                           "python -m flagos check tests routes)")
                raise

        library.impl(f"{op.name}.{op.overload}" if op.overload else op.name, kernel, "PrivateUse3")
        self._trampolines.add(qualified)


STATE = RoutingState()
