"""Peak finding for MSI: one spectrum (qspectrum ``findPeaks``), global and local (per pixel).

Global peak finding looks for peaks in the mean (or max) spectrum and then
integrates every spectrum around them into a peak cube (x, y, peaks). Local
peak finding keeps each pixel's own peaks in compressed rows and can merge
them into a peak cube on a common m/z axis. All cube passes are chunk-wise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import find_peaks

from voxhub.arrays.msi.blocks import DEFAULT_BLOCK_BYTES, check_cube, row_blocks, summarize
from voxhub.errors import InvalidInput, TooLarge


@dataclass(frozen=True)
class PeakOptions:
    """Options handed to ``scipy.signal.find_peaks``, plus a cap on the peak count."""

    height: float | None = None
    prominence: float | None = None
    distance: int | None = None
    width: float | None = None
    max_peaks: int | None = None

    def __post_init__(self) -> None:
        for name in ("height", "prominence", "width"):
            value = getattr(self, name)
            if value is not None and not np.isfinite(value):
                raise InvalidInput(f"{name}: must be a finite number, got {value}")
        if self.distance is not None and self.distance < 1:
            raise InvalidInput(f"distance: must be at least 1, got {self.distance}")
        if self.max_peaks is not None and self.max_peaks < 1:
            raise InvalidInput(f"max_peaks: must be at least 1, got {self.max_peaks}")

    def find(self, spectrum: np.ndarray) -> np.ndarray:
        """Indices of the peaks of ``spectrum``, ascending; the highest kept if capped."""
        indices, _ = find_peaks(
            spectrum,
            height=self.height,
            prominence=self.prominence,
            distance=self.distance,
            width=self.width,
        )
        if self.max_peaks is not None and len(indices) > self.max_peaks:
            strongest = np.argsort(spectrum[indices], kind="stable")[::-1][: self.max_peaks]
            indices = np.sort(indices[strongest])
        return np.asarray(indices)


@dataclass(frozen=True)
class Peaks:
    """Peaks of one spectrum: positions on the axis, their m/z and their values."""

    indices: np.ndarray
    mz: np.ndarray
    values: np.ndarray

    def to_json(self) -> dict[str, list[float]]:
        """qspectrum's keys."""
        return {"peak_mz": self.mz.tolist(), "peak_value": self.values.tolist()}


def _axis(mz: np.ndarray | None, length: int) -> np.ndarray:
    if mz is None:
        return np.arange(length, dtype=np.float64)
    mz = np.asarray(mz, dtype=np.float64)
    if mz.shape != (length,):
        raise InvalidInput(f"mz: expected {length} values, got {mz.shape}")
    return mz


def spectrum_peaks(
    spectrum: np.ndarray, mz: np.ndarray | None = None, options: PeakOptions = PeakOptions()
) -> Peaks:
    """Peaks of a 1D spectrum (qspectrum ``findPeaks``)."""
    values = np.asarray(spectrum, dtype=np.float64)
    if values.ndim != 1:
        raise InvalidInput(f"findPeaks: needs one spectrum, got shape {values.shape}")
    axis = _axis(mz, values.size)
    indices = options.find(values)
    return Peaks(indices, axis[indices], values[indices])


def find_global_peaks(
    cube: Any,
    mz: np.ndarray | None = None,
    options: PeakOptions = PeakOptions(),
    *,
    spectrum: str = "mean",
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> Peaks:
    """Peaks of the cube's mean (or ``"max"``) spectrum."""
    if spectrum not in ("mean", "max"):
        raise InvalidInput(f"spectrum: expected mean or max, got {spectrum!r}")
    summary = summarize(cube, block_bytes)
    reference = summary.mean_spectrum if spectrum == "mean" else summary.max_spectrum
    return spectrum_peaks(reference, mz, options)


def peak_cube(
    cube: Any,
    indices: np.ndarray,
    *,
    half_width: int = 0,
    reduce: str = "max",
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> np.ndarray:
    """(x, y, peaks): each spectrum's max (or sum) within ``half_width`` of every peak."""
    nx, ny, nmz = check_cube(cube)
    indices = np.asarray(indices, dtype=np.int64)
    if indices.ndim != 1 or (indices.size and (indices.min() < 0 or indices.max() >= nmz)):
        raise InvalidInput(f"indices: peak positions must lie in 0..{nmz - 1}")
    if half_width < 0:
        raise InvalidInput(f"half_width: must be >= 0, got {half_width}")
    if reduce not in ("max", "sum"):
        raise InvalidInput(f"reduce: expected max or sum, got {reduce!r}")
    func = np.max if reduce == "max" else np.sum
    out = np.zeros((nx, ny, indices.size), dtype=np.float64)
    for x0, block in row_blocks(cube, block_bytes):
        for p, centre in enumerate(indices):
            window = block[:, :, max(0, centre - half_width) : centre + half_width + 1]
            out[x0 : x0 + len(block), :, p] = func(window, axis=2)
    return out


@dataclass(frozen=True)
class LocalPeaks:
    """Every pixel's peaks in compressed rows: pixel ``p = x * ny + y`` owns
    ``indices[offsets[p]:offsets[p + 1]]`` and the matching ``values``."""

    shape: tuple[int, int]
    offsets: np.ndarray
    indices: np.ndarray
    values: np.ndarray

    def of_pixel(self, x: int, y: int) -> tuple[np.ndarray, np.ndarray]:
        p = x * self.shape[1] + y
        lo, hi = self.offsets[p], self.offsets[p + 1]
        return self.indices[lo:hi], self.values[lo:hi]


def find_local_peaks(
    cube: Any, options: PeakOptions = PeakOptions(), *, block_bytes: int = DEFAULT_BLOCK_BYTES
) -> LocalPeaks:
    """The peaks of every spectrum of the cube, found one block of rows at a time."""
    nx, ny, _ = check_cube(cube)
    counts = np.zeros(nx * ny, dtype=np.int64)
    found_indices, found_values = [], []
    for x0, block in row_blocks(cube, block_bytes):
        for i in range(block.shape[0]):
            for y in range(ny):
                spectrum = block[i, y].astype(np.float64, copy=False)
                peaks = options.find(spectrum)
                counts[(x0 + i) * ny + y] = peaks.size
                found_indices.append(peaks)
                found_values.append(spectrum[peaks])
    offsets = np.concatenate([[0], np.cumsum(counts)])
    return LocalPeaks(
        (nx, ny),
        offsets,
        np.concatenate(found_indices).astype(np.int64),
        np.concatenate(found_values),
    )


def local_peaks_to_cube(
    peaks: LocalPeaks,
    mz: np.ndarray,
    *,
    tolerance_ppm: float = 10.0,
    max_elements: int = 256 * 1024 * 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """Merge every pixel's peaks onto a common axis; returns ``(axis, cube)``.

    Peaks whose m/z lie within ``tolerance_ppm`` of the first m/z of a group
    join that group; a group's m/z is the count-weighted mean of its members
    and a pixel's value is its largest peak in the group.
    """
    mz = np.asarray(mz, dtype=np.float64)
    if tolerance_ppm <= 0:
        raise InvalidInput(f"tolerance_ppm: must be positive, got {tolerance_ppm}")
    positions, counts = np.unique(peaks.indices, return_counts=True)
    group_of_position = np.zeros(positions.size, dtype=np.int64)
    group, start = -1, -np.inf
    for i, position in enumerate(positions):
        if mz[position] > start * (1 + tolerance_ppm * 1e-6) or group < 0:
            group, start = group + 1, mz[position]
        group_of_position[i] = group
    ngroups = group + 1
    nx, ny = peaks.shape
    if nx * ny * ngroups > max_elements:
        raise TooLarge(f"peak cube would have {nx * ny * ngroups} values (limit {max_elements})")
    weights = np.bincount(group_of_position, counts, minlength=ngroups)
    axis = np.bincount(group_of_position, counts * mz[positions], minlength=ngroups) / np.maximum(
        weights, 1
    )
    cube = np.zeros((nx * ny, ngroups), dtype=np.float64)
    pixel = np.repeat(np.arange(nx * ny), np.diff(peaks.offsets))
    groups = group_of_position[np.searchsorted(positions, peaks.indices)]
    np.maximum.at(cube, (pixel, groups), peaks.values)
    return axis, cube.reshape(nx, ny, ngroups)
