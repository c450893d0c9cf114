"""The allow-list: every numpy function an OpenMSI pipeline may call, with its parameters.

Three tables follow OpenMSI's documented lists: ``REDUCTIONS`` (may change the
shape), ``SINGLE`` (one operand, shape kept) and ``DUAL`` (two operands). A name
missing here cannot be called; a keyword missing from a function's ``params``
cannot be passed. Every integer parameter has a bound: ``limit`` derives it
from the shape of the data the step receives (``diff``'s ``n`` is at most the
axis length), the others are capped by ``STATIC_INT_BOUND`` when the pipeline
is parsed. Functions whose output (or a temporary inside them) can be larger
than their input declare ``out_size`` so the pipeline refuses them before
allocating; element-wise functions are checked for broadcasting by the runner.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Shape of the data a step receives, and the axis it was given (or None).
Bound = Callable[[tuple[int, ...], int | None], int]
# Largest absolute value of an integer parameter without a shape-derived bound
# (numpy arrays have at most 64 axes; 64 decimals are beyond float64's range).
STATIC_INT_BOUND = 64


@dataclass(frozen=True)
class Param:
    """One keyword a function accepts.

    kinds: ``int``, ``number``, ``bool``, ``ints`` (list of int), ``q`` (a
    percentile or list of them), ``choice`` (one of ``choices``), ``operand``
    (an array: constant, ``"data"``, a variable or nested steps) and
    ``bound`` (a number or an operand).
    """

    kind: str
    required: bool = False
    minimum: int | None = None
    choices: tuple[str, ...] = ()
    # For ``int``: the largest allowed absolute value, from the input's shape,
    # and what that bound is called in messages. None: ``STATIC_INT_BOUND``.
    limit: Bound | None = None
    limit_text: str = ""


@dataclass(frozen=True)
class FunctionSpec:
    func: Callable[..., Any]
    params: Mapping[str, Param] = field(default_factory=dict)
    takes_axis: bool = False
    out_size: Callable[[np.ndarray, Mapping[str, Any]], int] | None = None


def _axis_length(shape: tuple[int, ...], axis: int | None) -> int:
    """The length along ``axis`` (numpy's default: the last axis); 0 for a scalar."""
    if not shape:
        return 0
    index = -1 if axis is None else axis
    return shape[index] if -len(shape) <= index < len(shape) else 0


def _size(shape: tuple[int, ...], axis: int | None) -> int:
    return math.prod(shape)


def _longest(shape: tuple[int, ...], axis: int | None) -> int:
    return max(shape, default=0)


def _unbounded(shape: tuple[int, ...], axis: int | None) -> int:
    return 2**62


def _argwhere_size(x: np.ndarray, kwargs: Mapping[str, Any]) -> int:
    return int(np.count_nonzero(x)) * max(x.ndim, 1)


def _percentile_size(x: np.ndarray, kwargs: Mapping[str, Any]) -> int:
    q = kwargs.get("q", 0)
    count = len(q) if isinstance(q, tuple | list) else 1
    axis = kwargs.get("axis")
    kept = x.size if axis is None or x.ndim == 0 else x.size // max(x.shape[axis], 1)
    return count * max(kept, 1)


def _area_size(x: np.ndarray, kwargs: Mapping[str, Any]) -> int:
    # One spectrum-sized temporary per offset, never all offsets at once.
    return 2 * x.size


def check_int_params(
    spec: FunctionSpec, shape: tuple[int, ...], axis: int | None, kwargs: Mapping[str, Any]
) -> str | None:
    """What is wrong with ``kwargs`` for data of ``shape`` (None: nothing)."""
    for name, param in spec.params.items():
        value = kwargs.get(name)
        if param.kind != "int" or param.limit is None or not isinstance(value, int):
            continue
        bound = param.limit(shape, axis)
        if abs(value) > bound:
            what = param.limit_text or "the data's length there"
            return f"{name}={value} is more than {bound} ({what}, shape {shape})"
    return None


def _square_of_rows(x: np.ndarray, kwargs: Mapping[str, Any]) -> int:
    rows = 1 if x.ndim < 2 else x.shape[0 if kwargs.get("rowvar", True) else 1]
    return rows * rows


def _diag_size(x: np.ndarray, kwargs: Mapping[str, Any]) -> int:
    side = x.size + abs(int(kwargs.get("k", 0)))
    return side * side if x.ndim == 1 else min(x.shape[:2])


def _diagflat_size(x: np.ndarray, kwargs: Mapping[str, Any]) -> int:
    side = x.size + abs(int(kwargs.get("k", 0)))
    return side * side


def _bincount_size(x: np.ndarray, kwargs: Mapping[str, Any]) -> int:
    top = int(x.max()) + 1 if x.size and np.issubdtype(x.dtype, np.integer) else 0
    return max(top, int(kwargs.get("minlength", 0)))


def _bincount(x: np.ndarray, **kwargs: Any) -> np.ndarray:
    return np.bincount(np.ravel(x), **kwargs)


def _diag_indices(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.diag_indices_from(x))


def area_near_peak(x: np.ndarray, halfpeakwidth: int = 2) -> np.ndarray:
    """Per spectrum (last axis): sum of the values within ``halfpeakwidth`` of the maximum.

    The window is summed one offset at a time, so memory stays one image however
    wide it is (offsets past the ends of the axis add nothing).
    """
    if x.ndim == 2:
        return x
    if x.ndim != 3:
        raise ValueError("area_near_peak needs a 2D image or a 3D cube of spectra")
    length = x.shape[-1]
    peak = np.argmax(x, axis=-1)[..., None]
    total = np.zeros(peak.shape, dtype=np.result_type(x.dtype, np.int64))
    for offset in range(max(-halfpeakwidth, -length), min(halfpeakwidth, length) + 1):
        position = peak + offset
        inside = (position >= 0) & (position < length)
        values = np.take_along_axis(x, np.clip(position, 0, length - 1), axis=-1)
        total += np.where(inside, values, 0).astype(total.dtype, copy=False)
    return total[..., 0].astype(x.dtype, copy=False)


def signed(func: Callable[[np.ndarray], np.ndarray]) -> Callable[..., np.ndarray]:
    """Apply ``func`` to positive values and ``-func(-v)`` to negative ones; 0 stays 0.

    OpenMSI's rule for log, log2, log10 and sqrt, so that data with zeros or
    negative values can still be put on a log or root scale.
    """

    def apply(x: np.ndarray) -> np.ndarray:
        if x.size and np.min(x) > 0:
            return func(x)
        out = np.zeros(x.shape, dtype=np.result_type(x.dtype, np.float64))
        positive, negative = x > 0, x < 0
        out[positive] = func(x[positive])
        out[negative] = -func(-x[negative])
        return out

    return apply


def _and_not(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    # OpenMSI lists bitwise_not among the two-operand functions; with two
    # operands the meaningful reading is "x1 AND NOT x2".
    result: np.ndarray = np.bitwise_and(x1, np.invert(x2))
    return result


def _hypot(x1: np.ndarray, x2: Any = 0) -> np.ndarray:
    return np.asarray(np.hypot(x1, x2))


_SORT_KINDS = ("quicksort", "mergesort", "heapsort", "stable")
_PERCENTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _red(
    func: Callable[..., Any],
    axis: bool = True,
    out_size: Callable[[np.ndarray, Mapping[str, Any]], int] | None = None,
    **params: Param,
) -> FunctionSpec:
    return FunctionSpec(func, params, takes_axis=axis, out_size=out_size)


def _plain(functions: Mapping[str, Callable[..., Any]]) -> dict[str, FunctionSpec]:
    """Functions taking only their operands."""
    return {name: FunctionSpec(func) for name, func in functions.items()}


REDUCTIONS: dict[str, FunctionSpec] = {
    "all": _red(np.all),
    "alltrue": _red(np.all),
    "any": _red(np.any),
    "amax": _red(np.max),
    "amin": _red(np.min),
    "max": _red(np.max),
    "min": _red(np.min),
    "angle": _red(np.angle, axis=False, deg=Param("bool")),
    "append": _red(np.append, values=Param("operand", required=True)),
    "argmax": _red(np.argmax),
    "argmin": _red(np.argmin),
    "argwhere": _red(np.argwhere, axis=False, out_size=_argwhere_size),
    "average": _red(np.average, weights=Param("operand")),
    "bincount": _red(
        _bincount,
        axis=False,
        out_size=_bincount_size,
        weights=Param("operand"),
        # Any length up to the element cap, which out_size enforces.
        minlength=Param("int", minimum=0, limit=_unbounded, limit_text="the element cap"),
    ),
    "corrcoef": _red(np.corrcoef, axis=False, out_size=_square_of_rows, rowvar=Param("bool")),
    "count_nonzero": _red(np.count_nonzero),
    "cumprod": _red(np.cumprod),
    "cumproduct": _red(np.cumprod),
    "cumsum": _red(np.cumsum),
    "diag": _red(np.diag, axis=False, out_size=_diag_size, k=Param("int", limit=_size)),
    "diag_indices": _red(_diag_indices, axis=False),
    "diagflat": _red(np.diagflat, axis=False, out_size=_diagflat_size, k=Param("int", limit=_size)),
    "diagonal": _red(
        np.diagonal,
        axis=False,
        offset=Param("int", limit=_longest, limit_text="the longest axis"),
        axis1=Param("int"),
        axis2=Param("int"),
    ),
    "diff": _red(np.diff, n=Param("int", minimum=0, limit=_axis_length)),
    "median": _red(np.median),
    "mean": _red(np.mean),
    "percentile": _red(
        np.percentile,
        out_size=_percentile_size,
        q=Param("q", required=True),
        method=Param("choice", choices=_PERCENTILE_METHODS),
    ),
    "product": _red(np.prod),
    "prod": _red(np.prod),
    "ptp": _red(np.ptp),
    "squeeze": _red(np.squeeze),
    "std": _red(np.std, ddof=Param("int", minimum=0, limit=_size)),
    "var": _red(np.var, ddof=Param("int", minimum=0, limit=_size)),
    "transpose": _red(np.transpose, axis=False, axes=Param("ints")),
    "swapaxes": _red(
        np.swapaxes,
        axis=False,
        axis1=Param("int", required=True),
        axis2=Param("int", required=True),
    ),
    "sum": _red(np.sum),
    "area_near_peak": _red(
        area_near_peak,
        axis=False,
        out_size=_area_size,
        halfpeakwidth=Param("int", minimum=0, limit=_axis_length, limit_text="the m/z length"),
    ),
}

_SORT_PARAMS = {"axis": Param("int"), "kind": Param("choice", choices=_SORT_KINDS)}

SINGLE: dict[str, FunctionSpec] = _plain(
    {
        "abs": np.abs,
        "arccos": np.arccos,
        "arccosh": np.arccosh,
        "arcsin": np.arcsin,
        "arcsinh": np.arcsinh,
        "arctan": np.arctan,
        "arctanh": np.arctanh,
        "ceil": np.ceil,
        "cos": np.cos,
        "cosh": np.cosh,
        "deg2rad": np.deg2rad,
        "degrees": np.degrees,
        "exp": np.exp,
        "exp2": np.exp2,
        "fabs": np.fabs,
        "floor": np.floor,
        "invert": np.invert,
        "log": signed(np.log),
        "log2": signed(np.log2),
        "log10": signed(np.log10),
        "logical_not": np.logical_not,
        "negative": np.negative,
        "sign": np.sign,
        "sin": np.sin,
        "sinc": np.sinc,
        "sinh": np.sinh,
        "sqrt": signed(np.sqrt),
        "tan": np.tan,
        "tanh": np.tanh,
    }
)
SINGLE.update(
    {
        "argsort": FunctionSpec(np.argsort, _SORT_PARAMS),
        "sort": FunctionSpec(np.sort, _SORT_PARAMS),
        "around": FunctionSpec(np.around, {"decimals": Param("int")}),
        "round": FunctionSpec(np.round, {"decimals": Param("int")}),
        "clip": FunctionSpec(np.clip, {"a_min": Param("bound"), "a_max": Param("bound")}),
        "hypot": FunctionSpec(_hypot, {"x2": Param("operand")}),
        "swapaxes": FunctionSpec(
            np.swapaxes,
            {"axis1": Param("int", required=True), "axis2": Param("int", required=True)},
        ),
    }
)


def _cov_size(x1: np.ndarray, kwargs: Mapping[str, Any]) -> int:
    rows = _square_of_rows(x1, kwargs) ** 0.5
    return int(4 * rows * rows)


DUAL: dict[str, FunctionSpec] = _plain(
    {
        "add": np.add,
        "arctan2": np.arctan2,
        "bitwise_and": np.bitwise_and,
        "bitwise_not": _and_not,
        "bitwise_or": np.bitwise_or,
        "bitwise_xor": np.bitwise_xor,
        "divide": np.divide,
        "equal": np.equal,
        "fmax": np.fmax,
        "fmin": np.fmin,
        "fmod": np.fmod,
        "greater": np.greater,
        "greater_equal": np.greater_equal,
        "left_shift": np.left_shift,
        "less": np.less,
        "less_equal": np.less_equal,
        "logical_and": np.logical_and,
        "logical_or": np.logical_or,
        "logical_xor": np.logical_xor,
        "mod": np.mod,
        "multiply": np.multiply,
        "not_equal": np.not_equal,
        "power": np.power,
        "right_shift": np.right_shift,
        "subtract": np.subtract,
    }
)
DUAL.update(
    {
        "corrcoef": FunctionSpec(np.corrcoef, {"rowvar": Param("bool")}, out_size=_cov_size),
        "cov": FunctionSpec(
            np.cov,
            {
                "rowvar": Param("bool"),
                "bias": Param("bool"),
                "ddof": Param("int", minimum=0, limit=_size),
            },
            out_size=_cov_size,
        ),
    }
)

# Names numpy accepts for ``astype``; object, string and datetime types are
# deliberately absent.
DTYPES: dict[str, np.dtype] = {
    name: np.dtype(name)
    for name in (
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    )
}
DTYPES.update(
    {
        "int": np.dtype("int64"),
        "uint": np.dtype("uint64"),
        "float": np.dtype("float64"),
        "double": np.dtype("float64"),
        "single": np.dtype("float32"),
        "complex": np.dtype("complex128"),
    }
)
