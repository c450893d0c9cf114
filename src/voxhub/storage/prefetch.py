"""Box prefetch: put every chunk of a large remote box in flight at once."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from voxhub.storage._remote import RemoteStore


def prefetch(array: Any, key: tuple[Any, ...]) -> int:
    """Start fetching every chunk ``array[key]`` touches, all at once, and return.

    A reader that goes through a big box band by band would otherwise wait one
    round trip per band; this puts the whole box's requests in flight together
    (``burst`` at a time, in the order the bands will want them), as far as the
    cache can hold them (half of it, counting chunks at their uncompressed
    size). The band reads that follow join these fetches (coalescing) or find
    them cached, so decoding overlaps fetching. ``key`` holds ints and unit
    slices in stored order. A block array whose chunks lie in shards
    (``prefetch_block``) fetches each chunk's index and byte range the way its
    reads will. Returns how many chunks were put in flight (0 when the array is
    not remote, is a Zarr array with a sharding codec, or every chunk is cached
    already; a block array's chunks are all asked for).
    """
    store = getattr(array, "store", None)
    if not isinstance(store, RemoteStore):
        return 0
    by_block = getattr(array, "prefetch_block", None)
    if by_block is None and getattr(array, "shards", None) is not None:
        return 0
    meta = array.metadata
    grid = getattr(getattr(meta, "chunk_grid", None), "chunk_shape", None) or meta.chunks
    ranges = []
    for k, size, chunk in zip(key, array.shape, grid, strict=True):
        if isinstance(k, slice):
            start, stop, _ = k.indices(size)
            ranges.append(range(start // chunk, -(-stop // chunk)) if stop > start else range(0))
        else:
            ranges.append(range(int(k) // chunk, int(k) // chunk + 1))
    chunk_bytes = math.prod(grid) * np.dtype(array.dtype).itemsize
    most = max(1, store.cache.max_bytes // 2 // max(1, chunk_bytes))
    coords = list(itertools.islice(itertools.product(*ranges), most))
    if len(coords) < 2:
        return len(coords)
    if by_block is not None:
        store.start_reading(by_block, coords)
        return len(coords)
    return store.start_fetching(
        [f"{array.path}/{meta.encode_chunk_key(c)}".lstrip("/") for c in coords]
    )


__all__ = ["prefetch"]
