"""Operands of a step (``x1``, ``x2``, ``threshold``, ...) and the limits on pipelines.

An operand is a JSON constant, ``"data"`` (the input of the whole pipeline),
the name of an earlier step's ``variable``, or nested steps run on the input
of the step that owns the operand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from voxhub.arrays.errors import BadOperation


@dataclass(frozen=True)
class OperationLimits:
    """Caps that keep one request's pipeline bounded in memory and time."""

    max_input_elements: int = 64 * 1024 * 1024
    # A pipeline that starts with a plain reduction (e.g. qslice's max
    # projection) reads its input chunk by chunk, so it may be this large.
    max_streamed_elements: int = 4 * 1024 * 1024 * 1024
    max_elements: int = 64 * 1024 * 1024  # of any intermediate result
    max_steps: int = 64  # counting nested steps
    max_depth: int = 8
    max_json_length: int = 64 * 1024
    max_constant_length: int = 10_000
    max_chunks: int = 100_000  # pieces a transformation with ``axes`` may loop over
    max_seconds: float = 30.0


DEFAULT_LIMITS = OperationLimits()


@dataclass(frozen=True)
class Constant:
    """A number, boolean or (nested) list of numbers; lists are kept as tuples."""

    value: bool | int | float | tuple[Any, ...]

    def array(self) -> np.ndarray:
        return np.asarray(_to_json(self.value))

    def to_json(self) -> Any:
        return _to_json(self.value)


@dataclass(frozen=True)
class DataRef:
    """``"data"``: the input of the whole pipeline."""

    def to_json(self) -> str:
        return "data"


@dataclass(frozen=True)
class VariableRef:
    """The output of an earlier step that set ``"variable": name``."""

    name: str

    def to_json(self) -> str:
        return self.name


@dataclass(frozen=True)
class Nested:
    """Steps run on the input of the step that owns this operand."""

    steps: tuple[Any, ...]

    def to_json(self) -> list[dict[str, Any]]:
        return [step.to_dict() for step in self.steps]


Operand = Constant | DataRef | VariableRef | Nested
OPERAND_TYPES = (Constant, DataRef, VariableRef, Nested)


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    return value


def _count_leaves(value: Any) -> int:
    return sum(_count_leaves(v) for v in value) if isinstance(value, tuple) else 1


def check_number(value: Any, where: str) -> bool | int | float:
    """A JSON scalar that numpy holds without loss (no huge ints, NaN or infinity)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -(2**63) <= value < 2**64:
            raise BadOperation(f"{where}: integer {value} does not fit 64 bits")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadOperation(f"{where}: number must be finite, got {value}")
        return value
    raise BadOperation(f"{where}: expected a number, got {type(value).__name__}")


def constant_from_json(value: Any, where: str, limits: OperationLimits) -> Constant:
    """A scalar or rectangular list of numbers as a ``Constant``."""

    def convert(v: Any) -> Any:
        if isinstance(v, list):
            if not v:
                raise BadOperation(f"{where}: empty list")
            return tuple(convert(item) for item in v)
        return check_number(v, where)

    converted = convert(value)
    if _count_leaves(converted) > limits.max_constant_length:
        raise BadOperation(f"{where}: constant has more than {limits.max_constant_length} numbers")
    if isinstance(converted, tuple):
        try:
            array = np.array(_to_json(converted))
        except ValueError as err:
            raise BadOperation(f"{where}: list is not rectangular ({err})") from None
        if array.dtype == object:
            raise BadOperation(f"{where}: list is not rectangular")
    return Constant(converted)
