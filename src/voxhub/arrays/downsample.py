"""Block reductions for pyramids: mean for intensities, mode for labels.

Both work on one numpy block of shape (c, z, y, x) and a per-axis factor;
blocks are padded with their edge values when a size is not a multiple of the
factor, so the last voxel of an odd-sized axis is kept, as WEBKNOSSOS does.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Literal

import numpy as np

Method = Literal["mean", "mode", "stride"]


def _pad_to_multiple(block: np.ndarray, factor: tuple[int, ...]) -> np.ndarray:
    pad = [(0, (-size) % f) for size, f in zip(block.shape, factor, strict=True)]
    if any(after for _, after in pad):
        block = np.pad(block, pad, mode="edge")
    return block


def _grouped(block: np.ndarray, factor: tuple[int, ...]) -> np.ndarray:
    """Reshape to (..., n_i, f_i, ...) with the factor axes moved to the end."""
    block = _pad_to_multiple(block, factor)
    split: list[int] = []
    for size, f in zip(block.shape, factor, strict=True):
        split += [size // f, f]
    view = block.reshape(split)
    ndim = block.ndim
    order = [2 * i for i in range(ndim)] + [2 * i + 1 for i in range(ndim)]
    view = view.transpose(order)
    return view.reshape(view.shape[:ndim] + (-1,))


def _accumulator(dtype: np.dtype, terms: int) -> np.dtype:
    """The narrowest dtype that sums ``terms`` values of ``dtype`` exactly."""
    if np.issubdtype(dtype, np.unsignedinteger):
        for candidate in (np.uint16, np.uint32, np.uint64):
            if np.iinfo(candidate).max >= np.iinfo(dtype).max * terms:
                return np.dtype(candidate)
    if np.issubdtype(dtype, np.integer):
        return np.dtype(np.int64)
    return np.dtype(np.float64)


def mean_block(block: np.ndarray, factor: tuple[int, ...]) -> np.ndarray:
    """Group means; integers are summed exactly and rounded half up.

    Summing the strided views (one per offset inside the group) is ~10x faster
    than reducing a reshaped view over interleaved axes.
    """
    block = _pad_to_multiple(block, factor)
    count = math.prod(factor)
    wide = _accumulator(block.dtype, count)
    total: np.ndarray | None = None
    for offset in itertools.product(*(range(f) for f in factor)):
        part = block[tuple(slice(o, None, f) for o, f in zip(offset, factor, strict=True))]
        if total is None:
            total = part.astype(wide)
        else:
            np.add(total, part, out=total, casting="unsafe")
    assert total is not None
    if np.issubdtype(block.dtype, np.integer):
        return ((total + count // 2) // count).astype(block.dtype)
    return (total / count).astype(block.dtype)


def mode_block(block: np.ndarray, factor: tuple[int, ...]) -> np.ndarray:
    """The most frequent value per group; ties go to the smallest value."""
    grouped = np.sort(_grouped(block, factor), axis=-1)
    n = grouped.shape[-1]
    if n == 1:
        return grouped[..., 0]
    best = grouped[..., 0].copy()
    best_count = np.zeros(best.shape, dtype=np.int32)
    for i in range(n):
        candidate = grouped[..., i]
        count = (grouped == candidate[..., None]).sum(axis=-1, dtype=np.int32)
        better = count > best_count
        best[better] = candidate[better]
        best_count[better] = count[better]
    return best


def stride_block(block: np.ndarray, factor: tuple[int, ...]) -> np.ndarray:
    return block[tuple(slice(None, None, f) for f in factor)]


REDUCERS: dict[str, Callable[[np.ndarray, tuple[int, ...]], np.ndarray]] = {
    "mean": mean_block,
    "mode": mode_block,
    "stride": stride_block,
}


def default_method(category: str) -> Method:
    """Intensity layers are averaged; label layers never get invented ids."""
    return "mode" if category == "segmentation" else "mean"
