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
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dask.array as da
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
from voxhub.arrays.operations.reductions import Reduction

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
    # Names the caller sets before the run (qspectrum's ``spectrum1``, ``spectrum2``).
    inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_references(self.steps, self.param, set(self.inputs))

    def __len__(self) -> int:
        return len(self.steps)

    def to_list(self) -> list[dict[str, Any]]:
        return [step.to_dict() for step in self.steps]

    def to_json(self) -> str:
        return json.dumps(self.to_list())

    def run(
        self,
        data: Any,
        *,
        limits: OperationLimits = DEFAULT_LIMITS,
        variables: Mapping[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Apply the steps to ``data``: numpy, or a zarr / dask / h5py array.

        ``variables`` gives the values of the names listed in ``inputs``.

        Inputs up to ``max_input_elements`` are read whole. A larger one is
        accepted (up to ``max_streamed_elements``) when the first step is a
        plain reduction that dask can compute chunk by chunk and no later step
        refers to ``"data"``; that step then runs block-wise.
        """
        shape = tuple(getattr(data, "shape", np.shape(data)))
        size = math.prod(shape)
        steps = self.steps
        if size > limits.max_input_elements:
            first = self._streamable(shape)
            if first is None or size > limits.max_streamed_elements:
                cap = limits.max_input_elements if first is None else limits.max_streamed_elements
                raise BadOperation(
                    f"{self.param}: input has {size} elements, more than the limit of {cap}"
                )
            data = _reduce_blockwise(data, first, f"{self.param}[0]")
            steps = steps[1:]
        array = np.asarray(data)
        if not steps:
            return array
        missing = set(self.inputs) - set(variables or {})
        if missing:
            raise ValueError(f"variables {sorted(missing)} must be given to run this pipeline")
        with np.errstate(all="ignore"):
            run = Run(array, limits)
            run.variables.update({k: np.asarray(v) for k, v in (variables or {}).items()})
            if steps is not self.steps:
                run.offset = 1
            return run.steps(steps, array, self.param)

    def can_stream(self, shape: tuple[int, ...]) -> bool:
        """Can an input of ``shape`` larger than ``max_input_elements`` be reduced chunk-wise?"""
        return self._streamable(tuple(shape)) is not None

    def _streamable(self, shape: tuple[int, ...]) -> Reduction | None:
        """The first step, if it can run chunk-wise on an input of ``shape``."""
        if not self.steps:
            return None
        first = self.steps[0]
        if self.inputs or not isinstance(first, Reduction) or first.function not in _BLOCKWISE:
            return None
        if first.x1 is not None or first.kwargs or first.variable is not None:
            return None
        if first.min_dim is not None and len(shape) < first.min_dim:
            return None
        if first.axis is not None and not -len(shape) <= first.axis < len(shape):
            return None
        return None if _uses_data(self.steps[1:]) else first


# Reductions dask computes chunk by chunk (OpenMSI name -> dask.array function).
_BLOCKWISE = {
    "max": "max",
    "amax": "max",
    "min": "min",
    "amin": "min",
    "sum": "sum",
    "mean": "mean",
    "any": "any",
    "all": "all",
    "alltrue": "all",
    "prod": "prod",
    "product": "prod",
    "count_nonzero": "count_nonzero",
}


def _uses_data(steps: Sequence[Step]) -> bool:
    for step in steps:
        for _, operand in step.operands():
            if isinstance(operand, DataRef):
                return True
            if isinstance(operand, Nested) and _uses_data(operand.steps):
                return True
    return False


def _reduce_blockwise(data: Any, step: Reduction, where: str) -> np.ndarray:
    lazy = data if isinstance(data, da.Array) else da.from_array(data, chunks=_chunks_of(data))
    try:
        return np.asarray(getattr(da, _BLOCKWISE[step.function])(lazy, axis=step.axis).compute())
    except _NUMPY_ERRORS as err:
        raise BadOperation(f"{where}: {step.function} failed: {err}") from None


def _chunks_of(data: Any) -> Any:
    chunks = getattr(data, "chunks", None)
    if isinstance(chunks, tuple) and all(isinstance(c, int) for c in chunks):
        return chunks
    return "auto"


class Run:
    """State of one pipeline run: the input, the variables set so far and the clock."""

    def __init__(self, data: np.ndarray, limits: OperationLimits) -> None:
        self.data = data
        self.limits = limits
        self.variables: dict[str, np.ndarray] = {}
        self.deadline = time.monotonic() + limits.max_seconds
        self.offset = 0  # top-level steps already run elsewhere (block-wise)

    def steps(self, steps: Sequence[Step], x: np.ndarray, where: str) -> np.ndarray:
        top = self.offset
        self.offset = 0
        for i, step in enumerate(steps):
            here = f"{where}[{i + top}]"
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
    inputs: tuple[str, ...] = (),
) -> Pipeline:
    """Parse and check an ``operations`` parameter; empty or missing means no steps.

    ``inputs`` names variables the caller will set before running (see ``Pipeline.run``).
    """
    if isinstance(value, Pipeline):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        return Pipeline((), param, inputs)
    if isinstance(value, str):
        if len(value) > limits.max_json_length:
            raise BadOperation(f"{param}: longer than {limits.max_json_length} characters")
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError) as err:
            raise BadOperation(f"{param}: not valid JSON ({err})") from None
    return Pipeline(steps_from_json(value, param, limits), param, inputs)


def run_operations(
    data: Any,
    operations: str | list[Any] | dict[str, Any] | Pipeline | None,
    *,
    param: str = "operations",
    limits: OperationLimits = DEFAULT_LIMITS,
) -> np.ndarray:
    """Parse ``operations`` (unless already a ``Pipeline``) and apply them to ``data``."""
    return parse_operations(operations, param=param, limits=limits).run(data, limits=limits)
