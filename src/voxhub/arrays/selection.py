"""OpenMSI selection grammar: parsed, validated, then read; never evaluated.

One axis takes ``a``, ``a:b``, ``a:b:c`` (any part may be empty, so ``:`` is
everything), or ``[a,b,c]``; every number may be negative and counts from the
end as in numpy. ``parse_selection`` turns text into an ``Index``, ``Range`` or
``IndexList``; ``plan_selection`` checks selections for all axes of an array
against its shape and the ``SelectionLimits``; ``read_selection`` reads the
plan from a numpy, zarr or dask array (or anything with basic slicing).

How selections combine (OpenMSI semantics):

* an ``Index`` drops its axis; ``Range`` and ``IndexList`` axes combine
  all-to-all (outer product), keeping the axis order;
* two or more ``IndexList`` axes are matched pair-wise (equal lengths
  required) and select points; the points form one output axis, placed where
  the first list's axis was.

List indices may be unsorted and repeated: the reader fetches sorted unique
indices and re-orders afterwards. Ranges must lie within the axis (a stop equal
to the length is fine); a selection that is out of range, empty, malformed or
larger than the limits raises ``BadSelection`` naming the parameter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voxhub.arrays.errors import BadSelection

# Longer numbers cannot index any array and only cost time to convert.
_MAX_DIGITS = 18
_INT = rf"-?\d{{1,{_MAX_DIGITS}}}"
_INDEX_RE = re.compile(rf"^{_INT}$")
_RANGE_RE = re.compile(rf"^({_INT})?:({_INT})?(?::({_INT})?)?$")
_LIST_RE = re.compile(rf"^\[\s*{_INT}\s*(?:,\s*{_INT}\s*)*\]$")
_MAX_TEXT = 1_000_000


@dataclass(frozen=True)
class Index:
    """A single position; its axis is dropped from the result."""

    value: int

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Range:
    """``start:stop:step`` with numpy meaning; ``None`` parts take the defaults."""

    start: int | None = None
    stop: int | None = None
    step: int | None = None

    def __post_init__(self) -> None:
        if self.step == 0:
            raise BadSelection("range step must not be zero")

    def __str__(self) -> str:
        parts = ["" if p is None else str(p) for p in (self.start, self.stop)]
        text = ":".join(parts)
        return text if self.step is None else f"{text}:{self.step}"


@dataclass(frozen=True)
class IndexList:
    """``[a,b,c]``: positions in any order, repeats allowed."""

    values: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise BadSelection("index list must not be empty")

    def __str__(self) -> str:
        return "[" + ",".join(str(v) for v in self.values) + "]"


Selection = Index | Range | IndexList
ALL = Range()


@dataclass(frozen=True)
class SelectionLimits:
    """Caps on what one request may select."""

    max_elements: int = 64 * 1024 * 1024
    max_list_length: int = 100_000


DEFAULT_LIMITS = SelectionLimits()


def parse_selection(text: str | int | Selection, *, param: str = "selection") -> Selection:
    """Parse one axis selection; ``param`` names the query parameter in errors."""
    if isinstance(text, Index | Range | IndexList):
        return text
    if isinstance(text, bool):
        raise BadSelection(f"{param}: expected a selection, got a boolean")
    if isinstance(text, int):
        return Index(text)
    if not isinstance(text, str):
        raise BadSelection(f"{param}: expected a selection string, got {type(text).__name__}")
    if len(text) > _MAX_TEXT:
        raise BadSelection(f"{param}: selection text is longer than {_MAX_TEXT} characters")
    body = text.strip()
    if _INDEX_RE.match(body):
        return Index(int(body))
    match = _RANGE_RE.match(body)
    if match:
        start, stop, step = (None if g is None else int(g) for g in match.groups())
        if step == 0:
            raise BadSelection(f"{param}: range step must not be zero in {body!r}")
        return Range(start, stop, step)
    if _LIST_RE.match(body):
        return IndexList(tuple(int(v) for v in body[1:-1].split(",")))
    if body == "[]":
        raise BadSelection(f"{param}: index list must not be empty")
    shown = body if len(body) <= 40 else body[:40] + "..."
    raise BadSelection(
        f"{param}: malformed selection {shown!r} (expected a, a:b, a:b:c, : or [a,b,c])"
    )


def parse_multiaxis(text: str, *, param: str = "selection") -> tuple[Selection, ...]:
    """Parse ``a|b|c``: one selection per axis, as OpenMSI's ``select_values`` takes."""
    if not isinstance(text, str):
        raise BadSelection(f"{param}: expected a selection string, got {type(text).__name__}")
    return tuple(
        parse_selection(part, param=f"{param} (axis {i})") for i, part in enumerate(text.split("|"))
    )


@dataclass(frozen=True)
class AxisPlan:
    """One axis of a checked selection.

    ``key`` is what the reader asks the array for: an ``int``, an ascending
    ``slice`` or a sorted unique index array. ``order`` (for lists) maps the
    read positions back to the requested order; ``reverse`` marks a range with
    a negative step, read ascending and flipped afterwards.
    """

    param: str
    kind: str  # "index" | "range" | "list"
    key: int | slice | np.ndarray
    count: int
    order: np.ndarray | None = None
    reverse: bool = False

    def indices(self) -> np.ndarray:
        """The selected positions on this axis, in output order."""
        if isinstance(self.key, int):
            return np.array([self.key], dtype=np.int64)
        if isinstance(self.key, slice):
            positions = np.arange(self.key.start, self.key.stop, self.key.step, dtype=np.int64)
            return positions[::-1] if self.reverse else positions
        assert self.order is not None
        return np.asarray(self.key[self.order])


@dataclass(frozen=True)
class SelectionPlan:
    """Selections for every axis of an array, checked against its shape and limits."""

    axes: tuple[AxisPlan, ...]
    points: bool
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def _check_position(value: int, length: int, param: str) -> int:
    if not -length <= value < length:
        raise BadSelection(f"{param}: index {value} is out of range for an axis of length {length}")
    return value + length if value < 0 else value


def _plan_axis(sel: Selection, length: int, param: str, limits: SelectionLimits) -> AxisPlan:
    if isinstance(sel, Index):
        return AxisPlan(param, "index", _check_position(sel.value, length, param), 1)
    if isinstance(sel, IndexList):
        if len(sel.values) > limits.max_list_length:
            raise BadSelection(
                f"{param}: index list has {len(sel.values)} entries, "
                f"more than the limit of {limits.max_list_length}"
            )
        values = np.array([_check_position(v, length, param) for v in sel.values], dtype=np.int64)
        unique, order = np.unique(values, return_inverse=True)
        return AxisPlan(param, "list", unique, len(values), order=order.reshape(-1))
    for bound in (sel.start, sel.stop):
        if bound is not None and not -length <= bound <= length:
            raise BadSelection(f"{param}: range {sel} reaches beyond an axis of length {length}")
    start, stop, step = slice(sel.start, sel.stop, sel.step).indices(length)
    positions = range(start, stop, step)
    if len(positions) == 0:
        raise BadSelection(f"{param}: range {sel} selects nothing on an axis of length {length}")
    if step > 0:
        key = slice(positions[0], positions[-1] + 1, step)
        return AxisPlan(param, "range", key, len(positions))
    key = slice(positions[-1], positions[0] + 1, -step)
    return AxisPlan(param, "range", key, len(positions), reverse=True)


def plan_selection(
    selections: Sequence[str | int | Selection | None],
    shape: Sequence[int],
    *,
    params: Sequence[str] | None = None,
    limits: SelectionLimits = DEFAULT_LIMITS,
) -> SelectionPlan:
    """Check one selection per leading axis (``None`` or missing means ``:``)."""
    shape = tuple(int(n) for n in shape)
    if params is None:
        params = [f"axis {i}" for i in range(len(shape))]
    if len(selections) > len(shape):
        raise BadSelection(
            f"{', '.join(params[: len(selections)])}: {len(selections)} selections "
            f"for an array with {len(shape)} axes"
        )
    axes = []
    for i, length in enumerate(shape):
        raw = selections[i] if i < len(selections) else None
        param = params[i] if i < len(params) else f"axis {i}"
        sel = ALL if raw is None else parse_selection(raw, param=param)
        axes.append(_plan_axis(sel, length, param, limits))
    lists = [a for a in axes if a.kind == "list"]
    points = len(lists) >= 2
    if points and len({a.count for a in lists}) > 1:
        described = ", ".join(f"{a.param} has {a.count}" for a in lists)
        raise BadSelection(f"index lists select points and must have equal lengths: {described}")
    out_shape: list[int] = []
    for axis in axes:
        if axis.kind == "range" or (axis.kind == "list" and not points):
            out_shape.append(axis.count)
        elif axis is (lists[0] if points else None):
            out_shape.append(axis.count)
    plan = SelectionPlan(tuple(axes), points, tuple(out_shape))
    if plan.size > limits.max_elements:
        names = ", ".join(a.param for a in axes)
        raise BadSelection(
            f"{names}: selection has {plan.size} elements, more than the limit of "
            f"{limits.max_elements}"
        )
    return plan


def _is_zarr(array: Any) -> bool:
    return hasattr(array, "oindex") and hasattr(array, "vindex") and hasattr(array, "chunks")


def _is_dask(array: Any) -> bool:
    return type(array).__module__.startswith("dask.")


def _finish_outer(block: np.ndarray, plan: SelectionPlan) -> np.ndarray:
    """Re-order list axes and flip reversed ranges of an outer read."""
    out_axis = 0
    for axis in plan.axes:
        if axis.kind == "index":
            continue
        if axis.kind == "list" and axis.order is not None:
            block = np.take(block, axis.order, axis=out_axis)
        elif axis.reverse:
            block = np.flip(block, axis=out_axis)
        out_axis += 1
    return block


def _read_outer_generic(array: Any, plan: SelectionPlan) -> np.ndarray:
    """Outer read through basic slicing only (h5py, custom readers).

    A list axis is read one run of neighbouring indices at a time so that a
    sparse list never pulls the whole span between its ends.
    """
    basic: list[int | slice] = []
    list_axis = None
    for i, axis in enumerate(plan.axes):
        if axis.kind == "list":
            list_axis = i
            basic.append(slice(None))
        else:
            basic.append(axis.key)  # type: ignore[arg-type]
    if list_axis is None:
        return np.asarray(array[tuple(basic)])
    wanted = plan.axes[list_axis].key
    assert isinstance(wanted, np.ndarray)
    out_pos = sum(1 for a in plan.axes[:list_axis] if a.kind != "index")
    pieces = []
    # Split where neighbours are far apart: reading a gap of up to the run
    # length costs at most twice what is needed.
    gaps = np.flatnonzero(np.diff(wanted) > 64)
    for run in np.split(wanted, gaps + 1):
        key = list(basic)
        key[list_axis] = slice(int(run[0]), int(run[-1]) + 1)
        block = np.asarray(array[tuple(key)])
        pieces.append(np.take(block, run - run[0], axis=out_pos))
    return np.concatenate(pieces, axis=out_pos)


def _point_coordinates(plan: SelectionPlan) -> tuple[np.ndarray, ...]:
    """Broadcast coordinates for a points read, laid out in the output shape."""
    ndim_out = len(plan.shape)
    coords = []
    out_axis = 0
    first_list_pos = None
    for axis in plan.axes:
        if axis.kind == "index":
            coords.append(np.asarray(axis.key))
            continue
        if axis.kind == "list":
            if first_list_pos is None:
                first_list_pos = out_axis
                out_axis += 1
            pos = first_list_pos
        else:
            pos = out_axis
            out_axis += 1
        shape = [1] * ndim_out
        shape[pos] = axis.count
        coords.append(axis.indices().reshape(shape))
    return tuple(np.broadcast_arrays(*coords))


def _read_points_generic(array: Any, plan: SelectionPlan) -> np.ndarray:
    """Points through basic slicing: one read per point, ranges read whole."""
    lists = [a for a in plan.axes if a.kind == "list"]
    point_pos = 0
    for axis in plan.axes:
        if axis is lists[0]:
            break
        point_pos += axis.kind == "range"
    per_list = [a.indices() for a in lists]
    rows = []
    for p in range(lists[0].count):
        key: list[int | slice] = []
        values = iter(int(v[p]) for v in per_list)
        for axis in plan.axes:
            key.append(next(values) if axis.kind == "list" else axis.key)  # type: ignore[arg-type]
        block = np.asarray(array[tuple(key)])
        ranges = [a for a in plan.axes if a.kind == "range"]
        for pos, axis in enumerate(ranges):
            if axis.reverse:
                block = np.flip(block, axis=pos)
        rows.append(block)
    return np.stack(rows, axis=point_pos)


def read_selection(array: Any, plan: SelectionPlan) -> np.ndarray:
    """Read a checked selection from a numpy, zarr, dask or basic-sliceable array."""
    if plan.points:
        coords = _point_coordinates(plan)
        if isinstance(array, np.ndarray):
            return np.asarray(array[coords])
        if _is_zarr(array) or _is_dask(array):
            result = array.vindex[coords]
            return np.asarray(result.compute() if _is_dask(result) else result)
        return _read_points_generic(array, plan)
    if isinstance(array, np.ndarray):
        return np.asarray(outer_view(array, plan))
    if _is_zarr(array):
        key = tuple(a.key for a in plan.axes)
        return _finish_outer(np.asarray(array.oindex[key]), plan)
    if _is_dask(array):
        return np.asarray(outer_view(array, plan).compute())
    return _finish_outer(_read_outer_generic(array, plan), plan)


def outer_view(array: Any, plan: SelectionPlan) -> Any:
    """An outer (not points) selection of a numpy or dask array, without computing dask.

    A large selection can then be reduced block by block (qslice's max projection).
    """
    if plan.points:
        raise ValueError("outer_view reads outer selections; points need read_selection")
    block = array
    for i in reversed(range(len(plan.axes))):
        index: list[Any] = [slice(None)] * i + [plan.axes[i].key]
        block = block[tuple(index)]
    return _finish_outer(block, plan)  # np.take/np.flip dispatch to dask for dask arrays


def select(
    array: Any,
    selections: Sequence[str | int | Selection | None],
    *,
    params: Sequence[str] | None = None,
    limits: SelectionLimits = DEFAULT_LIMITS,
) -> np.ndarray:
    """Parse, check and read ``selections`` (one per leading axis) from ``array``."""
    plan = plan_selection(selections, array.shape, params=params, limits=limits)
    return read_selection(array, plan)


__all__ = [
    "ALL",
    "DEFAULT_LIMITS",
    "AxisPlan",
    "Index",
    "IndexList",
    "Range",
    "Selection",
    "SelectionLimits",
    "SelectionPlan",
    "parse_multiaxis",
    "outer_view",
    "parse_selection",
    "plan_selection",
    "read_selection",
    "select",
]
