"""Sample inputs for checking an operator overload on a provider against native.

Two sources:
  - traces (``flagos.trace()`` JSON): each recorded call's signature gives the exact tensor dtypes
    and shapes and the other arguments' values of a real run, rebuilt here with fresh random data;
  - the schema: every tensor argument gets the same shape (a few shapes, ragged and square, so
    that element-wise ops, reductions and matrix products all find one that fits), other
    arguments their defaults or a plain value. Samples the native kernel rejects are not
    applicable and are dropped by the checker, so guessing wrong costs time, not correctness.

Integer tensors hold 0s and 1s: valid indices for any dimension of size >= 2.
"""
from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, Iterator, Optional

import torch

from .._trace import tensor_signature
from ._names import OpName

FLOATING = (torch.float32, torch.float16, torch.bfloat16)
SHAPES = ((1024,), (33, 65), (32, 32), (4, 32, 32))

_DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.complex64, torch.complex128,
    torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool)}
# c10::Layout and c10::MemoryFormat values, as ints in traces
_LAYOUTS = (torch.strided, torch.sparse_coo)
_MEMORY_FORMATS = (torch.contiguous_format, torch.preserve_format, torch.channels_last, torch.channels_last_3d)


@dataclasses.dataclass
class Sample:
    """Arguments (CPU tensors; the checker moves them to flagos) and where they came from."""

    args: list[Any]
    kwargs: dict[str, Any]
    label: str  # e.g. "float16[33, 65]" or "trace: float32[4, 8], float32[8, 4]"


@dataclasses.dataclass
class Placed:
    """A sample tensor that stays on the device it was recorded on (a CPU scalar operand such as the
    0-dim wrapped number of ``x * 0.5``) instead of moving to flagos with the others."""

    tensor: torch.Tensor


def _values(dtype: torch.dtype, n: int, gen: torch.Generator) -> torch.Tensor:
    if dtype.is_floating_point or dtype.is_complex:
        t = torch.randn(n, generator=gen, dtype=torch.float64 if dtype.is_floating_point else torch.complex128)
        return t.to(dtype)
    if dtype == torch.bool:
        return torch.randint(0, 2, (n,), generator=gen).bool()
    return torch.randint(0, 2, (n,), generator=gen).to(dtype)


def _tensor(dtype: torch.dtype, shape: list[int], gen: torch.Generator, stride: Optional[list[int]] = None
            ) -> torch.Tensor:
    """Random values in the given layout. A recorded stride is reproduced exactly, overlapping ones
    (0 for a broadcast dimension) included: kernels go wrong on layouts, not only on shapes."""
    if 0 in shape:
        return torch.empty(shape, dtype=dtype) if stride is None else torch.empty_strided(shape, stride, dtype=dtype)
    if stride is None:
        return _values(dtype, math.prod(shape), gen).view(shape)
    span = 1 + sum((n - 1) * st for n, st in zip(shape, stride))
    return torch.as_strided(_values(dtype, span, gen), shape, stride)


def _type_kind(t: torch._C.JitType) -> str:
    kind = t.kind()
    if kind == "OptionalType":
        return "Optional" + _type_kind(t.getElementType())
    if kind == "ListType":
        return "List" + _type_kind(t.getElementType())
    return kind


def _rebuild(value: Any, kind: str, gen: torch.Generator) -> Any:
    """A traced argument value as a call argument."""
    if isinstance(value, dict):
        if "dtype" in value:
            t = _tensor(_DTYPES[value["dtype"]], value["shape"], gen, value.get("stride"))
            return Placed(t) if value.get("device", "flagos").startswith("cpu") else t
        if "scalar_type" in value:
            return _DTYPES[value["scalar_type"]]
    if isinstance(value, list) and kind.startswith("List") and "Tensor" in kind:
        return [_rebuild(v, kind[4:], gen) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        if "Layout" in kind:
            return _LAYOUTS[value]
        if "MemoryFormat" in kind:
            return _MEMORY_FORMATS[value]
    if isinstance(value, str) and value in ("nan", "inf", "-inf") and "float" in kind.lower():
        return float(value)
    if isinstance(value, str) and kind.endswith(("Device", "DeviceObjType")):
        return None if value.startswith("flagos") else value
    return value


def _bind(schema: torch._C.FunctionSchema, values: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    args, kwargs = [], {}
    for a, v in zip(schema.arguments, values):
        if a.kwarg_only:
            kwargs[a.name] = v
        else:
            args.append(v)
    return args, kwargs


def from_trace(op: OpName, rows: list[dict[str, Any]], seed: int) -> Iterator[Sample]:
    """Samples from the rows of trace files recorded for ``op`` (routes spelling matches)."""
    schema = op.schema
    gen = torch.Generator().manual_seed(seed)
    seen: set[str] = set()
    for row in rows:
        if row["op"] != op.display:
            continue
        key = json.dumps(row["args"])
        if key in seen:
            continue
        seen.add(key)
        values = [_rebuild(v, _type_kind(a.real_type), gen) for a, v in zip(schema.arguments, row["args"])]
        args, kwargs = _bind(schema, values)
        yield Sample(args, kwargs, "trace: " + (tensor_signature(row["args"]) or "no tensors"))


class _NoSample(Exception):
    pass


def _value(a: torch._C.Argument, dtype: torch.dtype, shape: tuple[int, ...], gen: torch.Generator) -> Any:
    kind = _type_kind(a.type)
    name = a.name
    if kind == "TensorType":
        if a.alias_info is not None and a.alias_info.is_write and a.kwarg_only:
            return torch.empty(0, dtype=dtype)  # out=: the kernel resizes it
        return _tensor(dtype, list(shape), gen)
    if a.has_default_value():
        return a.default_value
    if kind == "OptionalTensorType":
        return _tensor(dtype, list(shape), gen)
    if kind == "ListTensorType":
        return [_tensor(dtype, list(shape), gen) for _ in range(2)]
    if kind in ("NumberType", "OptionalNumberType", "FloatType", "OptionalFloatType"):
        return 0.5
    if kind in ("IntType", "SymIntType", "OptionalIntType", "OptionalSymIntType"):
        return -1 if "dim" in name else 1
    if kind in ("ListIntType", "ListSymIntType", "OptionalListIntType", "OptionalListSymIntType"):
        if name in ("size", "shape", "sizes"):
            return list(shape)
        return [-1] if "dim" in name else [1] * len(shape)
    if kind == "BoolType":
        return False
    if kind.startswith("Optional"):
        return None
    raise _NoSample(f"no generated value for argument {name} ({a.type})")


def generated(op: OpName, dtypes: tuple[torch.dtype, ...], seed: int) -> Iterator[Sample]:
    """Schema-driven samples: every tensor argument of one shape, for each dtype and shape."""
    schema = op.schema
    gen = torch.Generator().manual_seed(seed)
    for shape in SHAPES:  # dtypes inner: a few samples already cover every dtype
        for dtype in dtypes:
            try:
                values = [_value(a, dtype, shape, gen) for a in schema.arguments]
            except _NoSample:
                return
            args, kwargs = _bind(schema, values)
            yield Sample(args, kwargs, f"{str(dtype).removeprefix('torch.')}[{', '.join(map(str, shape))}]")


def is_random(op: OpName) -> bool:
    """Operators whose values are random draws or uninitialised: compared by shape and dtype only."""
    schema = op.schema
    if any(_type_kind(a.type).endswith("GeneratorType") for a in schema.arguments):
        return True
    words = ("rand", "dropout", "normal", "uniform", "bernoulli", "multinomial", "exponential", "cauchy",
             "geometric", "log_normal", "empty")
    return any(w in op.name for w in words)
