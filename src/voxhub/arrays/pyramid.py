"""Write a dask array as a full multi-resolution layer, chunk by chunk.

Mag 1 is stored from the source array; every further mag is computed from the
previous one read back from disk, so each level's graph stays small and memory
stays bounded by (threads × one write unit), whatever the input size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import dask.array as da
import numpy as np
import zarr

from voxhub.arrays.downsample import REDUCERS, Method
from voxhub.arrays.layer import LayerLayout, create_layer
from voxhub.arrays.mag import Mag, pyramid_mags
from voxhub.arrays.progress import ProgressFn, compute_blocks


@dataclass(frozen=True)
class WrittenLayer:
    """What was written: enough to describe the layer in datasource properties."""

    name: str
    dtype: str
    channels: int
    shape_xyz: tuple[int, int, int]
    mags: tuple[Mag, ...]
    max_value: int | float


@lru_cache(maxsize=64)
def _open_target(path: str) -> zarr.Array:
    return zarr.open_array(store=path, mode="r+")


def _write_block(block: np.ndarray, target: str, block_info: dict | None = None) -> np.ndarray:
    """Write one block into its region of ``target``; return its maximum."""
    assert block_info is not None
    location = block_info[0]["array-location"]
    _open_target(target)[tuple(slice(a, b) for a, b in location)] = block
    peak = block.max() if block.size else 0
    return np.full((1,) * block.ndim, peak, dtype=block.dtype)


def _store(array: da.Array, target: Path, progress: ProgressFn | None) -> int | float:
    written = array.map_blocks(
        _write_block,
        str(target),
        chunks=(1,) * array.ndim,
        dtype=array.dtype,
        name=f"write-{target.name}-{array.name}",
    )
    maxima = compute_blocks(written, progress)
    return maxima.max().item() if maxima.size else 0


def _aligned(array: da.Array, unit_zyx: Sequence[int]) -> da.Array:
    """Rechunk so every block covers whole write units (never two writers per chunk)."""
    return array.rechunk((1, *unit_zyx))


def _downsampled(
    source: da.Array, factor_xyz: Sequence[int], method: Method, unit_zyx: Sequence[int]
) -> da.Array:
    fx, fy, fz = factor_xyz
    factor = (1, fz, fy, fx)
    blocks = source.rechunk((1, *(u * f for u, f in zip(unit_zyx, factor[1:], strict=True))))
    out_chunks = tuple(
        tuple(-(-c // f) for c in dim) for dim, f in zip(blocks.chunks, factor, strict=True)
    )
    reducer = REDUCERS[method]
    return blocks.map_blocks(reducer, factor, chunks=out_chunks, dtype=source.dtype)


def write_pyramid(
    data: da.Array,
    path: Path,
    *,
    name: str,
    voxel_size: Sequence[float],
    unit: str = "nanometer",
    method: Method = "mean",
    layout: LayerLayout = LayerLayout(),
    progress: ProgressFn | None = None,
) -> WrittenLayer:
    """Write ``data`` (c, z, y, x) and all its downsampled mags to a new group at ``path``."""
    if data.ndim != 4:
        raise ValueError(f"expected a (c, z, y, x) array, got {data.ndim} dimensions")
    channels, sz, sy, sx = (int(s) for s in data.shape)
    shape_xyz = (sx, sy, sz)
    chunk_xyz = tuple(reversed(layout.chunk_zyx))
    mags = pyramid_mags(voxel_size, shape_xyz, chunk_xyz)
    create_layer(
        path,
        name=name,
        dtype=data.dtype,
        channels=channels,
        shape_xyz=shape_xyz,
        mags=mags,
        voxel_size=voxel_size,
        unit=unit,
        layout=layout,
    )
    unit_zyx = layout.write_unit_zyx
    level_blocks = [_blocks_of(shape_xyz, m, unit_zyx, channels) for m in mags]
    total = sum(level_blocks)
    done_before = 0

    def level_progress(done: int, _total: int) -> None:
        if progress is not None:
            progress(done_before + done, total)

    max_value = _store(_aligned(data, unit_zyx), path / mags[0].to_layer_name(), level_progress)
    for previous, mag, blocks in zip(mags, mags[1:], level_blocks, strict=False):
        done_before += blocks
        source = da.from_zarr(str(path / previous.to_layer_name()))
        factor = mag / previous
        _store(
            _downsampled(source, factor, method, unit_zyx),
            path / mag.to_layer_name(),
            level_progress,
        )
    return WrittenLayer(name, str(data.dtype), channels, shape_xyz, tuple(mags), max_value)


def _blocks_of(shape_xyz: Sequence[int], mag: Mag, unit_zyx: Sequence[int], channels: int) -> int:
    sizes = [-(-s // m) for s, m in zip(shape_xyz, mag.to_list(), strict=True)]
    return channels * math.prod(-(-s // u) for s, u in zip(reversed(sizes), unit_zyx, strict=True))
