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
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from voxhub.arrays.errors import BadOperation, BadSelection
from voxhub.arrays.operations import reductions, transforms  # noqa: F401  (fill the registries)
from voxhub.arrays.operations.base import Step, steps_from_json
from voxhub.arrays.operations.functions import FunctionSpec, check_int_params
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
# Functions whose time grows faster than their input (rows² × columns, n × size).
SUPERLINEAR = frozenset({"corrcoef", "cov", "diff"})


class NeedsWorker(Exception):
    """An in-line run went past its ``Inline`` budget: run the pipeline in a worker instead."""


@dataclass(frozen=True)
class Inline:
    """The budget of a run in the calling thread: larger intermediates or longer runs escalate."""

    max_elements: int
    max_seconds: float


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
    # Index of ``steps[0]`` in the pipeline as written (1 after a streamed first step).
    offset: int = 0

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
        This runs in the calling thread, checking the time cap between steps;
        ``voxhub.arrays.operations.isolate.run_isolated`` runs it where a single
        long numpy call can be stopped too.
        """
        data, rest = self.stream_first(data, limits=limits)
        return rest.run_steps(np.asarray(data), limits=limits, variables=variables)

    def stream_first(
        self, data: Any, *, limits: OperationLimits = DEFAULT_LIMITS, deadline: float | None = None
    ) -> tuple[Any, Pipeline]:
        """Run the first step block-wise if the input is too large to hold; the rest to run.

        Inputs up to ``max_input_elements`` are read whole. A larger one is
        accepted (up to ``max_streamed_elements``) when the first step is a
        plain reduction that dask can compute chunk by chunk and no later step
        refers to ``"data"``; that step then runs block-wise, checking
        ``deadline`` before every chunk.
        """
        shape = tuple(getattr(data, "shape", np.shape(data)))
        size = math.prod(shape)
        if size <= limits.max_input_elements:
            return data, self
        first = self._streamable(shape)
        if first is None or size > limits.max_streamed_elements:
            cap = limits.max_input_elements if first is None else limits.max_streamed_elements
            raise BadOperation(
                f"{self.param}: input has {size} elements, more than the limit of {cap}"
            )
        if deadline is None:
            deadline = time.monotonic() + limits.max_seconds
        where = f"{self.param}[{self.offset}]"
        reduced = _reduce_blockwise(data, first, where, deadline, limits.max_seconds)
        return reduced, replace(self, steps=self.steps[1:], offset=self.offset + 1)

    def run_steps(
        self,
        array: np.ndarray,
        *,
        limits: OperationLimits = DEFAULT_LIMITS,
        variables: Mapping[str, np.ndarray] | None = None,
        inline: Inline | None = None,
    ) -> np.ndarray:
        """Apply the steps to an array held in memory.

        With ``inline``, ``NeedsWorker`` is raised as soon as the run exceeds that budget.
        """
        if not self.steps:
            return array
        missing = set(self.inputs) - set(variables or {})
        if missing:
            raise ValueError(f"variables {sorted(missing)} must be given to run this pipeline")
        with np.errstate(all="ignore"):
            run = Run(array, limits, inline)
            run.variables.update({k: np.asarray(v) for k, v in (variables or {}).items()})
            run.offset = self.offset
            return run.steps(self.steps, array, self.param)

    def superlinear(self) -> bool:
        """Does any step (nested ones too) call a function slower than linear in its input?"""
        return _any_superlinear(self.steps)

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


def _any_superlinear(steps: Sequence[Step]) -> bool:
    for step in steps:
        if step.label in SUPERLINEAR:
            return True
        for _, operand in step.operands():
            if isinstance(operand, Nested) and _any_superlinear(operand.steps):
                return True
    return False


def _uses_data(steps: Sequence[Step]) -> bool:
    for step in steps:
        for _, operand in step.operands():
            if isinstance(operand, DataRef):
                return True
            if isinstance(operand, Nested) and _uses_data(operand.steps):
                return True
    return False


def _reduce_blockwise(
    data: Any, step: Reduction, where: str, deadline: float, seconds: float
) -> np.ndarray:
    # dask is imported here, not at the top: pipeline worker processes never stream.
    import dask.array as da
    from dask.callbacks import Callback

    lazy = data if isinstance(data, da.Array) else da.from_array(data, chunks=_chunks_of(data))

    def check_time(key: Any, dsk: Any, state: Any) -> None:
        if time.monotonic() > deadline:
            raise BadOperation(f"{where}: pipeline ran longer than {seconds} s")

    try:
        with Callback(pretask=check_time):
            reduced = getattr(da, _BLOCKWISE[step.function])(lazy, axis=step.axis).compute()
        return np.asarray(reduced)
    except _NUMPY_ERRORS as err:
        raise BadOperation(f"{where}: {step.function} failed: {err}") from None


def _chunks_of(data: Any) -> Any:
    chunks = getattr(data, "chunks", None)
    if isinstance(chunks, tuple) and all(isinstance(c, int) for c in chunks):
        return chunks
    return "auto"


class Run:
    """State of one pipeline run: the input, the variables set so far and the clock."""

    def __init__(
        self, data: np.ndarray, limits: OperationLimits, inline: Inline | None = None
    ) -> None:
        self.data = data
        self.limits = limits
        self.inline = inline
        self.variables: dict[str, np.ndarray] = {}
        now = time.monotonic()
        self.deadline = now + limits.max_seconds
        self.inline_deadline = now + inline.max_seconds if inline is not None else None
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
                held = sum(v.size for v in self.variables.values())
                if held > self.limits.max_elements:
                    raise BadOperation(
                        f"{here}: variables hold {held} elements, more than the limit of "
                        f"{self.limits.max_elements}"
                    )
                self.check_size(held, here)
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
        now = time.monotonic()
        if now > self.deadline:
            raise BadOperation(f"{where}: pipeline ran longer than {self.limits.max_seconds} s")
        if self.inline_deadline is not None and now > self.inline_deadline:
            raise NeedsWorker(where)

    def check_size(self, size: int, where: str) -> None:
        if self.inline is not None and size > self.inline.max_elements:
            raise NeedsWorker(where)
        if size > self.limits.max_elements:
            raise BadOperation(
                f"{where}: result has {size} elements, more than the limit of "
                f"{self.limits.max_elements}"
            )

    def check_call(
        self,
        spec: FunctionSpec,
        x: np.ndarray,
        kwargs: Mapping[str, Any],
        where: str,
        *,
        axis: int | None = None,
        label: str = "",
    ) -> None:
        """Before ``spec.func`` runs on ``x``: its parameters fit the data, its output the cap."""
        problem = check_int_params(spec, x.shape, axis, kwargs)
        if problem is not None:
            raise BadOperation(f"{where}: {label}: {problem}" if label else f"{where}: {problem}")
        if spec.out_size is not None:
            self.check_size(spec.out_size(x, {**kwargs, "axis": axis}), where)

    def check_broadcast(self, where: str, label: str, *values: Any) -> None:
        """Element-wise operands broadcast to a shape within the cap (checked before allocating)."""
        shapes = [np.shape(v) for v in values]
        try:
            shape = np.broadcast_shapes(*shapes)
        except ValueError:
            shown = " and ".join(str(s) for s in shapes)
            raise BadOperation(
                f"{where}: {label} failed: operands could not be broadcast together "
                f"(shapes {shown})"
            ) from None
        self.check_size(math.prod(shape), where)


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
