"""Rendering arrays as PNG images (thumbnails, slices)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import numpy as np
from PIL import Image

from voxhub.arrays.level import LevelView


def normalize(plane: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
    """Scale to 0-255 between ``low`` and ``high`` (default: 0.5 and 99.5 percentiles)."""
    values = plane.astype(np.float64)
    if low is None or high is None:
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return np.zeros(plane.shape, dtype=np.uint8)
        low, high = np.percentile(finite, [0.5, 99.5])
    if high <= low:
        high = low + 1
    scaled = np.clip((values - low) / (high - low), 0, 1) * 255
    return np.nan_to_num(scaled).astype(np.uint8)


def label_colors(plane: np.ndarray) -> np.ndarray:
    """An RGB image with a stable pseudo-random colour per label id; 0 is black."""
    ids = plane.astype(np.uint64)
    mixed = (ids * np.uint64(2654435761)) & np.uint64(0xFFFFFF)
    rgb = np.stack([(mixed >> np.uint64(s)) & np.uint64(0xFF) for s in (16, 8, 0)], axis=-1)
    rgb = rgb.astype(np.uint8) | np.uint8(0x40)
    rgb[ids == 0] = 0
    return rgb


def to_png(image: np.ndarray) -> bytes:
    """Encode a (y, x) uint8 or (y, x, 3) uint8 array as PNG."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def _xyz(values: Iterable[int]) -> tuple[int, int, int]:
    x, y, z = values
    return (x, y, z)


def layer_plane_png(plane_cyx: np.ndarray, category: str) -> bytes:
    """A (c, y, x) plane as PNG: labels coloured, intensities normalised (RGB if 3 channels)."""
    if category == "segmentation":
        return to_png(label_colors(plane_cyx[0]))
    if plane_cyx.shape[0] == 3:
        return to_png(np.stack([normalize(c) for c in plane_cyx], axis=-1))
    return to_png(normalize(plane_cyx[0]))


def thumbnail_plane(
    level: LevelView,
    box: tuple[Sequence[int], Sequence[int]] | None,
    size: int,
) -> np.ndarray:
    """The (c, y, x) middle z plane of ``box`` (top-left, size in mag-1 voxels) at ``level``.

    Without a box the whole level is used. Planes much larger than ``size``
    (a layer without coarser mags) are read with a stride, so the image stays
    near ``size`` pixels whatever the level's extent.
    """
    return level[thumbnail_key(level, box, size)]


def thumbnail_key(
    level: LevelView,
    box: tuple[Sequence[int], Sequence[int]] | None,
    size: int,
) -> tuple[slice, int, slice, slice]:
    """The (c, z, y, x) key ``thumbnail_plane`` reads (from the level's shape as it is)."""
    shape_xyz = level.shape_xyz
    if box is None:
        start, stop = (0, 0, 0), shape_xyz
    else:
        mag = level.mag.to_list()
        top, extent = box
        start = _xyz(min(t // m, n) for t, m, n in zip(top, mag, shape_xyz, strict=True))
        stop = _xyz(
            min(-(-(t + e) // m), n) for t, e, m, n in zip(top, extent, mag, shape_xyz, strict=True)
        )
        if any(b <= a for a, b in zip(start, stop, strict=True)):
            start, stop = (0, 0, 0), shape_xyz
    z = (start[2] + stop[2]) // 2
    y, x = (
        slice(a, b, max(1, (b - a) // (2 * size)))
        for a, b in ((start[1], stop[1]), (start[0], stop[0]))
    )
    return slice(None), z, y, x
