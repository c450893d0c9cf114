"""Neuroglancer's ``compressed_segmentation`` chunk encoding, decoded with numpy.

A chunk starts with one uint32 per channel: where (in 32-bit words from the
start) that channel's data begins. A channel's data is one 64-bit header per
block (blocks of ``block_size`` voxels, x fastest over the chunk's block
grid): the first word holds the lookup table's offset (low 24 bits) and the
bits per encoded value (high 8 bits: 0, 1, 2, 4, 8, 16 or 32), the second the
encoded values' offset, both in words from the channel's start. A block's
encoded values are indexes into its lookup table, one per voxel of the whole
block (x fastest), packed low bits first into little-endian words; the
lookup table holds uint32 or uint64 (two words, low first) labels.

Every block is decoded at once (the gathers are numpy's, so the GIL is free
most of the time), and every offset is checked against the chunk's length
before it is used: a hostile chunk is a ``BadMetadata``, never a read past
its end. The PyPI ``compressed-segmentation`` package decodes this too, but
its C++ decoder is given no input length and reads wherever the chunk's
offsets point, unchecked.
"""

from __future__ import annotations

import math

import numpy as np

from voxhub.arrays.errors import BadMetadata

WIDTHS = (0, 1, 2, 4, 8, 16, 32)
BATCH_VOXELS = 2**20  # voxels decoded per gather: bounds the temporaries to ~30 MB


def decode(
    raw: bytes,
    shape: tuple[int, int, int],
    channels: int,
    block_size: tuple[int, int, int],
    dtype: np.dtype,
) -> np.ndarray:
    """The (c, z, y, x) labels of a chunk of ``shape`` (x, y, z) encoded in ``raw``."""
    if dtype.itemsize not in (4, 8) or dtype.kind != "u":
        raise BadMetadata(f"compressed_segmentation holds uint32 or uint64, not {dtype}")
    if len(raw) % 4:
        raise BadMetadata("a compressed_segmentation chunk is not a whole number of words")
    words = np.frombuffer(raw, dtype="<u4")
    if len(words) < channels:
        raise BadMetadata("a compressed_segmentation chunk is shorter than its header")
    out = np.empty((channels, *shape[::-1]), dtype=dtype)
    for channel in range(channels):
        start = int(words[channel])
        out[channel] = _channel(words, start, shape, block_size, dtype)
    return out


def _channel(
    words: np.ndarray,
    start: int,
    shape: tuple[int, int, int],
    block_size: tuple[int, int, int],
    dtype: np.dtype,
) -> np.ndarray:
    grid = [-(-s // b) for s, b in zip(shape, block_size, strict=True)]
    blocks = math.prod(grid)
    if start + 2 * blocks > len(words):
        raise BadMetadata("a compressed_segmentation chunk is shorter than its block headers")
    headers = words[start : start + 2 * blocks].reshape(blocks, 2).astype(np.int64)
    table = (headers[:, 0] & 0xFFFFFF) + start
    bits = headers[:, 0] >> 24
    values = headers[:, 1] + start
    if not np.isin(bits, WIDTHS).all():
        raise BadMetadata("a compressed_segmentation block has an impossible bit width")
    voxels = math.prod(block_size)
    # the last word each block's encoded values reach (none for 0-bit blocks)
    last = values + (voxels * bits + 31) // 32 - 1
    if ((bits > 0) & ((values < start) | (last >= len(words)))).any():
        raise BadMetadata("a compressed_segmentation block's values lie outside the chunk")
    labels = np.empty((blocks, voxels), dtype=dtype)
    # a few blocks at a time: the gathers' index arrays are 8 bytes a voxel, so a whole
    # chunk at once would take several times the chunk's own size in temporaries
    step = max(1, BATCH_VOXELS // voxels)  # blocks a batch (parts of one, if it is bigger)
    part = min(voxels, BATCH_VOXELS)
    for width in np.unique(bits).tolist():  # at most 7 widths: one gather per batch each
        rows = np.flatnonzero(bits == width)
        for at in range(0, len(rows), step):
            batch = rows[at : at + step]
            for first in range(0, voxels, part):
                span = range(first, min(first + part, voxels))
                labels[batch, span.start : span.stop] = _lookup(
                    words, start, table[batch], values[batch], width, span, dtype
                )
    bx, by, bz = block_size
    gx, gy, gz = grid
    full = labels.reshape(gz, gy, gx, bz, by, bx).transpose(0, 3, 1, 4, 2, 5)
    full = full.reshape(gz * bz, gy * by, gx * bx)
    x, y, z = shape
    cut: np.ndarray = full[:z, :y, :x]
    return cut


def _lookup(
    words: np.ndarray,
    start: int,
    table: np.ndarray,
    values: np.ndarray,
    width: int,
    voxels: range,
    dtype: np.dtype,
) -> np.ndarray:
    """The labels of ``voxels`` of blocks whose values are ``width`` bits wide, every
    table entry checked to lie within the chunk."""
    if width == 0:
        index = np.zeros((len(table), len(voxels)), dtype=np.int64)
    else:
        position = np.arange(voxels.start, voxels.stop, dtype=np.int64) * width
        at = values[:, None] + (position >> 5)[None, :]
        shift = (position & 31).astype(np.uint32)
        mask = np.uint32((1 << width) - 1) if width < 32 else np.uint32(0xFFFFFFFF)
        index = ((words[at] >> shift[None, :]) & mask).astype(np.int64)
    # every block's table must hold its largest index (a table past the end is refused)
    wide = dtype.itemsize // 4
    top = index.max(axis=1)
    if ((table < start) | (table + (top + 1) * wide > len(words))).any():
        raise BadMetadata("a compressed_segmentation block's lookup table lies outside the chunk")
    entry = table[:, None] + index * wide
    if wide == 1:
        return words[entry]
    low = words[entry].astype(np.uint64)
    return low | (words[entry + 1].astype(np.uint64) << np.uint64(32))


__all__ = ["decode"]
