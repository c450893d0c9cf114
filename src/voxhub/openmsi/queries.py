"""The OpenMSI queries as computations on a ``Target``: qslice, qspectrum, qcube, qmz.

Selections are checked (``voxhub.arrays.selection``) before anything is
read, pipelines (``voxhub.arrays.operations``) before they run. Defaults
follow OpenMSI: qslice max-projects along m/z (for PNG the image is then
scaled to 0..1 — OpenMSI scales before projecting, which gives the same
image once the PNG is stretched to 8 bits); qcube reads ``:`` on every axis
not given; a second pixel (``row2``/``col2``) turns qspectrum into a
difference spectrum, or into whatever ``operationsMerge`` computes from
``spectrum1`` and ``spectrum2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dask.array as da
import numpy as np

from voxhub.arrays.errors import BadSelection
from voxhub.arrays.msi import PeakOptions, hilbert_layout, normalize_spectra, spectrum_peaks
from voxhub.arrays.operations import DEFAULT_LIMITS as OPERATION_LIMITS
from voxhub.arrays.operations import OperationLimits, Pipeline, parse_operations, run_isolated
from voxhub.arrays.selection import (
    DEFAULT_LIMITS,
    SelectionLimits,
    outer_view,
    plan_selection,
    read_selection,
)
from voxhub.openmsi.errors import BadParameter, MissingParameter
from voxhub.openmsi.targets import PIXEL_LABELS, Target

AXIS_PARAMS = ("row", "col", "mz")
LAYOUTS = ("default", "hilbert")


@dataclass(frozen=True)
class QueryLimits:
    selection: SelectionLimits = DEFAULT_LIMITS
    operations: OperationLimits = OPERATION_LIMITS


def _cube(target: Target, query: str) -> Any:
    if not target.is_cube:
        shape = tuple(target.array.shape)
        raise BadParameter(
            f"anaDataName: {query} reads cubes (row, col, mz); this output has shape {shape} "
            "— read it with qcube"
        )
    return target.array


def _reduction_steps(reduction: str | None, axis: int | None, default_axis: int) -> list[dict]:
    if reduction is None:
        if axis is not None:
            raise MissingParameter("reduction: axis was given without a reduction")
        return []
    step: dict[str, Any] = {"reduction": reduction, "axis": default_axis if axis is None else axis}
    return [step]


def pipeline_of(
    operations: str | None,
    default: list[dict[str, Any]],
    limits: QueryLimits,
    *,
    param: str = "operations",
    reduction: list[dict[str, Any]] | None = None,
) -> Pipeline:
    """``operations`` if given, else the ``reduction`` shorthand, else ``default``."""
    if operations is not None and operations.strip() and reduction:
        raise BadParameter("reduction: give either operations or reduction, not both")
    if operations is not None and operations.strip():
        return parse_operations(operations, param=param, limits=limits.operations)
    if reduction:
        return parse_operations(reduction, param="reduction", limits=limits.operations)
    return parse_operations(default, param=param, limits=limits.operations)


def read_for(
    array: Any,
    selections: Sequence[str | None],
    params: Sequence[str],
    pipeline: Pipeline,
    limits: QueryLimits,
) -> Any:
    """Plan and read a selection; lazily when it is too big to hold but the pipeline streams."""
    shape = tuple(array.shape)
    stream = pipeline.can_stream(shape)
    cap = limits.operations.max_streamed_elements if stream else limits.selection.max_elements
    plan = plan_selection(
        selections,
        shape,
        params=params,
        limits=SelectionLimits(max(cap, 1), limits.selection.max_list_length),
    )
    if plan.size <= limits.operations.max_input_elements:
        return read_selection(array, plan)
    if plan.points:
        raise BadSelection(
            f"{', '.join(params)}: a point selection of {plan.size} elements is more than "
            f"the limit of {limits.operations.max_input_elements}"
        )
    lazy = array.to_dask() if hasattr(array, "to_dask") else da.from_array(array)
    return outer_view(lazy, plan)


SLICE_DEFAULT: list[dict[str, Any]] = [{"reduction": "max", "axis": 2, "min_dim": 3}]
SLICE_PNG_DEFAULT: list[dict[str, Any]] = [*SLICE_DEFAULT, {"transformation": "minusMinDivideMax"}]


def qslice(
    target: Target,
    mz: str | None,
    operations: str | None,
    *,
    png: bool = False,
    reduction: str | None = None,
    axis: int | None = None,
    limits: QueryLimits = QueryLimits(),
) -> np.ndarray:
    """Image(s) at the m/z positions ``mz``, max-projected unless ``operations`` say otherwise."""
    if mz is None:
        raise MissingParameter("mz: qslice needs the m/z selection (e.g. mz=100 or mz=100:125)")
    cube = _cube(target, "qslice")
    pipeline = pipeline_of(
        operations,
        SLICE_PNG_DEFAULT if png else SLICE_DEFAULT,
        limits,
        reduction=_reduction_steps(reduction, axis, 2),
    )
    data = read_for(cube, (None, None, mz), AXIS_PARAMS, pipeline, limits)
    return run_isolated(pipeline, data, limits=limits.operations)


def _spectra(
    cube: Any,
    row: str | None,
    col: str | None,
    names: tuple[str, str],
    ops: Pipeline,
    limits: QueryLimits,
) -> np.ndarray:
    for value, name in zip((row, col), names, strict=True):
        if value is None:
            raise MissingParameter(f"{name}: qspectrum needs {names[0]} and {names[1]}")
    data = read_for(cube, (row, col, None), (*names, "mz"), ops, limits)
    return run_isolated(ops, data, limits=limits.operations)


def qspectrum(
    target: Target,
    row: str | None,
    col: str | None,
    *,
    operations: str | None = None,
    operations1: str | None = None,
    row2: str | None = None,
    col2: str | None = None,
    operations2: str | None = None,
    operations_merge: str | None = None,
    png: bool = False,
    reduction: str | None = None,
    limits: QueryLimits = QueryLimits(),
) -> np.ndarray:
    """The spectra at (``row``, ``col``), or their difference from those at (``row2``, ``col2``)."""
    cube = _cube(target, "qspectrum")
    first = pipeline_of(operations1, [], limits, param="operations1")
    data = _spectra(cube, row, col, ("row", "col"), first, limits)
    if row2 is not None or col2 is not None:
        second = pipeline_of(operations2, [], limits, param="operations2")
        other = _spectra(cube, row2, col2, ("row2", "col2"), second, limits)
        data = merge_spectra(data, other, operations_merge, limits)
    elif operations_merge is not None:
        raise MissingParameter("row2: operationsMerge needs a second selection (row2, col2)")
    leading = data.ndim - 1
    default: list[dict[str, Any]] = []
    if png and leading > 0:  # a plot shows one spectrum: the maximum of those selected
        default = [{"reduction": "max", "axis": 0}] * leading
    shorthand = [{"reduction": reduction, "axis": 0}] * leading if reduction else []
    final = pipeline_of(operations, default, limits, reduction=shorthand)
    return run_isolated(final, data, limits=limits.operations)


def merge_spectra(
    first: np.ndarray, second: np.ndarray, operations_merge: str | None, limits: QueryLimits
) -> np.ndarray:
    """``first - second`` by default, else ``operationsMerge`` on ``spectrum1``/``spectrum2``."""
    if operations_merge is None or not operations_merge.strip():
        if first.shape != second.shape:
            raise BadParameter(
                f"row2, col2: select spectra of the same shape as row, col "
                f"({second.shape} vs {first.shape})"
            )
        return first.astype(np.float64) - second.astype(np.float64)
    merge = parse_operations(
        operations_merge,
        param="operationsMerge",
        limits=limits.operations,
        inputs=("spectrum1", "spectrum2"),
    )
    variables = {"spectrum1": first, "spectrum2": second}
    return run_isolated(merge, first, limits=limits.operations, variables=variables)


def qcube(
    target: Target,
    row: str | None,
    col: str | None,
    mz: str | None,
    operations: str | None,
    *,
    reduction: str | None = None,
    axis: int | None = None,
    limits: QueryLimits = QueryLimits(),
) -> np.ndarray:
    """Any sub-cube (``:`` on every axis not given), then ``operations``."""
    shape = tuple(target.array.shape)
    given = (row, col, mz)
    for value, name in zip(given[len(shape) :], AXIS_PARAMS[len(shape) :], strict=False):
        if value is not None:
            raise BadParameter(f"{name}: the data has {len(shape)} axes, so {name} cannot be used")
    pipeline = pipeline_of(
        operations, [], limits, reduction=_reduction_steps(reduction, axis, len(shape) - 1)
    )
    data = read_for(target.array, given[: len(shape)], AXIS_PARAMS[: len(shape)], pipeline, limits)
    return run_isolated(pipeline, data, limits=limits.operations)


def qmz(target: Target, layout: str = "default") -> dict[str, Any]:
    """The axes: m/z (or z, or an analysis axis) for spectra, pixel indices for x and y."""
    check_layout(layout)
    shape = tuple(target.array.shape)
    if target.is_cube and target.axis is not None:
        values = np.asarray(target.axis, dtype=np.float64)
        label = target.axis_label
    else:
        values = np.arange(shape[-1], dtype=np.float64)
        label = "index"
    if layout == "hilbert":
        values = hilbert_layout(values, fill=np.nan)
    out: dict[str, Any] = {"values_spectra": values, "label_spectra": label}
    for i, name in enumerate(("x", "y")[: max(0, len(shape) - 1)]):
        out[f"label_{name}"] = PIXEL_LABELS[i]
        out[f"values_{name}"] = np.arange(shape[i])
    return out


def check_layout(layout: str) -> str:
    if layout not in LAYOUTS:
        raise BadParameter(f"layout: expected one of {', '.join(LAYOUTS)}, got {layout!r}")
    return layout


def finish_spectrum(
    data: np.ndarray,
    axis: np.ndarray | None,
    *,
    normalize: str | None = None,
    find_peaks: bool = False,
    layout: str = "default",
) -> dict[str, Any]:
    """qspectrum's result: ``spectrum`` (normalised, laid out) and ``peak_mz``/``peak_value``."""
    check_layout(layout)
    values = np.asarray(data)
    if normalize is not None:
        values = normalize_spectra(values, normalize)
    out: dict[str, Any] = {}
    if find_peaks:
        if values.ndim == 0:
            raise BadParameter("findPeaks: the result is a single value, not a spectrum")
        flat = values.reshape(-1, values.shape[-1]).astype(np.float64)
        use_axis = axis if axis is not None and len(axis) == flat.shape[1] else None
        found = [spectrum_peaks(s, use_axis, peak_options(s)) for s in flat]
        mz = [p.mz.tolist() for p in found]
        height = [p.values.tolist() for p in found]
        single = values.ndim == 1
        out["peak_mz"] = mz[0] if single else mz
        out["peak_value"] = height[0] if single else height
    if layout == "hilbert":
        if values.ndim == 0:
            raise BadParameter("layout: a single value cannot be laid out")
        values = hilbert_layout(values, fill=0)
    return {"spectrum": values, **out}


# A peak must stand out (prominence) by this many noise standard deviations. Pure
# Gaussian noise over 10^5 points has extremes near ±4.4 sigma, so a noise maximum
# rarely stands 8.8 sigma above its neighbouring minima; real ions at 10 sigma pass.
NOISE_SIGMAS = 9.0
# Floor for noise-free spectra: rounding wiggles in the tails of a peak are no peaks.
MIN_PROMINENCE = 1e-3


def noise_sigma(spectrum: np.ndarray) -> float:
    """The noise of a spectrum: the MAD of its first differences, as a standard deviation.

    Differences cancel a slowly varying baseline; peaks are few, so the median
    ignores them. For white noise of deviation s, differences have deviation
    s·√2, and 1.4826 · MAD estimates a normal deviation.
    """
    finite = spectrum[np.isfinite(spectrum)]
    if finite.size < 3:
        return 0.0
    steps = np.diff(finite)
    return float(1.4826 * np.median(np.abs(steps - np.median(steps))) / np.sqrt(2.0))


def peak_options(spectrum: np.ndarray) -> PeakOptions:
    """findPeaks' defaults from the data: peaks standing out of the noise (MAD estimate)."""
    finite = spectrum[np.isfinite(spectrum)]
    span = float(finite.max() - finite.min()) if finite.size else 0.0
    if span <= 0:
        return PeakOptions(prominence=None)
    return PeakOptions(prominence=max(NOISE_SIGMAS * noise_sigma(spectrum), MIN_PROMINENCE * span))


NORMALIZE_FLAGS = {"0": "none", "1": "max"}


def parse_normalize(value: str | None) -> str | None:
    """``normalize``: max, tic or none, or OpenMSI's flag (1 = to the maximum, 0 = not)."""
    if value is None:
        return None
    text = value.strip()
    return NORMALIZE_FLAGS.get(text, text.lower())


def parse_flag(value: str | None, param: str) -> bool:
    """OpenMSI's integer flags (``findPeaks=1``); also true/false."""
    if value is None:
        return False
    text = value.strip().lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no", ""):
        return False
    try:
        return int(text) > 0
    except ValueError:
        raise BadParameter(f"{param}: expected 0 or 1, got {value!r}") from None


__all__ = [
    "QueryLimits",
    "finish_spectrum",
    "merge_spectra",
    "noise_sigma",
    "parse_flag",
    "parse_normalize",
    "pipeline_of",
    "qcube",
    "qmz",
    "qslice",
    "qspectrum",
    "read_for",
]
