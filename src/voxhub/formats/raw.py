"""Raw voxel files: no header, so shape (x, y, z), dtype and order come as options.

Order ``F`` (the default) means x varies fastest, as a (z, y, x) C-order dump
from NumPy or most instruments; ``C`` means z varies fastest.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from voxhub.errors import InvalidInput, UnreadableInput
from voxhub.formats.layers import ImportOptions, NamedSource
from voxhub.formats.source import VolumeSource

SUFFIXES = (".raw",)


def matches(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in SUFFIXES


def open_raw(path: Path, options: ImportOptions) -> VolumeSource:
    if options.shape_xyz is None or options.dtype is None:
        raise InvalidInput(f"{path.name}: raw files need a shape (X,Y,Z) and a dtype")
    if len(options.shape_xyz) != 3 or min(options.shape_xyz) < 1:
        raise InvalidInput(f"raw shape must be three positive sizes, got {options.shape_xyz}")
    if options.order not in ("F", "C"):
        raise InvalidInput(f"raw order must be F or C, not {options.order!r}")
    dtype = options.numpy_dtype()
    x, y, z = options.shape_xyz
    expected = options.header_bytes + math.prod(options.shape_xyz) * dtype.itemsize
    actual = path.stat().st_size
    if actual != expected:
        raise UnreadableInput(
            f"{path.name} has {actual} bytes, but {x}×{y}×{z} {dtype} after "
            f"{options.header_bytes} header bytes need {expected}"
        )
    x_fastest = options.order == "F"
    offset = options.header_bytes

    def read_band(z0: int, z1: int) -> np.ndarray:
        shape = (z, y, x) if x_fastest else (x, y, z)
        data = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
        band = data[z0:z1] if x_fastest else data[:, :, z0:z1].transpose(2, 1, 0)
        return np.array(band)[None]

    return VolumeSource(path, (1, z, y, x), dtype, read_band)


def open_layers(path: Path, options: ImportOptions) -> list[NamedSource]:
    return [NamedSource("color", None, open_raw(path, options))]


def open_source(path: Path) -> VolumeSource:
    return open_raw(path, ImportOptions())
