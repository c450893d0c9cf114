"""Transformation steps: arithmetic on one or two operands, normalisation, threshold, astype.

With ``axes`` a transformation runs on each piece of the data split along
those axes, e.g. ``axes=[0, 1]`` normalises every spectrum of an (x, y, mz)
cube on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from voxhub.arrays.errors import BadOperation
from voxhub.arrays.operations.base import (
    TRANSFORMATIONS,
    Parser,
    Step,
    check_axes,
    check_variable,
    default_parser,
    extra_keys,
    operand_dict,
    param_json,
    reject_extra,
    x1_and_kwargs,
)
from voxhub.arrays.operations.functions import DTYPES, DUAL, SINGLE, FunctionSpec
from voxhub.arrays.operations.operands import OPERAND_TYPES, Operand

if TYPE_CHECKING:
    from voxhub.arrays.operations.pipeline import Run


def _per_chunk(
    x: np.ndarray,
    axes: tuple[int, ...] | None,
    fn: Callable[[np.ndarray], np.ndarray],
    run: Run,
    where: str,
) -> np.ndarray:
    """Apply ``fn`` to each piece of ``x`` split along ``axes`` (the whole of ``x`` if None)."""
    if axes is None:
        return fn(x)
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise BadOperation(f"{where}: axes entry {a} is out of range for {x.ndim}D data")
    axes = tuple(sorted({a % x.ndim for a in axes}))
    counts = [x.shape[a] for a in axes]
    if int(np.prod(counts)) > run.limits.max_chunks:
        raise BadOperation(f"{where}: axes split the data into more than {run.limits.max_chunks}")
    out: np.ndarray | None = None
    for position in np.ndindex(*counts):
        run.check_time(where)
        index = [slice(None)] * x.ndim
        for a, i in zip(axes, position, strict=True):
            index[a] = slice(i, i + 1)
        piece = x[tuple(index)]
        result = np.asarray(fn(piece))
        if result.shape != piece.shape:
            raise BadOperation(
                f"{where}: with axes the transformation must keep the shape {piece.shape}, "
                f"got {result.shape}"
            )
        if out is None:
            out = np.empty(x.shape, dtype=np.result_type(result.dtype, np.float64))
        out[tuple(index)] = result
    assert out is not None
    return out


@dataclass(frozen=True)
class _Transformation(Step):
    """Shared parsing for transformations; ``axes`` splits the data into pieces."""

    KEYS: ClassVar[frozenset[str]] = frozenset()
    if TYPE_CHECKING:  # fields of every subclass (declared there, after their own fields)
        axes: tuple[int, ...] | None
        variable: str | None

    @classmethod
    def parse(cls, value: Mapping[str, Any], where: str, parser: Parser) -> Step:
        known = {"transformation", "axes", "variable", *cls.KEYS}
        extra = extra_keys(value, known, where)
        fields: dict[str, Any] = {"axes": value.get("axes"), "variable": value.get("variable")}
        for key in cls.KEYS & value.keys():
            fields[key] = cls.parse_key(key, value[key], f"{where}.{key}", parser)
        fields.update(cls.parse_extra(value, extra, where, parser))
        return cls._build(where, **fields)

    @classmethod
    def parse_key(cls, key: str, value: Any, where: str, parser: Parser) -> Any:
        return parser.operand(value, where)

    @classmethod
    def parse_extra(
        cls, value: Mapping[str, Any], extra: Mapping[str, Any], where: str, parser: Parser
    ) -> dict[str, Any]:
        reject_extra(extra, value["transformation"], where)
        return {}

    def _post(self) -> None:
        object.__setattr__(self, "axes", check_axes(self.axes))
        check_variable(self.variable)
        parser = default_parser()
        for key in self.KEYS:
            current = getattr(self, key)
            if current is not None and key in ("x1", "x2", "threshold"):
                if not isinstance(current, OPERAND_TYPES):
                    object.__setattr__(self, key, parser.operand(current, key))

    def _common_dict(self, kind: str) -> dict[str, Any]:
        out: dict[str, Any] = {"transformation": kind}
        if self.axes is not None:
            out["axes"] = list(self.axes)
        return out

    def _finish_dict(self, out: dict[str, Any]) -> dict[str, Any]:
        if self.variable is not None:
            out["variable"] = self.variable
        return out


def _function_step(table: dict[str, FunctionSpec], what: str) -> classmethod[Any, Any, Any]:
    """Parsing of ``operation`` plus keyword arguments, shared by single and dual steps."""

    def parse_extra(
        cls: type[_Transformation],
        value: Mapping[str, Any],
        given: Mapping[str, Any],
        where: str,
        parser: Parser,
    ) -> dict[str, Any]:
        extra = dict(given)
        operation = extra.pop("operation", None)
        if operation is None:
            raise BadOperation(f"{where}: {what} needs an 'operation'")
        if not isinstance(operation, str) or operation not in table:
            raise BadOperation(f"{where}: unknown {what} operation {operation!r}")
        kwargs = parser.kwargs(extra, table[operation], operation, where)
        return {"operation": operation, "kwargs": kwargs, "kind": value["transformation"]}

    return classmethod(parse_extra)


@dataclass(frozen=True)
class _FunctionStep(_Transformation):
    """Dual and single transforms: ``operation`` from a function table, with kwargs."""

    if TYPE_CHECKING:  # fields of both subclasses (declared there, in their order)
        operation: str
        kwargs: tuple[tuple[str, Any], ...]
        kind: str

    def _check_function(self, table: dict[str, FunctionSpec], kinds: tuple[str, str]) -> None:
        """``__post_init__`` of the function steps: a known operation and kind, parsed kwargs."""
        operation, kind, kwargs = self.operation, self.kind, self.kwargs
        if operation not in table:
            raise BadOperation(f"unknown {kinds[0]} operation {operation!r}")
        if kind not in kinds:
            raise BadOperation(f"kind must be {kinds[0]} or {kinds[1]}, not {kind!r}")
        if isinstance(kwargs, Mapping):
            parsed = default_parser().kwargs(kwargs, table[operation], operation, "step")
            object.__setattr__(self, "kwargs", parsed)
        self._post()


@dataclass(frozen=True)
class DualTransform(_FunctionStep):
    """``arithmetic`` / ``dualDataTransform``: ``operation(x1, x2)``; both default to the input."""

    name: ClassVar[str] = "dualDataTransform"
    KEYS: ClassVar[frozenset[str]] = frozenset({"x1", "x2"})
    operation: str
    _: KW_ONLY
    x1: Operand | None = None
    x2: Operand | None = None
    kwargs: tuple[tuple[str, Any], ...] = ()
    axes: tuple[int, ...] | None = None
    variable: str | None = None
    kind: str = "dualDataTransform"

    parse_extra = _function_step(DUAL, "dualDataTransform")

    def __post_init__(self) -> None:
        self._check_function(DUAL, ("dualDataTransform", "arithmetic"))

    def to_dict(self) -> dict[str, Any]:
        out = self._common_dict(self.kind)
        out["operation"] = self.operation
        out.update(operand_dict(self.x1, "x1"))
        out.update(operand_dict(self.x2, "x2"))
        out.update({k: param_json(v) for k, v in self.kwargs})
        return self._finish_dict(out)

    def operands(self) -> Iterator[tuple[str, Operand]]:
        for label, operand in (("x1", self.x1), ("x2", self.x2)):
            if operand is not None:
                yield label, operand

    def apply(self, x: np.ndarray, run: Run, where: str) -> np.ndarray:
        spec = DUAL[self.operation]

        def one(piece: np.ndarray) -> np.ndarray:
            x1 = piece if self.x1 is None else run.operand(self.x1, piece, f"{where}.x1")
            x2 = piece if self.x2 is None else run.operand(self.x2, piece, f"{where}.x2")
            kwargs = {k: run.value(v, piece, f"{where}.{k}") for k, v in self.kwargs}
            run.check_call(spec, np.asarray(x1), kwargs, where, label=self.operation)
            if spec.out_size is None:  # element-wise: the output has the broadcast shape
                run.check_broadcast(where, self.operation, x1, x2)
            return np.asarray(spec.func(x1, x2, **kwargs))

        return _per_chunk(x, self.axes, one, run, where)


@dataclass(frozen=True)
class SingleTransform(_FunctionStep):
    """``singleDataTransform`` / ``scale``: ``operation(x1, **kwargs)``."""

    name: ClassVar[str] = "singleDataTransform"
    KEYS: ClassVar[frozenset[str]] = frozenset({"x1"})
    operation: str
    _: KW_ONLY
    x1: Operand | None = None
    kwargs: tuple[tuple[str, Any], ...] = ()
    axes: tuple[int, ...] | None = None
    variable: str | None = None
    kind: str = "singleDataTransform"

    parse_extra = _function_step(SINGLE, "singleDataTransform")

    def __post_init__(self) -> None:
        self._check_function(SINGLE, ("singleDataTransform", "scale"))

    def to_dict(self) -> dict[str, Any]:
        out = self._common_dict(self.kind)
        out["operation"] = self.operation
        out.update(operand_dict(self.x1, "x1"))
        out.update({k: param_json(v) for k, v in self.kwargs})
        return self._finish_dict(out)

    def operands(self) -> Iterator[tuple[str, Operand]]:
        return x1_and_kwargs(self.x1, self.kwargs)

    def apply(self, x: np.ndarray, run: Run, where: str) -> np.ndarray:
        spec = SINGLE[self.operation]

        def one(piece: np.ndarray) -> np.ndarray:
            x1 = np.asarray(
                piece if self.x1 is None else run.operand(self.x1, piece, f"{where}.x1")
            )
            kwargs = {k: run.value(v, piece, f"{where}.{k}") for k, v in self.kwargs}
            run.check_call(spec, x1, kwargs, where, axis=kwargs.get("axis"), label=self.operation)
            arrays = [v for k, v in kwargs.items() if isinstance(v, np.ndarray)]
            run.check_broadcast(where, self.operation, x1, *arrays)
            return np.asarray(spec.func(x1, **kwargs))

        return _per_chunk(x, self.axes, one, run, where)


def _reduce_axes(x: np.ndarray, axes: tuple[int, ...] | None, where: str) -> tuple[int, ...] | None:
    """The axes to reduce over so that each piece split along ``axes`` is handled alone."""
    if axes is None:
        return None
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise BadOperation(f"{where}: axes entry {a} is out of range for {x.ndim}D data")
    keep = {a % x.ndim for a in axes}
    return tuple(a for a in range(x.ndim) if a not in keep)


@dataclass(frozen=True)
class _Normalise(_Transformation):
    """A normalisation: no keys but ``axes``; empty data comes back as float64."""

    _: KW_ONLY
    axes: tuple[int, ...] | None = None
    variable: str | None = None

    def __post_init__(self) -> None:
        self._post()

    def to_dict(self) -> dict[str, Any]:
        return self._finish_dict(self._common_dict(self.name))

    def apply(self, x: np.ndarray, run: Run, where: str) -> np.ndarray:
        if x.size == 0:
            return x.astype(np.float64)
        return self._scale(x, _reduce_axes(x, self.axes, where))

    def _scale(self, x: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
        raise NotImplementedError


@dataclass(frozen=True)
class DivideMax(_Normalise):
    """Divide by the maximum (per piece with ``axes``); an all-zero piece stays as is."""

    name: ClassVar[str] = "divideMax"

    def _scale(self, x: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
        top = np.max(x, axis=axes, keepdims=True)
        return x / np.where(top != 0, top, 1).astype(np.float64)


@dataclass(frozen=True)
class MinusMinDivideMax(_Normalise):
    """Subtract the minimum, then divide by the new maximum: values end in [0, 1]."""

    name: ClassVar[str] = "minusMinDivideMax"

    def _scale(self, x: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
        shifted = x - np.min(x, axis=axes, keepdims=True).astype(np.float64)
        top = np.max(shifted, axis=axes, keepdims=True)
        scaled: np.ndarray = shifted / np.where(top > 0, top, 1)
        return scaled


@dataclass(frozen=True)
class Threshold(_Transformation):
    """Set values below ``threshold`` to 0; without one, the 5th percentile is used."""

    name: ClassVar[str] = "threshold"
    KEYS: ClassVar[frozenset[str]] = frozenset({"threshold"})
    threshold: Operand | None = None
    _: KW_ONLY
    axes: tuple[int, ...] | None = None
    variable: str | None = None

    def __post_init__(self) -> None:
        self._post()

    def to_dict(self) -> dict[str, Any]:
        out = self._common_dict(self.name)
        out.update(operand_dict(self.threshold, "threshold"))
        return self._finish_dict(out)

    def operands(self) -> Iterator[tuple[str, Operand]]:
        if self.threshold is not None:
            yield "threshold", self.threshold

    def apply(self, x: np.ndarray, run: Run, where: str) -> np.ndarray:
        def one(piece: np.ndarray) -> np.ndarray:
            if self.threshold is None:
                limit = np.percentile(piece, 5) if piece.size else 0
            else:
                limit = run.operand(self.threshold, piece, f"{where}.threshold")
                run.check_broadcast(f"{where}.threshold", "threshold", piece, limit)
            out = np.array(piece, copy=True)
            out[piece < limit] = 0
            return out

        return _per_chunk(x, self.axes, one, run, where)


@dataclass(frozen=True)
class AsType(_Transformation):
    """Convert to ``dtype`` (numeric and boolean types only)."""

    name: ClassVar[str] = "astype"
    KEYS: ClassVar[frozenset[str]] = frozenset({"x1", "dtype"})
    dtype: str = "float"
    _: KW_ONLY
    x1: Operand | None = None
    axes: tuple[int, ...] | None = None
    variable: str | None = None

    @classmethod
    def parse_key(cls, key: str, value: Any, where: str, parser: Parser) -> Any:
        return value if key == "dtype" else parser.operand(value, where)

    def __post_init__(self) -> None:
        if not isinstance(self.dtype, str) or self.dtype not in DTYPES:
            allowed = ", ".join(sorted(DTYPES))
            raise BadOperation(f"dtype {self.dtype!r} is not allowed (allowed: {allowed})")
        self._post()

    def to_dict(self) -> dict[str, Any]:
        out = self._common_dict(self.name)
        out["dtype"] = self.dtype
        out.update(operand_dict(self.x1, "x1"))
        return self._finish_dict(out)

    def operands(self) -> Iterator[tuple[str, Operand]]:
        if self.x1 is not None:
            yield "x1", self.x1

    def apply(self, x: np.ndarray, run: Run, where: str) -> np.ndarray:
        def one(piece: np.ndarray) -> np.ndarray:
            x1 = piece if self.x1 is None else run.operand(self.x1, piece, f"{where}.x1")
            return np.asarray(x1).astype(DTYPES[self.dtype])

        return _per_chunk(x, self.axes, one, run, where)


TRANSFORMATIONS.update(
    {
        "arithmetic": DualTransform,
        "dualDataTransform": DualTransform,
        "singleDataTransform": SingleTransform,
        "scale": SingleTransform,
        "divideMax": DivideMax,
        "minusMinDivideMax": MinusMinDivideMax,
        "threshold": Threshold,
        "astype": AsType,
    }
)
