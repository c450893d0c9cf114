"""Reduction steps: numpy reductions from the allow-list, and ``select_values``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from voxhub.arrays.errors import BadOperation
from voxhub.arrays.operations.base import (
    REDUCTION_STEPS,
    Parser,
    Step,
    check_variable,
    default_parser,
    extra_keys,
    operand_dict,
    param_json,
    reject_extra,
    x1_and_kwargs,
)
from voxhub.arrays.operations.functions import REDUCTIONS
from voxhub.arrays.operations.operands import OPERAND_TYPES, Operand
from voxhub.arrays.selection import (
    Selection,
    SelectionLimits,
    parse_multiaxis,
    plan_selection,
    read_selection,
)

if TYPE_CHECKING:
    from voxhub.arrays.operations.pipeline import Run


@dataclass(frozen=True)
class Reduction(Step):
    """``{"reduction": function, "axis": ..., "min_dim": ..., "x1": ..., **kwargs}``."""

    name: ClassVar[str] = "reduction"
    function: str
    _: KW_ONLY
    axis: int | None = None
    min_dim: int | None = None
    x1: Operand | None = None
    kwargs: tuple[tuple[str, Any], ...] = ()
    variable: str | None = None

    def __post_init__(self) -> None:
        spec = REDUCTIONS.get(self.function)
        if spec is None:
            raise BadOperation(f"unknown reduction {self.function!r}")
        if self.axis is not None:
            if isinstance(self.axis, bool) or not isinstance(self.axis, int):
                raise BadOperation(f"axis must be an integer or null, got {self.axis!r}")
            if not spec.takes_axis:
                raise BadOperation(f"{self.function} takes no axis")
        if self.min_dim is not None and (
            isinstance(self.min_dim, bool) or not isinstance(self.min_dim, int)
        ):
            raise BadOperation(f"min_dim must be an integer, got {self.min_dim!r}")
        parser = default_parser()
        if self.x1 is not None:
            object.__setattr__(self, "x1", parser.operand(self.x1, "x1"))
        if isinstance(self.kwargs, Mapping):
            object.__setattr__(
                self, "kwargs", parser.kwargs(self.kwargs, spec, self.function, "reduction")
            )
        check_variable(self.variable)

    @classmethod
    def parse(cls, value: Mapping[str, Any], where: str, parser: Parser) -> Step:
        function = value["reduction"]
        spec = REDUCTIONS[function]
        extra = extra_keys(value, {"reduction", "axis", "min_dim", "x1", "variable"}, where)
        x1 = parser.operand(value["x1"], f"{where}.x1") if "x1" in value else None
        return cls._build(
            where,
            function=function,
            axis=value.get("axis"),
            min_dim=value.get("min_dim"),
            x1=x1,
            kwargs=parser.kwargs(extra, spec, function, where),
            variable=value.get("variable"),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reduction": self.function}
        if self.axis is not None:
            out["axis"] = self.axis
        if self.min_dim is not None:
            out["min_dim"] = self.min_dim
        out.update(operand_dict(self.x1, "x1"))
        for name, value in self.kwargs:
            out[name] = param_json(value)
        if self.variable is not None:
            out["variable"] = self.variable
        return out

    def operands(self) -> Iterator[tuple[str, Operand]]:
        return x1_and_kwargs(self.x1, self.kwargs)

    def apply(self, x: np.ndarray, run: Run, where: str) -> np.ndarray:
        x1 = np.asarray(x if self.x1 is None else run.operand(self.x1, x, f"{where}.x1"))
        if self.min_dim is not None and x1.ndim < self.min_dim:
            return x1
        spec = REDUCTIONS[self.function]
        kwargs = {k: run.value(v, x, f"{where}.{k}") for k, v in self.kwargs}
        if self.axis is not None and not -x1.ndim <= self.axis < x1.ndim:
            raise BadOperation(
                f"{where}: axis {self.axis} is out of range for {x1.ndim}D data of shape {x1.shape}"
            )
        run.check_call(spec, x1, kwargs, where, axis=self.axis, label=self.function)
        if self.axis is not None:
            return np.asarray(spec.func(x1, axis=self.axis, **kwargs))
        return np.asarray(spec.func(x1, **kwargs))


@dataclass(frozen=True)
class SelectValues(Step):
    """``{"reduction": "select_values", "selection": "a|b|c" or steps giving a mask}``."""

    name: ClassVar[str] = "select_values"
    selection: str | Operand = ":"
    _: KW_ONLY
    x1: Operand | None = None
    min_dim: int | None = None
    variable: str | None = None
    parsed: tuple[Selection, ...] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.selection, str):
            object.__setattr__(self, "parsed", parse_multiaxis(self.selection, param="selection"))
        elif not isinstance(self.selection, OPERAND_TYPES):
            parser = default_parser()
            object.__setattr__(self, "selection", parser.operand(self.selection, "selection"))
        if self.x1 is not None and not isinstance(self.x1, OPERAND_TYPES):
            object.__setattr__(self, "x1", default_parser().operand(self.x1, "x1"))
        check_variable(self.variable)

    @classmethod
    def parse(cls, value: Mapping[str, Any], where: str, parser: Parser) -> Step:
        extra = extra_keys(
            value, {"reduction", "selection", "x1", "min_dim", "variable", "axis"}, where
        )
        reject_extra(extra, "select_values", where)
        if value.get("axis") is not None:
            raise BadOperation(f"{where}: select_values takes no axis")
        raw = value.get("selection", ":")
        # Strings are always selection text here (OpenMSI reads them so), never variables.
        selection = raw if isinstance(raw, str) else parser.operand(raw, f"{where}.selection")
        x1 = parser.operand(value["x1"], f"{where}.x1") if "x1" in value else None
        return cls._build(
            where,
            selection=selection,
            x1=x1,
            min_dim=value.get("min_dim"),
            variable=value.get("variable"),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reduction": "select_values"}
        out["selection"] = (
            self.selection if isinstance(self.selection, str) else (self.selection.to_json())
        )
        out.update(operand_dict(self.x1, "x1"))
        if self.min_dim is not None:
            out["min_dim"] = self.min_dim
        if self.variable is not None:
            out["variable"] = self.variable
        return out

    def operands(self) -> Iterator[tuple[str, Operand]]:
        if self.x1 is not None:
            yield "x1", self.x1
        if not isinstance(self.selection, str):
            yield "selection", self.selection

    def apply(self, x: np.ndarray, run: Run, where: str) -> np.ndarray:
        x1 = np.asarray(x if self.x1 is None else run.operand(self.x1, x, f"{where}.x1"))
        if self.min_dim is not None and x1.ndim < self.min_dim:
            return x1
        if self.parsed is not None:
            limits = SelectionLimits(max_elements=run.limits.max_elements)
            plan = plan_selection(
                list(self.parsed),
                x1.shape,
                params=[f"{where}.selection"] * x1.ndim,
                limits=limits,
            )
            return read_selection(x1, plan)
        assert not isinstance(self.selection, str)
        key = np.asarray(run.operand(self.selection, x1, f"{where}.selection"))
        if key.dtype == bool:
            if key.shape != x1.shape:
                raise BadOperation(
                    f"{where}: selection mask has shape {key.shape}, data has {x1.shape}"
                )
            return np.asarray(x1[key])
        if np.issubdtype(key.dtype, np.integer) and key.ndim <= 1 and x1.ndim >= 1:
            if key.size and not (-len(x1) <= key.min() and key.max() < len(x1)):
                raise BadOperation(f"{where}: selection index out of range for length {len(x1)}")
            return np.asarray(x1[key])
        raise BadOperation(
            f"{where}: selection must give a boolean mask or integer indices, got {key.dtype}"
        )


REDUCTION_STEPS.update({"*": Reduction, "select_values": SelectValues})
