"""What every pipeline step shares, and the parser that turns JSON into steps.

The registries ``TRANSFORMATIONS`` and ``REDUCTION_STEPS`` map OpenMSI names
to step classes; together with the function tables in ``functions`` they are
the allow-list. ``reductions`` and ``transforms`` fill them when imported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from voxhub.arrays.errors import BadOperation, BadSelection
from voxhub.arrays.operations.functions import (
    REDUCTIONS,
    STATIC_INT_BOUND,
    FunctionSpec,
    Param,
)
from voxhub.arrays.operations.operands import (
    DEFAULT_LIMITS,
    OPERAND_TYPES,
    DataRef,
    Nested,
    Operand,
    OperationLimits,
    VariableRef,
    check_number,
    constant_from_json,
)

if TYPE_CHECKING:
    from voxhub.arrays.operations.pipeline import Run

# OpenMSI name -> step class; "*" under REDUCTION_STEPS handles every function
# of the REDUCTIONS table.
TRANSFORMATIONS: dict[str, type[Step]] = {}
REDUCTION_STEPS: dict[str, type[Step]] = {}


class Parser:
    """Counts steps and depth while JSON becomes steps, to enforce the limits."""

    def __init__(self, limits: OperationLimits) -> None:
        self.limits = limits
        self.steps = 0
        self.depth = 0

    def steps_from_json(self, value: Any, where: str) -> tuple[Step, ...]:
        items = [value] if isinstance(value, dict) else value
        if not isinstance(items, list):
            raise BadOperation(f"{where}: expected a list of steps, got {type(value).__name__}")
        if self.depth >= self.limits.max_depth:
            raise BadOperation(f"{where}: steps nested deeper than {self.limits.max_depth}")
        self.depth += 1
        try:
            return tuple(self.step(item, f"{where}[{i}]") for i, item in enumerate(items))
        finally:
            self.depth -= 1

    def step(self, value: Any, where: str) -> Step:
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise BadOperation(f"{where}: more than {self.limits.max_steps} steps in all")
        if not isinstance(value, dict):
            raise BadOperation(f"{where}: a step must be an object, got {type(value).__name__}")
        if ("transformation" in value) == ("reduction" in value):
            raise BadOperation(
                f"{where}: a step needs exactly one of 'transformation', 'reduction'"
            )
        if "transformation" in value:
            kind = value["transformation"]
            cls = TRANSFORMATIONS.get(kind) if isinstance(kind, str) else None
            if cls is None:
                allowed = ", ".join(sorted(TRANSFORMATIONS))
                raise BadOperation(f"{where}: unknown transformation {kind!r} (allowed: {allowed})")
        else:
            kind = value["reduction"]
            cls = REDUCTION_STEPS.get(kind, REDUCTION_STEPS["*"]) if isinstance(kind, str) else None
            if cls is None or (kind not in REDUCTION_STEPS and kind not in REDUCTIONS):
                raise BadOperation(f"{where}: unknown reduction {kind!r}")
        return cls.parse(value, where, self)

    def operand(self, value: Any, where: str) -> Operand:
        if isinstance(value, OPERAND_TYPES):
            return value
        if isinstance(value, str):
            return DataRef() if value == "data" else VariableRef(value)
        if isinstance(value, dict) or (
            isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
        ):
            return Nested(self.steps_from_json(value, where))
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            raise BadOperation(f"{where}: a list mixes steps and numbers")
        if value is None:
            raise BadOperation(f"{where}: operand must not be null")
        return constant_from_json(value, where, self.limits)

    def param(self, name: str, value: Any, spec: Param, where: str) -> Any:
        where = f"{where}.{name}"
        kind = spec.kind
        if kind in ("operand", "bound"):
            if kind == "bound" and value is None:
                return None
            return self.operand(value, where)
        if kind == "bool":
            if not isinstance(value, bool):
                raise BadOperation(f"{where}: expected true or false")
            return value
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise BadOperation(f"{where}: expected an integer")
            if spec.minimum is not None and value < spec.minimum:
                raise BadOperation(f"{where}: must be at least {spec.minimum}")
            # Shape-bounded parameters are checked again against the data when the
            # step runs; no data has more elements along an axis than the cap.
            bound = STATIC_INT_BOUND if spec.limit is None else self.limits.max_elements
            if abs(value) > bound:
                raise BadOperation(f"{where}: {value} is out of range (at most {bound})")
            return value
        if kind == "ints":
            if (
                not isinstance(value, list)
                or len(value) > STATIC_INT_BOUND
                or not all(
                    isinstance(v, int) and not isinstance(v, bool) and abs(v) <= STATIC_INT_BOUND
                    for v in value
                )
            ):
                raise BadOperation(
                    f"{where}: expected a list of at most {STATIC_INT_BOUND} axis numbers"
                )
            return tuple(value)
        if kind == "q":
            values = value if isinstance(value, list) else [value]
            if not values or len(values) > 100:
                raise BadOperation(f"{where}: expected 1 to 100 percentiles")
            for v in values:
                if isinstance(v, bool) or not 0 <= check_number(v, where) <= 100:
                    raise BadOperation(f"{where}: percentiles lie between 0 and 100, got {v}")
            return tuple(values) if isinstance(value, list) else value
        if kind == "choice":
            if value not in spec.choices:
                raise BadOperation(f"{where}: expected one of {', '.join(spec.choices)}")
            return value
        raise AssertionError(f"unknown parameter kind {kind}")

    def kwargs(
        self, raw: Mapping[str, Any], spec: FunctionSpec, function: str, where: str
    ) -> tuple[tuple[str, Any], ...]:
        out = []
        for name, value in raw.items():
            if name not in spec.params:
                allowed = ", ".join(sorted(spec.params)) or "none"
                raise BadOperation(
                    f"{where}: {function} takes no parameter {name!r} (allowed: {allowed})"
                )
            out.append((name, self.param(name, value, spec.params[name], where)))
        for name, param in spec.params.items():
            if param.required and name not in raw:
                raise BadOperation(f"{where}: {function} needs parameter {name!r}")
        return tuple(sorted(out))


def default_parser() -> Parser:
    return Parser(DEFAULT_LIMITS)


def check_variable(name: Any) -> None:
    if name is None:
        return
    if not isinstance(name, str) or not name or name == "data":
        raise BadOperation(f"variable must be a non-empty name other than 'data', got {name!r}")


def check_axes(axes: Any) -> tuple[int, ...] | None:
    if axes is None:
        return None
    values = [axes] if isinstance(axes, int) and not isinstance(axes, bool) else axes
    if not isinstance(values, list | tuple) or not all(
        isinstance(a, int) and not isinstance(a, bool) for a in values
    ):
        raise BadOperation(f"axes must be an integer or a list of integers, got {axes!r}")
    return tuple(values)


def extra_keys(value: Mapping[str, Any], known: set[str], where: str) -> dict[str, Any]:
    """The keys of a step dict that are not ``known``; the caller decides if they are allowed."""
    return {k: v for k, v in value.items() if k not in known}


def reject_extra(extra: Mapping[str, Any], what: str, where: str) -> None:
    if extra:
        raise BadOperation(f"{where}: {what} takes no key {sorted(extra)[0]!r}")


def operand_dict(operand: Operand | None, label: str) -> dict[str, Any]:
    return {} if operand is None else {label: operand.to_json()}


def x1_and_kwargs(
    x1: Operand | None, kwargs: tuple[tuple[str, Any], ...]
) -> Iterator[tuple[str, Operand]]:
    """The operands of a function step: ``x1``, then the keyword arguments that are operands."""
    if x1 is not None:
        yield "x1", x1
    for name, value in kwargs:
        if isinstance(value, OPERAND_TYPES):
            yield name, value


def param_json(value: Any) -> Any:
    if isinstance(value, OPERAND_TYPES):
        return value.to_json()
    if isinstance(value, tuple):
        return list(value)
    return value


class Step:
    """Base of all steps; ``variable`` names the output for later operands."""

    name: ClassVar[str]

    def apply(self, x: np.ndarray, run: Run, where: str) -> np.ndarray:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def operands(self) -> Iterator[tuple[str, Operand]]:
        """Operands in the order they are evaluated."""
        return iter(())

    @classmethod
    def parse(cls, value: Mapping[str, Any], where: str, parser: Parser) -> Step:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, value: Mapping[str, Any], *, where: str = "step") -> Step:
        """Build any step from its OpenMSI dict (dispatching on its keys)."""
        return default_parser().step(dict(value), where)

    @classmethod
    def _build(cls, where: str, **fields: Any) -> Step:
        try:
            return cls(**fields)
        except (BadOperation, BadSelection) as err:
            if err.detail.startswith(where):
                raise BadOperation(err.detail) from None
            raise BadOperation(f"{where}: {err.detail}") from None

    @property
    def label(self) -> str:
        """What error messages call this step: its function or operation."""
        return getattr(self, "function", None) or getattr(self, "operation", None) or self.name


def step_from_dict(value: Any, *, where: str = "step") -> Step:
    """Build one step from its OpenMSI dict."""
    return default_parser().step(value, where)


def steps_from_json(value: Any, where: str, limits: OperationLimits) -> tuple[Step, ...]:
    """Build a list of steps, enforcing ``limits`` on their number and nesting."""
    return Parser(limits).steps_from_json(value, where)
