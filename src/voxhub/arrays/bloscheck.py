"""Blosc chunks are checked against their header before Blosc decodes them.

Blosc (numcodecs' bundled c-blosc 1) trusts the 16-byte header of a chunk: a chunk cut
short, or lying about its sizes, makes it read past the buffer — returning other memory
as voxels or crashing the process. Chunks come from remote servers and from uploads, so
every Blosc decode in voxhub goes through :func:`check_blosc_header`: voxhub's own chunk
reader, N5 blocks, and zarr-python's codecs (:mod:`voxhub.arrays.zarrcodecs`).

A header also says how many bytes the chunk decodes to, and Blosc allocates that much
before it finds the rest is garbage: a forged header claiming ~4 GB costs ~4 GB. So each
decode is bounded by what the chunk can hold (its shape × item size), which the caller
knows and passes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numcodecs import blosc

from voxhub.arrays.errors import BadChunk

_HEADER = 16
_MEMCPYED = 0x02  # flags: the data follows the header uncompressed


class BadBloscChunk(BadChunk, ValueError):
    """A Blosc chunk whose header does not match its bytes (cut short or forged)."""


def check_blosc_header(raw: Any, at_most: int | None = None) -> None:
    """Raise :class:`BadBloscChunk` unless ``raw``'s header agrees with its length: the
    compressed size is the buffer's, the block-start table fits in it and points into it,
    and the decoded size is at most ``at_most`` bytes (when the caller knows a bound)."""
    view = memoryview(raw).cast("B")
    size = len(view)
    if size < _HEADER:
        raise BadBloscChunk(f"a Blosc chunk whose header does not match its length ({size} bytes)")
    flags = view[2]
    decoded, blocksize, cbytes = (int.from_bytes(view[at : at + 4], "little") for at in (4, 8, 12))
    if cbytes != size:
        raise BadBloscChunk(
            f"a Blosc chunk whose header does not match its length "
            f"(it says {cbytes} bytes, {size} are there): cut short or corrupt"
        )
    if at_most is not None and decoded > at_most:
        raise BadBloscChunk(
            f"a Blosc chunk whose header does not match its length "
            f"(it says it decodes to {decoded} bytes, at most {at_most} fit the chunk)"
        )
    if flags & _MEMCPYED:
        if decoded + _HEADER != size:
            raise BadBloscChunk("a Blosc chunk whose header does not match its length (stored)")
        return
    if decoded == 0:
        return
    if blocksize <= 0:
        raise BadBloscChunk("a Blosc chunk whose header does not match its length (no blocks)")
    blocks = math.ceil(decoded / blocksize)
    table_end = _HEADER + 4 * blocks
    if table_end > size:
        raise BadBloscChunk("a Blosc chunk whose header does not match its length (block table)")
    starts = np.frombuffer(view, "<u4", blocks, _HEADER)
    if starts.size and (int(starts.min()) < table_end or int(starts.max()) >= size):
        raise BadBloscChunk("a Blosc chunk whose header does not match its length (block starts)")


def blosc_decompress(raw: bytes, out: np.ndarray | None = None, at_most: int | None = None) -> Any:
    """numcodecs' ``blosc.decompress`` of a checked chunk (into ``out`` if given), which
    may decode to at most ``at_most`` bytes (``out``'s size when given)."""
    check_blosc_header(raw, at_most if out is None else out.nbytes)
    return blosc.decompress(raw) if out is None else blosc.decompress(raw, out)


__all__ = ["BadBloscChunk", "blosc_decompress", "check_blosc_header"]
