"""Carl Zeiss CZI files read with pylibCZIrw: Z planes of every channel, voxel size from metadata.

Mosaics are read over their whole bounding rectangle; time series are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from voxhub.errors import UnreadableInput
from voxhub.extras import optional
from voxhub.formats.bounds import ANY_CODEC, check_declared
from voxhub.formats.source import VolumeSource

PIXEL_TYPES = {
    "Gray8": (np.uint8, 1),
    "Gray16": (np.uint16, 1),
    "Gray32Float": (np.float32, 1),
    "Bgr24": (np.uint8, 3),
    "Bgr48": (np.uint16, 3),
    "Bgr96Float": (np.float32, 3),
}


def matches(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".czi"


@contextmanager
def _open(path: Path) -> Iterator[Any]:
    czi = optional("pylibCZIrw.czi", "formats", "CZI import")

    opener = czi.open_czi(str(path))
    try:
        handle = opener.__enter__()
    except Exception as exc:  # libCZI reports corrupt files as RuntimeError and the like
        raise UnreadableInput(f"{path}: not a readable CZI file ({exc})") from None
    try:
        yield handle
    finally:
        opener.__exit__(None, None, None)


def _scaling(document: Any) -> tuple[float, float, float] | None:
    """Metres per pixel from ``Scaling/Items/Distance``, in micrometres."""
    try:
        items = document.metadata["ImageDocument"]["Metadata"]["Scaling"]["Items"]["Distance"]
    except (KeyError, TypeError):
        return None
    items = items if isinstance(items, list) else [items]
    values = {item.get("@Id"): float(item.get("Value", 0)) for item in items}
    if not values.get("X"):
        return None
    x, y, z = ((values.get(axis) or values["X"]) * 1e6 for axis in "XYZ")
    return x, y, z


def open_source(path: Path) -> VolumeSource:
    with _open(path) as document:
        box = document.total_bounding_box
        rect = document.total_bounding_rectangle
        types = set(document.pixel_types.values())
        voxel = _scaling(document)
    if len(types) != 1 or next(iter(types)) not in PIXEL_TYPES:
        raise UnreadableInput(f"{path}: channels with pixel types {sorted(types)} not supported")
    dtype, samples = PIXEL_TYPES[next(iter(types))]
    t0, t1 = box.get("T", (0, 1))
    if t1 - t0 > 1:
        raise UnreadableInput(f"{path}: {t1 - t0} time points (time series are not supported)")
    z0_file, z1_file = box.get("Z", (0, 1))
    c0, c1 = box.get("C", (0, 1))
    roi = (rect.x, rect.y, rect.w, rect.h)
    shape = ((c1 - c0) * samples, z1_file - z0_file, rect.h, rect.w)
    # Subblocks may be compressed (JPEG-XR, zstd) and a mosaic's tiles leave gaps; a
    # bounding rectangle stretched by one far-off tile still declares more than any
    # codec could have shrunk into the file.
    check_declared(
        path, shape, dtype, path.stat().st_size, ratio=ANY_CODEC, what="the CZI bounding box"
    )

    def read_band(z0: int, z1: int) -> np.ndarray:
        out = np.empty(((c1 - c0) * samples, z1 - z0, rect.h, rect.w), dtype)
        with _open(path) as handle:
            for z in range(z0, z1):
                for c in range(c0, c1):
                    try:
                        plane = handle.read(roi=roi, plane={"Z": z0_file + z, "C": c, "T": t0})
                    except Exception as exc:  # see _open
                        raise UnreadableInput(f"{path}: cannot read plane z={z} ({exc})") from None
                    plane = plane[..., ::-1] if samples == 3 else plane  # BGR -> RGB
                    first = (c - c0) * samples
                    out[first : first + samples, z - z0] = np.moveaxis(plane, -1, 0)
        return out

    return VolumeSource(
        path,
        shape,
        np.dtype(dtype),
        read_band,
        voxel_size=voxel,
        unit="micrometer" if voxel else None,
    )
