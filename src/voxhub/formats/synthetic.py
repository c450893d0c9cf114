"""A synthetic but realistic EM-like volume with its cell segmentation.

Cells are a Voronoi tessellation of random seeds in physical (anisotropic)
space; each has its own cytoplasm tone and a brighter nucleus, membranes are
dark, and the image is blurred and given shot noise, so pyramids, thumbnails
and label layers all have something real to show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

SAMPLE_VOXEL_SIZE = (11.0, 11.0, 24.0)


@dataclass(frozen=True)
class SyntheticVolume:
    image: np.ndarray  # (z, y, x) uint8
    labels: np.ndarray  # (z, y, x) uint32
    voxel_size: tuple[float, float, float]


def cells_volume(
    shape_zyx: tuple[int, int, int] = (128, 512, 512),
    voxel_size: tuple[float, float, float] = SAMPLE_VOXEL_SIZE,
    cells: int = 90,
    seed: int = 0,
) -> SyntheticVolume:
    rng = np.random.default_rng(seed)
    seeds = np.zeros(shape_zyx, dtype=bool)
    points = np.stack([rng.integers(0, s, cells) for s in shape_zyx], axis=1)
    seeds[tuple(points.T)] = True
    sampling = (voxel_size[2], voxel_size[1], voxel_size[0])
    distance, nearest = ndimage.distance_transform_edt(
        ~seeds, sampling=sampling, return_indices=True
    )
    seed_ids = np.zeros(shape_zyx, dtype=np.uint32)
    seed_ids[tuple(points.T)] = np.arange(1, cells + 1, dtype=np.uint32)
    labels = seed_ids[tuple(nearest)]
    del nearest
    radius = np.percentile(distance, 92)
    labels[distance > radius] = 0  # extracellular space between large cells

    boundary = np.zeros(shape_zyx, dtype=bool)
    for axis in range(3):
        diff = np.diff(labels, axis=axis) != 0
        lo = [slice(None)] * 3
        lo[axis] = slice(0, -1)
        boundary[tuple(lo)] |= diff
    boundary = ndimage.binary_dilation(boundary, iterations=1)

    tone = rng.uniform(110, 170, cells + 1).astype(np.float32)
    tone[0] = 200.0
    image = tone[labels]
    nucleus = distance < radius * 0.35
    image[nucleus & (labels > 0)] += 45
    image[boundary] = 35
    image = ndimage.gaussian_filter(image, sigma=(0.8, 1.5, 1.5))
    image += rng.normal(0, 12, shape_zyx).astype(np.float32)
    image = np.clip(image, 0, 255).astype(np.uint8)
    labels[boundary] = 0
    return SyntheticVolume(image, labels, voxel_size)
