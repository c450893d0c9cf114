"""DigitalMicrograph DM3/DM4 images (read with RosettaSciIO): one file, 2D or a 3D stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from voxhub.errors import UnreadableInput
from voxhub.extras import optional
from voxhub.formats.bounds import check_declared
from voxhub.formats.source import VolumeSource

SUFFIXES = (".dm3", ".dm4")
UNITS = {"nm": "nanometer", "µm": "micrometer", "um": "micrometer", "Å": "angstrom",
         "A": "angstrom", "mm": "millimeter", "pm": "picometer"}  # fmt: skip


def matches(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in SUFFIXES


def _signal(path: Path) -> dict[str, Any]:
    """The file's first image, its pixels memory-mapped (nothing decoded yet)."""
    file_reader = optional("rsciio.digitalmicrograph", "formats", "DM3/DM4 import").file_reader

    try:
        # One chunk: the image is read whole anyway, and "auto" chunks would build a
        # graph of millions of tasks for a header that declares a huge image.
        signals = file_reader(str(path), lazy=True, chunks=-1)
    except Exception as exc:  # RosettaSciIO raises many unrelated types on corrupt files
        raise UnreadableInput(f"{path}: not a readable DM3/DM4 file ({exc})") from None
    if not signals:
        raise UnreadableInput(f"{path}: the file holds no image")
    return signals[0]


def header(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype, without reading pixels; the declared size is checked against the file."""
    data = _signal(path)["data"]
    # DM pixels are stored uncompressed: the file must hold every one.
    check_declared(path, data.shape, data.dtype, path.stat().st_size, what="the DM header")
    if data.dtype.fields is not None:
        return (*data.shape, 3), np.dtype(np.uint8)  # RGBA stored as records
    return tuple(int(s) for s in data.shape), np.dtype(data.dtype).newbyteorder("=")


def read_plane(path: Path) -> np.ndarray:
    data = _signal(path)["data"]
    try:
        array = np.asarray(data)
    except Exception as exc:  # a truncated file fails here, when the memory map is read
        raise UnreadableInput(f"{path}: cannot read the pixels ({exc})") from None
    if array.dtype.fields is not None:
        array = np.stack([array["R"], array["G"], array["B"]], axis=-1)
    return array.astype(array.dtype.newbyteorder("="), copy=False)


def _voxel_size(signal: dict[str, Any]) -> tuple[tuple[float, float, float], str] | None:
    axes = signal.get("axes") or []
    if not axes:
        return None
    by_index = {a.get("index_in_array", i): a for i, a in enumerate(axes)}
    ordered = [by_index[i] for i in sorted(by_index)][::-1]  # x first
    scales = [float(a.get("scale", 1.0)) for a in ordered] + [1.0] * (3 - len(ordered))
    unit = UNITS.get(str(ordered[0].get("units", "")), None)
    if unit is None:
        return None
    return (scales[0], scales[1], scales[2]), unit


def open_source(path: Path) -> VolumeSource:
    signal = _signal(path)
    shape, dtype = header(path)
    if len(shape) == 2:
        depth, height, width = 1, *shape
    elif len(shape) == 3 and signal["data"].dtype.fields is None:
        depth, height, width = shape
    else:
        raise UnreadableInput(f"{path}: a DM image of shape {shape} is not a volume")

    def read_band(z0: int, z1: int) -> np.ndarray:
        array = read_plane(path)
        return (array[None] if array.ndim == 2 else array[z0:z1])[None]

    found = _voxel_size(signal)
    voxel, unit = found if found else (None, None)
    return VolumeSource(
        path, (1, depth, height, width), dtype, read_band, voxel_size=voxel, unit=unit
    )
