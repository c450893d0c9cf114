"""The analyses voxhub can compute from a cube, each with its checked parameters and outputs.

Every kind takes a (row, col, mz) cube and its axis and returns named
outputs; one three-axis output is the *primary* one that qslice, qspectrum
and qmz read when no ``anaDataName`` is given. Parameters are checked before
any data is read, and unknown ones are refused.
"""

from __future__ import annotations

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
from voxhub.errors import InvalidInput


@dataclass
class AnalysisResult:
    outputs: dict[str, Any]
    primary: str
    axes: dict[str, np.ndarray] = field(default_factory=dict)  # primary's axis values
    labels: dict[str, str] = field(default_factory=dict)  # primary's axis label


@dataclass(frozen=True)
class Param:
    kind: type | tuple[type, ...]
    default: Any = None
    choices: tuple[Any, ...] = ()


@dataclass(frozen=True)
class AnalysisKind:
    name: str
    description: str
    params: Mapping[str, Param]
    compute: Callable[[Any, np.ndarray, dict[str, Any]], AnalysisResult]

    def check(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """The parameters with defaults filled in; a bad or unknown one raises ``InvalidInput``."""
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
            out[name] = value
        return out


NUMBER = (int, float)
PEAK_PARAMS = {
    "height": Param(NUMBER),
    "prominence": Param(NUMBER),
    "distance": Param(int),
    "width": Param(NUMBER),
    "max_peaks": Param(int),
}


def _options(params: Mapping[str, Any]) -> PeakOptions:
    return PeakOptions(**{k: params[k] for k in PEAK_PARAMS})


def _tic(cube: Any, axis: np.ndarray, params: dict[str, Any]) -> AnalysisResult:
    tic = summarize(cube).tic
    normalized = tic_normalize(cube, tic=tic, scale=params["scale"]).astype(np.float32)
    outputs = {"normalized": normalized, "tic": tic}
    return AnalysisResult(outputs, "normalized", {"normalized": axis}, {"normalized": "m/z"})


def _global_peaks(cube: Any, axis: np.ndarray, params: dict[str, Any]) -> AnalysisResult:
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


def _local_peaks(cube: Any, axis: np.ndarray, params: dict[str, Any]) -> AnalysisResult:
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


def _nmf(cube: Any, axis: np.ndarray, params: dict[str, Any]) -> AnalysisResult:
    result = nmf(
        cube,
        params["components"],
        iterations=params["iterations"],
        tolerance=params["tolerance"],
        seed=params["seed"],
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
            {"scale": Param(NUMBER)},
            _tic,
        ),
        AnalysisKind(
            "findpeaks_global",
            "peaks of the mean (or max) spectrum, integrated in every spectrum",
            {
                **PEAK_PARAMS,
                "spectrum": Param(str, "mean", ("mean", "max")),
                "half_width": Param(int, 0),
                "reduce": Param(str, "max", ("max", "sum")),
            },
            _global_peaks,
        ),
        AnalysisKind(
            "findpeaks_local",
            "every spectrum's own peaks, merged onto a common m/z axis",
            {**PEAK_PARAMS, "tolerance_ppm": Param(NUMBER, 10.0)},
            _local_peaks,
        ),
        AnalysisKind(
            "nmf",
            "non-negative matrix factorisation into component images and spectra",
            {
                "components": Param(int, 4),
                "iterations": Param(int, 200),
                "tolerance": Param(NUMBER, 1e-4),
                "seed": Param(int, 0),
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
