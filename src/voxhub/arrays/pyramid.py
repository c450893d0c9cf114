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
from typing import Any

import dask.array as da
import numpy as np
import zarr

from voxhub.arrays.downsample import REDUCERS, Method
from voxhub.arrays.layer import LayerLayout, create_layer
from voxhub.arrays.mag import Mag, pyramid_mags
from voxhub.arrays.progress import ProgressFn, compute_blocks

BLOCK_BYTES = 32 * 2**20


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
def _open_target(path: str) -> zarr.Array[Any]:
    return zarr.open_array(store=path, mode="r+")


def source_band(layout: LayerLayout) -> int:
    """How many slices a source should deliver per task: mag-1 blocks cover two
    write units in z, since they also produce mag 2 (whose z factor is at most 2)."""
    return 2 * layout.write_unit_zyx[0]


@dataclass(frozen=True)
class _Next:
    """The next level, computed from each block while it is in memory."""

    path: str
    factor: tuple[int, int, int, int]
    method: Method


def _write_block(
    block: np.ndarray, target: str, then: _Next | None, block_info: dict[Any, Any] | None = None
) -> np.ndarray:
    """Write one block (and its downsampled copy) into place; return its maximum."""
    assert block_info is not None
    location = block_info[0]["array-location"]
    _open_target(target)[tuple(slice(a, b) for a, b in location)] = block
    if then is not None:
        reduced = REDUCERS[then.method](block, then.factor)
        starts = [a // f for (a, _), f in zip(location, then.factor, strict=True)]
        region = tuple(slice(s, s + n) for s, n in zip(starts, reduced.shape, strict=True))
        _open_target(then.path)[region] = reduced
    peak = block.max() if block.size else 0
    return np.full((1,) * block.ndim, peak, dtype=block.dtype)


def _store(
    array: da.Array, target: Path, progress: ProgressFn | None, then: _Next | None = None
) -> int | float:
    written = da.map_blocks(  # what array.map_blocks calls, with a signature mypy reads
        _write_block,
        array,
        str(target),
        then,
        chunks=(1,) * array.ndim,
        dtype=array.dtype,
        name=f"write-{target.name}-{array.name}",
    )
    maxima = compute_blocks(written, progress)
    return maxima.max().item() if maxima.size else 0


def block_zyx(
    shape_zyx: Sequence[int], unit_zyx: Sequence[int], itemsize: int, budget: int = BLOCK_BYTES
) -> tuple[int, int, int]:
    """A task's region: whole write units (never two writers per chunk), grown in x
    then y while within ``budget`` bytes, so zarr encodes many chunks per call
    instead of paying its per-call overhead for every chunk."""
    block = list(unit_zyx)
    for axis in (2, 1):
        limit = -(-shape_zyx[axis] // unit_zyx[axis]) * unit_zyx[axis]
        while block[axis] < limit:
            grown = list(block)
            grown[axis] = min(block[axis] * 2, limit)
            if math.prod(grown) * itemsize > budget:
                break
            block = grown
    return (block[0], block[1], block[2])


def _aligned(array: da.Array, block: Sequence[int]) -> da.Array:
    aligned: da.Array = array.rechunk((1, *block))
    return aligned


def _downsampled(
    source_path: Path, factor_xyz: Sequence[int], method: Method, block: Sequence[int]
) -> da.Array:
    fx, fy, fz = factor_xyz
    factor = (1, fz, fy, fx)
    # whole source regions per task: zarr decodes their chunks concurrently
    chunks = (1, *(b * f for b, f in zip(block, factor[1:], strict=True)))
    source = da.from_zarr(str(source_path), chunks=chunks)
    out_chunks = tuple(
        tuple(-(-c // f) for c in dim) for dim, f in zip(source.chunks, factor, strict=True)
    )
    reducer = REDUCERS[method]
    reduced: da.Array = source.map_blocks(reducer, factor, chunks=out_chunks, dtype=source.dtype)
    return reduced


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
    then: _Next | None = None
    base_unit = unit_zyx
    if len(mags) > 1:
        # mag 1 blocks also yield mag 2; sized so each mag-2 write unit has one writer
        fx, fy, fz = mags[1] / mags[0]
        then = _Next(str(path / mags[1].to_layer_name()), (1, fz, fy, fx), method)
        base_unit = (unit_zyx[0] * fz, unit_zyx[1] * fy, unit_zyx[2] * fx)
    first_block = block_zyx((sz, sy, sx), base_unit, data.dtype.itemsize)
    block = block_zyx((sz, sy, sx), unit_zyx, data.dtype.itemsize)
    level_blocks = [_blocks_of(shape_xyz, mags[0], first_block, channels)]
    level_blocks += [_blocks_of(shape_xyz, m, block, channels) for m in mags[2:]]
    total = sum(level_blocks)
    done_before = 0

    def level_progress(done: int, _total: int) -> None:
        if progress is not None:
            progress(done_before + done, total)

    first = _aligned(data, first_block)
    max_value = _store(first, path / mags[0].to_layer_name(), level_progress, then)
    for previous, mag, blocks in zip(mags[1:], mags[2:], level_blocks, strict=False):
        done_before += blocks
        source = path / previous.to_layer_name()
        downsampled = _downsampled(source, mag / previous, method, block)
        _store(downsampled, path / mag.to_layer_name(), level_progress)
    return WrittenLayer(name, str(data.dtype), channels, shape_xyz, tuple(mags), max_value)


def _blocks_of(shape_xyz: Sequence[int], mag: Mag, block_zyx: Sequence[int], channels: int) -> int:
    sizes = [-(-s // m) for s, m in zip(shape_xyz, mag.to_list(), strict=True)]
    return channels * math.prod(-(-s // b) for s, b in zip(reversed(sizes), block_zyx, strict=True))
