"""Reading an axis-aligned box from one level of a layer.

Only the chunks the box touches are read (zarr fetches them concurrently).
Positions are in mag-1 voxels, sizes in voxels of the requested mag, as in
WEBKNOSSOS's data routes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voxhub.arrays.errors import BadBox, BoxTooLarge
from voxhub.arrays.level import LevelView
from voxhub.arrays.mag import Mag


@dataclass(frozen=True)
class Box:
    """Offset in mag-1 voxels; size in voxels of ``mag``."""

    offset_xyz: tuple[int, int, int]
    size_xyz: tuple[int, int, int]
    mag: Mag

    @property
    def voxels(self) -> int:
        return math.prod(self.size_xyz)

    def level_slices(self) -> tuple[slice, slice, slice]:
        """(z, y, x) slices into the level array."""
        starts = [o // m for o, m in zip(self.offset_xyz, self.mag.to_list(), strict=True)]
        sx, sy, sz = (slice(s, s + n) for s, n in zip(starts, self.size_xyz, strict=True))
        return sz, sy, sx


def check_box(box: Box, level_shape_zyx: Sequence[int], max_voxels: int) -> None:
    """Raise ``BadBox`` naming the reason when ``box`` is not inside the level."""
    if any(s <= 0 for s in box.size_xyz):
        raise BadBox(f"width, height and depth must be positive, got {box.size_xyz}")
    if any(o < 0 for o in box.offset_xyz):
        raise BadBox(f"x, y and z must not be negative, got {box.offset_xyz}")
    for axis, o, m in zip("xyz", box.offset_xyz, box.mag.to_list(), strict=True):
        if o % m:
            raise BadBox(f"{axis}={o} is not a multiple of the mag factor {m}")
    if box.voxels > max_voxels:
        raise BoxTooLarge(f"the box has {box.voxels} voxels; the limit is {max_voxels}")
    for axis, sl, size in zip("zyx", box.level_slices(), level_shape_zyx, strict=True):
        if sl.stop > size:
            raise BadBox(
                f"the box ends at {axis}={sl.stop} (in mag {box.mag} voxels) but the layer "
                f"has {size} voxels along {axis} at that mag"
            )


def read_box(level: LevelView | Any, box: Box, max_voxels: int) -> np.ndarray:
    """The (c, z, y, x) block of ``box`` from a level (a raw array is read as (c, z, y, x))."""
    view = level if isinstance(level, LevelView) else LevelView(level)
    check_box(box, view.shape[1:], max_voxels)
    return view[(slice(None), *box.level_slices())]
