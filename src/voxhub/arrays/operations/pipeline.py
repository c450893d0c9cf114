"""A whole OpenMSI operations pipeline: parsed and checked before any data moves.

``parse_operations`` accepts the JSON text of an ``operations`` query
parameter (or the decoded list / dict) and returns a ``Pipeline`` whose steps,
function names, keywords and variable references have all been checked, much
as zarr's ``codecs_from_list`` checks a codec chain. ``run_operations`` then
applies it to an array within ``OperationLimits``. Every problem is a
``BadOperation`` whose text starts with where it happened, e.g.
``operations[1].x2[0]: unknown reduction 'foo'``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voxhub.arrays.errors import BadOperation, BadSelection
from voxhub.arrays.operations import reductions, transforms  # noqa: F401  (fill the registries)
from voxhub.arrays.operations.base import Step, steps_from_json
from voxhub.arrays.operations.functions import FunctionSpec
from voxhub.arrays.operations.operands import (
    DEFAULT_LIMITS,
    Constant,
    DataRef,
    Nested,
    Operand,
    OperationLimits,
    VariableRef,
)

# What numpy raises for shape, type and domain problems in user pipelines.
_NUMPY_ERRORS = (ValueError, TypeError, IndexError, ZeroDivisionError, OverflowError)


def _check_references(steps: Sequence[Step], where: str, defined: set[str]) -> None:
    """Every variable must be set by a step that runs before it is read."""
    for i, step in enumerate(steps):
        here = f"{where}[{i}]"
        for label, operand in step.operands():
            if isinstance(operand, VariableRef) and operand.name not in defined:
                known = ", ".join(sorted(defined)) or "none defined yet"
                raise BadOperation(
                    f"{here}.{label}: unknown variable {operand.name!r} (known: {known})"
                )
            if isinstance(operand, Nested):
                _check_references(operand.steps, f"{here}.{label}", defined)
        variable = getattr(step, "variable", None)
        if variable is not None:
            defined.add(variable)


@dataclass(frozen=True)
class Pipeline:
    """Checked steps; ``param`` names the query parameter in error messages."""

    steps: tuple[Step, ...] = ()
    param: str = "operations"

    def __post_init__(self) -> None:
        _check_references(self.steps, self.param, set())

    def __len__(self) -> int:
        return len(self.steps)

    def to_list(self) -> list[dict[str, Any]]:
        return [step.to_dict() for step in self.steps]

    def to_json(self) -> str:
        return json.dumps(self.to_list())

    def run(self, data: Any, *, limits: OperationLimits = DEFAULT_LIMITS) -> np.ndarray:
        """Apply the steps to ``data`` (numpy, or any array-like within the input cap)."""
        size = int(np.prod(getattr(data, "shape", np.shape(data))))
        if size > limits.max_input_elements:
            raise BadOperation(
                f"{self.param}: input has {size} elements, more than the limit of "
                f"{limits.max_input_elements}"
            )
        array = np.asarray(data)
        if not self.steps:
            return array
        with np.errstate(all="ignore"):
            return Run(array, limits).steps(self.steps, array, self.param)


class Run:
    """State of one pipeline run: the input, the variables set so far and the clock."""

    def __init__(self, data: np.ndarray, limits: OperationLimits) -> None:
        self.data = data
        self.limits = limits
        self.variables: dict[str, np.ndarray] = {}
        self.deadline = time.monotonic() + limits.max_seconds

    def steps(self, steps: Sequence[Step], x: np.ndarray, where: str) -> np.ndarray:
        for i, step in enumerate(steps):
            here = f"{where}[{i}]"
            self.check_time(here)
            try:
                result = np.asarray(step.apply(x, self, here))
            except BadOperation:
                raise
            except BadSelection as err:
                raise BadOperation(err.detail) from None
            except _NUMPY_ERRORS as err:
                raise BadOperation(f"{here}: {step.label} failed: {err}") from None
            self.check_size(result.size, here)
            variable = getattr(step, "variable", None)
            if variable is not None:
                self.variables[variable] = result
            x = result
        return x

    def operand(self, operand: Operand, x: np.ndarray, where: str) -> Any:
        if isinstance(operand, Constant):
            return operand.array()
        if isinstance(operand, DataRef):
            return self.data
        if isinstance(operand, VariableRef):
            try:
                return self.variables[operand.name]
            except KeyError:
                raise BadOperation(f"{where}: variable {operand.name!r} is not set") from None
        return self.steps(operand.steps, x, where)

    def value(self, value: Any, x: np.ndarray, where: str) -> Any:
        """A keyword value: operands are evaluated, plain values pass through."""
        if isinstance(value, Constant | DataRef | VariableRef | Nested):
            return self.operand(value, x, where)
        return value

    def check_time(self, where: str) -> None:
        if time.monotonic() > self.deadline:
            raise BadOperation(f"{where}: pipeline ran longer than {self.limits.max_seconds} s")

    def check_size(self, size: int, where: str) -> None:
        if size > self.limits.max_elements:
            raise BadOperation(
                f"{where}: result has {size} elements, more than the limit of "
                f"{self.limits.max_elements}"
            )

    def check_out_size(
        self, spec: FunctionSpec, x: np.ndarray, kwargs: Mapping[str, Any], where: str
    ) -> None:
        if spec.out_size is not None:
            self.check_size(spec.out_size(x, kwargs), where)


def parse_operations(
    value: str | list[Any] | dict[str, Any] | Pipeline | None,
    *,
    param: str = "operations",
    limits: OperationLimits = DEFAULT_LIMITS,
) -> Pipeline:
    """Parse and check an ``operations`` parameter; empty or missing means no steps."""
    if isinstance(value, Pipeline):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        return Pipeline((), param)
    if isinstance(value, str):
        if len(value) > limits.max_json_length:
            raise BadOperation(f"{param}: longer than {limits.max_json_length} characters")
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError) as err:
            raise BadOperation(f"{param}: not valid JSON ({err})") from None
    return Pipeline(steps_from_json(value, param, limits), param)


def run_operations(
    data: Any,
    operations: str | list[Any] | dict[str, Any] | Pipeline | None,
    *,
    param: str = "operations",
    limits: OperationLimits = DEFAULT_LIMITS,
) -> np.ndarray:
    """Parse ``operations`` (unless already a ``Pipeline``) and apply them to ``data``."""
    return parse_operations(operations, param=param, limits=limits).run(data, limits=limits)
