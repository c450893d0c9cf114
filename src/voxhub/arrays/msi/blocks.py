"""Chunk-wise passes over (x, y, mz) cubes that may not fit in memory.

Every function here reads the cube in blocks of whole rows (all y, all mz for
a few x), so memory is bounded by ``block_bytes`` whatever the array is:
numpy, zarr, dask, h5py or an importer's reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from voxhub.errors import InvalidInput

DEFAULT_BLOCK_BYTES = 64 * 1024 * 1024


def check_cube(cube: Any) -> tuple[int, int, int]:
    shape = tuple(int(n) for n in cube.shape)
    if len(shape) != 3 or min(shape) < 1:
        raise InvalidInput(f"expected a non-empty (x, y, mz) cube, got shape {shape}")
    return shape


def row_blocks(
    cube: Any, block_bytes: int = DEFAULT_BLOCK_BYTES
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(x0, cube[x0:x1])`` blocks of whole rows, each about ``block_bytes``."""
    nx, ny, nmz = check_cube(cube)
    row_bytes = ny * nmz * np.dtype(cube.dtype).itemsize
    rows = max(1, block_bytes // max(row_bytes, 1))
    for x0 in range(0, nx, rows):
        block = cube[x0 : x0 + rows]
        if hasattr(block, "compute"):
            block = block.compute()
        yield x0, np.asarray(block)


@dataclass(frozen=True)
class CubeSummary:
    """Per-cube statistics gathered in one pass."""

    tic: np.ndarray  # (x, y): total ion count of every spectrum
    mean_spectrum: np.ndarray  # (mz,)
    max_spectrum: np.ndarray  # (mz,)


def summarize(cube: Any, block_bytes: int = DEFAULT_BLOCK_BYTES) -> CubeSummary:
    """TIC image, mean and max spectrum in one chunk-wise pass."""
    nx, ny, nmz = check_cube(cube)
    tic = np.zeros((nx, ny), dtype=np.float64)
    total = np.zeros(nmz, dtype=np.float64)
    top = np.full(nmz, -np.inf)
    for x0, block in row_blocks(cube, block_bytes):
        values = block.astype(np.float64, copy=False)
        tic[x0 : x0 + len(block)] = values.sum(axis=2)
        total += values.sum(axis=(0, 1))
        np.maximum(top, values.max(axis=(0, 1)), out=top)
    return CubeSummary(tic, total / (nx * ny), top)
