"""Operator overload names as routes spell them.

Routes name one overload of an operator: ``add.Tensor``, ``softmax.int``, ``mm.default`` (or just
``mm``: the overload without a name, as FlagGems writes it), ``aten::add.Tensor``; other
namespaces need their prefix (``torchvision::nms.default``). The environment spells the dot as
``__``: ``FLAGOS_OP_add__Tensor``. Names are checked against PyTorch's operator registry, so a typo
is an error that lists the overloads that do exist, never a route that silently matches nothing.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

import torch

ENV_PREFIX = "FLAGOS_OP_"


class UnknownOperatorError(ValueError):
    """A route names an operator or overload PyTorch does not have."""


@dataclasses.dataclass(frozen=True, order=True)
class OpName:
    namespace: str
    name: str
    overload: str  # "" for the overload without a name ("default")

    @property
    def qualified(self) -> str:
        """The dispatcher's spelling: ``aten::add.Tensor``, ``aten::mm``."""
        base = f"{self.namespace}::{self.name}"
        return f"{base}.{self.overload}" if self.overload else base

    @property
    def display(self) -> str:
        """The routes' spelling: ``add.Tensor``, ``mm.default`` (namespace only when not aten)."""
        base = self.name if self.namespace == "aten" else f"{self.namespace}::{self.name}"
        return f"{base}.{self.overload or 'default'}"

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + f"{self.name}__{self.overload or 'default'}"

    @property
    def schema(self) -> torch._C.FunctionSchema:
        return getattr(getattr(torch.ops, self.namespace), self.name).__getattr__(self.overload or "default")._schema

    def packet(self) -> torch._ops.OpOverloadPacket:
        return getattr(getattr(torch.ops, self.namespace), self.name)

    def overload_op(self) -> torch._ops.OpOverload:
        return self.packet().__getattr__(self.overload or "default")


def _exists(namespace: str, name: str, overload: str) -> bool:
    try:
        torch._C._dispatch_find_schema_or_throw(f"{namespace}::{name}", overload)
        return True
    except RuntimeError:
        return False


def _overloads(namespace: str, name: str) -> Optional[list[str]]:
    """The overloads of ``namespace::name`` the dispatcher has (TorchScript-only ones left out)."""
    try:
        names = getattr(getattr(torch.ops, namespace), name).overloads()
    except (AttributeError, RuntimeError):
        return None
    return sorted(o for o in names if _exists(namespace, name, "" if o == "default" else o))


def parse(text: str) -> OpName:
    """The overload ``text`` names; UnknownOperatorError (saying what exists) if there is none."""
    spec = text.strip()
    namespace, _, rest = spec.rpartition("::")
    namespace = namespace or "aten"
    name, dot, overload = rest.partition(".")
    if not name or (dot and not overload) or "." in overload:
        raise UnknownOperatorError(f"'{text}' is not an operator overload name like add.Tensor or mm.default")
    overload = "" if overload == "default" else overload
    if _exists(namespace, name, overload):
        return OpName(namespace, name, overload)
    known = _overloads(namespace, name)
    if not known:
        raise UnknownOperatorError(f"unknown operator '{text}': PyTorch has no {namespace}::{name}")
    if not dot:
        raise UnknownOperatorError(f"'{text}' needs an overload: {', '.join(f'{name}.{o}' for o in known)}")
    raise UnknownOperatorError(f"unknown overload '{text}': {namespace}::{name} has "
                               f"{', '.join(f'{name}.{o}' for o in known)}")


def from_env_var(var: str) -> OpName:
    """The overload of ``FLAGOS_OP_<name>__<overload>`` (or ``FLAGOS_OP_<name>`` for the default)."""
    body = var[len(ENV_PREFIX):]
    candidates = []
    head, sep, tail = body.rpartition("__")
    if sep and head and tail:
        candidates.append((head, tail))
    candidates.append((body, ""))
    for name, overload in candidates:
        overload = "" if overload == "default" else overload
        if _exists("aten", name, overload):
            return OpName("aten", name, overload)
    name = candidates[0][0]
    known = _overloads("aten", name)
    hint = f": aten::{name} has {', '.join(f'{name}__{o}' for o in known)}" if known else ""
    raise UnknownOperatorError(f"{var} names no ATen operator overload{hint} (spell op.overload as "
                               f"{ENV_PREFIX}op__overload)")
