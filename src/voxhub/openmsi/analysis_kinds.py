"""The analyses voxhub can compute from a cube, each with its checked parameters and outputs.

Every kind takes a (row, col, mz) cube and its axis and returns named
outputs; one three-axis output is the *primary* one that qslice, qspectrum
and qmz read when no ``anaDataName`` is given. Parameters are checked before
any data is read, and unknown ones are refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voxhub.arrays.msi import (
    PeakOptions,
    find_global_peaks,
    find_local_peaks,
    local_peaks_to_cube,
    nmf,
    peak_cube,
    summarize,
    tic_normalize,
)
from voxhub.arrays.progress import ProgressFn
from voxhub.errors import InvalidInput

# Shape of the (row, col, mz) cube an analysis will read.
Shape = tuple[int, ...]


@dataclass
class AnalysisResult:
    outputs: dict[str, Any]
    primary: str
    axes: dict[str, np.ndarray] = field(default_factory=dict)  # primary's axis values
    labels: dict[str, str] = field(default_factory=dict)  # primary's axis label


@dataclass(frozen=True)
class Param:
    """A parameter; numbers are bounded, ``maximum`` may depend on the cube's shape."""

    kind: type | tuple[type, ...]
    default: Any = None
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | Callable[[Shape], float] | None = None

    def bound(self, shape: Shape | None) -> float | None:
        if callable(self.maximum):
            return None if shape is None else self.maximum(shape)
        return self.maximum


@dataclass(frozen=True)
class AnalysisKind:
    name: str
    description: str
    params: Mapping[str, Param]
    compute: Callable[[Any, np.ndarray, dict[str, Any], ProgressFn | None], AnalysisResult]

    def check(self, given: Mapping[str, Any] | None, shape: Shape | None = None) -> dict[str, Any]:
        """The parameters with defaults filled in; a bad or unknown one raises ``InvalidInput``.

        With the ``shape`` of the cube, bounds that depend on it are checked too
        (at submit time, so a bad value is a 400, not a failed job).
        """
        given = dict(given or {})
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            allowed = ", ".join(sorted(self.params)) or "none"
            raise InvalidInput(f"parameters.{unknown[0]}: {self.name} takes {allowed}")
        out = {}
        for name, spec in self.params.items():
            value = given.get(name, spec.default)
            kinds = spec.kind if isinstance(spec.kind, tuple) else (spec.kind,)
            if value is not None and (
                not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
            ):
                raise InvalidInput(
                    f"parameters.{name}: expected {kinds[0].__name__}, got {value!r}"
                )
            if spec.choices and value not in spec.choices:
                raise InvalidInput(f"parameters.{name}: expected one of {spec.choices}")
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidInput(f"parameters.{name}: must be a finite number")
            if isinstance(value, int | float) and not isinstance(value, bool):
                low, high = spec.minimum, spec.bound(shape)
                if low is not None and value < low:
                    raise InvalidInput(f"parameters.{name}: must be at least {low}, got {value}")
                if high is not None and value > high:
                    raise InvalidInput(f"parameters.{name}: must be at most {high}, got {value}")
            out[name] = value
        return out


NUMBER = (int, float)
# Largest number a parameter may take where no shape gives a tighter bound.
HUGE = 2**53
# NMF keeps W (pixels x k) and H (k x mz) in memory: at most this many values.
NMF_MAX_FACTOR_VALUES = 64 * 1024 * 1024
NMF_MAX_ITERATIONS = 10_000


def _mz_length(shape: Shape) -> int:
    return shape[-1]


def _nmf_components(shape: Shape) -> int:
    pixels, nmz = math.prod(shape[:-1]), shape[-1]
    return max(1, min(pixels, nmz, NMF_MAX_FACTOR_VALUES // max(pixels + nmz, 1)))


PEAK_PARAMS = {
    "height": Param(NUMBER, minimum=-HUGE, maximum=HUGE),
    "prominence": Param(NUMBER, minimum=0, maximum=HUGE),
    "distance": Param(int, minimum=1, maximum=_mz_length),
    "width": Param(NUMBER, minimum=0, maximum=_mz_length),
    "max_peaks": Param(int, minimum=1, maximum=_mz_length),
}


def _options(params: Mapping[str, Any]) -> PeakOptions:
    return PeakOptions(**{k: params[k] for k in PEAK_PARAMS})


def _tic(
    cube: Any, axis: np.ndarray, params: dict[str, Any], progress: ProgressFn | None = None
) -> AnalysisResult:
    tic = summarize(cube).tic
    normalized = tic_normalize(cube, tic=tic, scale=params["scale"]).astype(np.float32)
    outputs = {"normalized": normalized, "tic": tic}
    return AnalysisResult(outputs, "normalized", {"normalized": axis}, {"normalized": "m/z"})


def _global_peaks(
    cube: Any, axis: np.ndarray, params: dict[str, Any], progress: ProgressFn | None = None
) -> AnalysisResult:
    peaks = find_global_peaks(cube, axis, _options(params), spectrum=params["spectrum"])
    if peaks.indices.size == 0:
        raise InvalidInput("no peaks found in the reference spectrum; relax the peak options")
    values = peak_cube(
        cube, peaks.indices, half_width=params["half_width"], reduce=params["reduce"]
    )
    outputs = {
        "peak_cube": values.astype(np.float32),
        "peak_mz": peaks.mz,
        "peak_value": peaks.values,
        "peak_index": peaks.indices,
    }
    return AnalysisResult(outputs, "peak_cube", {"peak_cube": peaks.mz}, {"peak_cube": "m/z"})


def _local_peaks(
    cube: Any, axis: np.ndarray, params: dict[str, Any], progress: ProgressFn | None = None
) -> AnalysisResult:
    found = find_local_peaks(cube, _options(params))
    if found.indices.size == 0:
        raise InvalidInput("no peaks found in any spectrum; relax the peak options")
    merged_axis, merged = local_peaks_to_cube(found, axis, tolerance_ppm=params["tolerance_ppm"])
    outputs = {
        "peak_cube": merged.astype(np.float32),
        "peak_mz": merged_axis,
        "peak_offsets": found.offsets,
        "peak_index": found.indices,
        "peak_value": found.values,
    }
    return AnalysisResult(outputs, "peak_cube", {"peak_cube": merged_axis}, {"peak_cube": "m/z"})


def _nmf(
    cube: Any, axis: np.ndarray, params: dict[str, Any], progress: ProgressFn | None = None
) -> AnalysisResult:
    result = nmf(
        cube,
        params["components"],
        iterations=params["iterations"],
        tolerance=params["tolerance"],
        seed=params["seed"],
        progress=progress,
    )
    outputs = {
        "images": result.images.astype(np.float32),
        "spectra": result.spectra.astype(np.float32),
        "errors": result.errors,
    }
    components = np.arange(result.images.shape[2], dtype=np.float64)
    return AnalysisResult(outputs, "images", {"images": components}, {"images": "component"})


KINDS: dict[str, AnalysisKind] = {
    kind.name: kind
    for kind in (
        AnalysisKind(
            "tic_normalize",
            "every spectrum divided by its total ion count (times the mean TIC)",
            {"scale": Param(NUMBER, minimum=0, maximum=HUGE)},
            _tic,
        ),
        AnalysisKind(
            "findpeaks_global",
            "peaks of the mean (or max) spectrum, integrated in every spectrum",
            {
                **PEAK_PARAMS,
                "spectrum": Param(str, "mean", ("mean", "max")),
                "half_width": Param(int, 0, minimum=0, maximum=_mz_length),
                "reduce": Param(str, "max", ("max", "sum")),
            },
            _global_peaks,
        ),
        AnalysisKind(
            "findpeaks_local",
            "every spectrum's own peaks, merged onto a common m/z axis",
            {**PEAK_PARAMS, "tolerance_ppm": Param(NUMBER, 10.0, minimum=0, maximum=1e6)},
            _local_peaks,
        ),
        AnalysisKind(
            "nmf",
            "non-negative matrix factorisation into component images and spectra",
            {
                "components": Param(int, 4, minimum=1, maximum=_nmf_components),
                "iterations": Param(int, 200, minimum=1, maximum=NMF_MAX_ITERATIONS),
                "tolerance": Param(NUMBER, 1e-4, minimum=0, maximum=1),
                "seed": Param(int, 0, minimum=0, maximum=2**63 - 1),
            },
            _nmf,
        ),
    )
}


def get_kind(name: str) -> AnalysisKind:
    try:
        return KINDS[name]
    except KeyError:
        allowed = ", ".join(sorted(KINDS))
        raise InvalidInput(f"type: unknown analysis {name!r} (allowed: {allowed})") from None


__all__ = ["KINDS", "AnalysisKind", "AnalysisResult", "get_kind"]
