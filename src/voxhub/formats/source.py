"""What every importer hands over: a volume readable in z bands."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np

from voxhub.errors import UnreadableInput

BandReader = Callable[[int, int], np.ndarray]


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file; None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass
class VolumeSource:
    """A volume of shape (c, z, y, x) that can be read band by band.

    ``read_band(z0, z1)`` returns the (c, z1 - z0, y, x) block; importers
    translate their libraries' errors into ``UnreadableInput`` naming the file.
    ``dask`` may be given instead when the source is already chunked.
    """

    path: Path
    shape: tuple[int, int, int, int]
    dtype: np.dtype
    read_band: BandReader | None = None
    dask: da.Array | None = None
    voxel_size: tuple[float, float, float] | None = None
    unit: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def to_dask(self, band: int) -> da.Array:
        """A lazy (c, z, y, x) array whose blocks are bands of ``band`` slices."""
        if self.dask is not None:
            return self.dask
        assert self.read_band is not None
        c, z, y, x = self.shape
        starts = list(range(0, z, band))
        chunks = ((c,), tuple(min(band, z - s) for s in starts), (y,), (x,))
        reader = self.read_band
        dtype = self.dtype

        def load(block_info: dict | None = None) -> np.ndarray:
            assert block_info is not None
            z0, z1 = block_info[None]["array-location"][1]
            block = reader(z0, z1)
            if block.shape != (c, z1 - z0, y, x):
                raise UnreadableInput(
                    f"{self.path}: slices {z0}-{z1 - 1} have shape {block.shape[2:]}, "
                    f"expected {(y, x)}"
                )
            return block.astype(dtype, copy=False)

        return da.map_blocks(load, chunks=chunks, dtype=dtype, meta=np.empty((0, 0, 0, 0), dtype))


def as_czyx(plane: np.ndarray) -> np.ndarray:
    """A 2D image (y, x) or (y, x, s) as (c, 1, y, x)."""
    if plane.ndim == 2:
        return plane[None, None]
    if plane.ndim == 3:
        return np.moveaxis(plane, -1, 0)[:, None]
    raise UnreadableInput(f"unsupported image with {plane.ndim} dimensions")
