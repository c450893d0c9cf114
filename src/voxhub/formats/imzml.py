"""imzML mass-spectrometry images (continuous and processed) as (x, y, mz) cubes.

pyimzml parses the XML; the binary ``.ibd`` file is read here, one pixel at a
time, so a region costs only its own pixels. A *continuous* file shares one
m/z array, which becomes the axis. A *processed* file has an m/z array per
pixel; its values are binned onto one common axis: bins are equally wide on a
log scale so that every m/z lies within ``tolerance_ppm`` of its bin centre,
only bins that hold a peak are kept, and peaks falling into the same bin are
summed. The axis and the tolerance are returned with the source.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
from pyimzml.ImzMLParser import ImzMLParser

from voxhub.errors import UnreadableInput
from voxhub.formats.bounds import SPARSE, check_declared
from voxhub.formats.msi_source import GuardedArray, MsiSource

DEFAULT_TOLERANCE_PPM = 5.0
_CONTINUOUS, _PROCESSED = "IMS:1000030", "IMS:1000031"
_COMPRESSIONS = ("zlib compression", "MS:1000574")


def matches(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".imzml"


def _ibd_path(path: Path) -> Path:
    for candidate in path.parent.iterdir():
        if candidate.stem == path.stem and candidate.suffix.lower() == ".ibd":
            return candidate
    raise UnreadableInput(f"{path}: the binary file {path.stem}.ibd is missing")


def _parse(path: Path) -> ImzMLParser:
    try:
        return ImzMLParser(str(path), parse_lib="ElementTree", ibd_file=None)
    except (ET.ParseError, RuntimeError, KeyError, IndexError, ValueError, AttributeError) as err:
        raise UnreadableInput(f"{path}: not a readable imzML file ({err})") from None


def _plain(value: Any) -> Any:
    """Metadata values as JSON-friendly Python objects."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class _Binning:
    """Processed spectra on a common axis: log-spaced bins, only occupied ones kept."""

    def __init__(self, origin: float, width: float, bins: np.ndarray) -> None:
        self.origin, self.width, self.bins = origin, width, bins

    def bin_of(self, mz: np.ndarray) -> np.ndarray:
        return np.rint(np.log(mz / self.origin) / self.width).astype(np.int64)

    @property
    def axis(self) -> np.ndarray:
        return self.origin * np.exp(self.bins * self.width)

    def positions(self, mz: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.bins, self.bin_of(mz))


class ImzmlCube:
    """Reads regions of an imzML image from the ``.ibd`` file, pixel by pixel."""

    def __init__(
        self, parser: ImzMLParser, ibd: Path, shape: tuple[int, int], binning: _Binning | None
    ) -> None:
        self.ibd = ibd
        self.mz_dtype = np.dtype(parser.mzPrecision)
        self.int_dtype = np.dtype(parser.intensityPrecision)
        self.mz_offsets = np.asarray(parser.mzOffsets, dtype=np.int64)
        self.int_offsets = np.asarray(parser.intensityOffsets, dtype=np.int64)
        self.mz_lengths = np.asarray(parser.mzLengths, dtype=np.int64)
        self.int_lengths = np.asarray(parser.intensityLengths, dtype=np.int64)
        self.binning = binning
        self.pixel = np.full(shape, -1, dtype=np.int64)
        for i, (x, y, _z) in enumerate(parser.coordinates):
            self.pixel[x - 1, y - 1] = i
        n_mz = len(binning.bins) if binning is not None else int(self.int_lengths[0])
        self.shape = (shape[0], shape[1], n_mz)
        self.dtype = (
            np.result_type(self.int_dtype, np.float32) if binning is not None else self.int_dtype
        )
        self.ndim = 3

    def _read(self, f: Any, offset: int, count: int, dtype: np.dtype) -> np.ndarray:
        f.seek(int(offset))
        raw = f.read(int(count) * dtype.itemsize)
        if len(raw) != count * dtype.itemsize:
            raise UnreadableInput(f"{self.ibd}: file ends early (truncated .ibd)")
        return np.frombuffer(raw, dtype=dtype)

    def spectrum(self, f: Any, index: int, lo: int, hi: int) -> np.ndarray:
        """Values of spectrum ``index`` at axis positions ``lo`` to ``hi`` (exclusive)."""
        if self.binning is None:
            offset = self.int_offsets[index] + lo * self.int_dtype.itemsize
            return self._read(f, offset, hi - lo, self.int_dtype)
        mzs = self._read(f, self.mz_offsets[index], self.mz_lengths[index], self.mz_dtype)
        values = self._read(f, self.int_offsets[index], self.int_lengths[index], self.int_dtype)
        positions = self.binning.positions(mzs.astype(np.float64))
        inside = (positions >= lo) & (positions < hi)
        return np.bincount(positions[inside] - lo, values[inside], minlength=hi - lo)

    def __getitem__(self, key: Any) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        if any(k is Ellipsis for k in key):
            at = key.index(Ellipsis)
            key = key[:at] + (slice(None),) * (3 - len(key) + 1) + key[at + 1 :]
        key = key + (slice(None),) * (3 - len(key))
        ranges, dropped = [], []
        for axis, (k, n) in enumerate(zip(key, self.shape, strict=True)):
            if isinstance(k, slice):
                ranges.append(range(*k.indices(n)))
            elif isinstance(k, int | np.integer):
                if not -n <= k < n:
                    raise IndexError(f"index {k} is out of range for axis {axis} of size {n}")
                ranges.append(range(int(k) % n, int(k) % n + 1))
                dropped.append(axis)
            else:
                raise TypeError(f"imzML cubes take ints and slices, not {type(k).__name__}")
        xs, ys, mzs = ranges
        out = np.zeros((len(xs), len(ys), len(mzs)), dtype=self.dtype)
        if len(mzs):
            lo, hi = min(mzs[0], mzs[-1]), max(mzs[0], mzs[-1]) + 1
            pick = np.asarray(mzs) - lo
            with open(self.ibd, "rb") as f:
                for i, x in enumerate(xs):
                    for j, y in enumerate(ys):
                        index = self.pixel[x, y]
                        if index >= 0:
                            out[i, j] = self.spectrum(f, index, lo, hi)[pick]
        return out.reshape([s for a, s in enumerate(out.shape) if a not in dropped])


def _check_layout(parser: ImzMLParser, path: Path, ibd: Path) -> None:
    if parser.mzPrecision is None or parser.intensityPrecision is None:
        raise UnreadableInput(f"{path}: no m/z or intensity array is described")
    for group in parser.metadata.referenceable_param_groups.values():
        if any(name in group for name in _COMPRESSIONS):
            raise UnreadableInput(f"{path}: compressed imzML binary data is not supported")
    if len({z for _x, _y, z in parser.coordinates}) > 1:
        raise UnreadableInput(f"{path}: 3D imzML (several z positions) is not supported")
    if min(min(x, y) for x, y, _z in parser.coordinates) < 1:
        raise UnreadableInput(f"{path}: pixel coordinates must start at 1")
    size = ibd.stat().st_size
    for offsets, lengths, dtype in (
        (parser.mzOffsets, parser.mzLengths, parser.mzPrecision),
        (parser.intensityOffsets, parser.intensityLengths, parser.intensityPrecision),
    ):
        ends = (
            np.asarray(offsets, np.int64) + np.asarray(lengths, np.int64) * np.dtype(dtype).itemsize
        )
        if ends.size and ends.max() > size:
            raise UnreadableInput(
                f"{ibd}: truncated: spectra reach byte {int(ends.max())}, file has {size}"
            )


def _bin_axis(cube: ImzmlCube, tolerance_ppm: float, path: Path) -> _Binning:
    """Scan every m/z array once to find the occupied bins of the common axis."""
    low, found = math.inf, []
    with open(cube.ibd, "rb") as f:
        arrays = []
        for i in range(len(cube.mz_offsets)):
            mzs = cube._read(f, cube.mz_offsets[i], cube.mz_lengths[i], cube.mz_dtype)
            if mzs.size and (not np.all(np.isfinite(mzs)) or mzs.min() <= 0):
                raise UnreadableInput(f"{path}: spectrum {i} has m/z values that are not > 0")
            if mzs.size:
                low = min(low, float(mzs.min()))
                arrays.append(i)
        if not arrays:
            raise UnreadableInput(f"{path}: every spectrum is empty")
        width = 2 * math.log1p(tolerance_ppm * 1e-6)
        binning = _Binning(low, width, np.empty(0, np.int64))
        for i in arrays:
            mzs = cube._read(f, cube.mz_offsets[i], cube.mz_lengths[i], cube.mz_dtype)
            found.append(np.unique(binning.bin_of(mzs.astype(np.float64))))
            if len(found) > 64:
                found = [np.unique(np.concatenate(found))]
    binning.bins = np.unique(np.concatenate(found))
    return binning


def open_source(path: Path, *, tolerance_ppm: float = DEFAULT_TOLERANCE_PPM) -> MsiSource:
    """Open an imzML file; processed spectra are binned with ``tolerance_ppm``."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableInput(f"{path}: no such file")
    if not tolerance_ppm > 0:
        raise UnreadableInput(f"{path}: tolerance_ppm must be positive, got {tolerance_ppm}")
    ibd = _ibd_path(path)
    parser = _parse(path)
    if not parser.coordinates:
        raise UnreadableInput(f"{path}: the image has no spectra")
    _check_layout(parser, path, ibd)
    description = parser.metadata.file_description
    lengths_equal = len(set(parser.mzOffsets)) == 1
    continuous = _CONTINUOUS in description or (_PROCESSED not in description and lengths_equal)
    if continuous and len(set(parser.intensityLengths) | set(parser.mzLengths)) != 1:
        raise UnreadableInput(f"{path}: continuous spectra differ in length")
    if any(m != n for m, n in zip(parser.mzLengths, parser.intensityLengths, strict=True)):
        raise UnreadableInput(f"{path}: an m/z array and its intensities differ in length")
    coords = np.asarray(parser.coordinates)
    shape = (int(coords[:, 0].max()), int(coords[:, 1].max()))
    # Pixels without a spectrum read as zero (tissue is rarely rectangular), but a grid
    # stretched by one far-off coordinate is no image: bounded before it is allocated.
    check_declared(
        path, shape, np.int64, len(coords) * np.dtype(np.int64).itemsize, ratio=SPARSE,
        what=f"the pixel coordinates (with {len(coords)} spectra)",
    )  # fmt: skip
    cube = ImzmlCube(parser, ibd, shape, None)
    extra: dict[str, Any] = {"mode": "continuous" if continuous else "processed"}
    if continuous:
        with open(ibd, "rb") as f:
            mz = cube._read(f, cube.mz_offsets[0], cube.mz_lengths[0], cube.mz_dtype).copy()
    else:
        cube = ImzmlCube(parser, ibd, shape, _bin_axis(cube, tolerance_ppm, path))
        assert cube.binning is not None
        mz = cube.binning.axis
        extra["tolerance_ppm"] = tolerance_ppm
    metadata = parser.metadata
    instrument = _plain(
        {name: group.pretty() for name, group in metadata.instrument_configurations.items()}
    )
    instrument.update(_plain(parser.imzmldict))
    method = _plain(
        {
            "spectrum_mode": parser.spectrum_mode,
            "polarity": parser.polarity,
            "scan_settings": {k: g.pretty() for k, g in metadata.scan_settings.items()},
            "data_processing": {k: g.pretty() for k, g in metadata.data_processings.items()},
        }
    )
    sample = _plain({k: g.pretty() for k, g in metadata.samples.items()})
    return MsiSource(
        path=path,
        data=GuardedArray(cube, ibd),
        mz=np.asarray(mz, dtype=np.float64),
        instrument=instrument,
        sample=sample,
        method=method,
        experiment=path.stem,
        extra=extra,
    )


__all__ = ["DEFAULT_TOLERANCE_PPM", "ImzmlCube", "matches", "open_source"]
