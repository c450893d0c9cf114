"""N5 datasets read through a store that fetches objects itself (a remote layer's store).

An N5 dataset is ``attributes.json`` (``dimensions`` and ``blockSize``
fastest-first, ``dataType``, ``compression``) and one object per block at
``<i>/<j>/<k>`` (grid indices fastest-first). A block starts with a
big-endian header — mode (uint16), rank (uint16), the block's own size per
axis (uint32 each; edge blocks are cut to the array), an element count when
the mode is 1 — followed by the compressed big-endian elements, fastest axis
first. ``N5Array`` shows such a dataset slowest-first (as ``z, y, x``).
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable
from typing import Any

import numpy as np
from zarr.core.sync import sync

from voxhub.arrays.blocks import BlockArray
from voxhub.arrays.bloscheck import blosc_decompress
from voxhub.arrays.chunkread import ChunkSource
from voxhub.arrays.decodebounds import inflate, zstd_decode
from voxhub.arrays.errors import BadMetadata

# N5's "gzip" is gzip or (``useZlib``) zlib: ``inflate`` reads either header.
# Each is given the bytes the block may hold decoded and makes no more (see decodebounds).
N5_DECODERS: dict[str, Callable[[bytes, int], Any]] = {
    "raw": lambda data, _nbytes: bytes(data),
    "gzip": inflate,
    "zstd": zstd_decode,
    "blosc": lambda data, nbytes: blosc_decompress(data, at_most=nbytes),
}
N5_COMPRESSION = frozenset(N5_DECODERS)
N5_TYPES = frozenset(
    {"uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float32", "float64"}
)


class N5Array(BlockArray):
    """One N5 dataset, slowest axis first, read-only."""

    kind = "N5"

    def __init__(self, store: ChunkSource, attributes: dict[str, Any]) -> None:
        try:
            dimensions = [int(d) for d in attributes["dimensions"]]
            block = [int(b) for b in attributes["blockSize"]]
            data_type = str(attributes["dataType"])
            compression = attributes.get("compression") or {"type": "raw"}
            kind = str(compression.get("type", "raw"))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise BadMetadata("N5 attributes lack dimensions, blockSize or dataType") from None
        if data_type not in N5_TYPES:
            raise BadMetadata(f"N5 data type {data_type!r} cannot be read")
        if kind not in N5_COMPRESSION:
            known = ", ".join(sorted(N5_COMPRESSION))
            raise BadMetadata(f"N5 compression {kind!r} cannot be read (known: {known})")
        super().__init__(
            store,
            tuple(reversed(dimensions)),
            tuple(reversed(block)),
            np.dtype(data_type),
            {"n5": dict(attributes)},
        )
        self._decompress = N5_DECODERS[kind]

    def block_key(self, coords: tuple[int, ...]) -> str:
        return "/".join(str(c) for c in reversed(coords))  # N5 names blocks fastest axis first

    def decode_block(self, raw: bytes, coords: tuple[int, ...]) -> np.ndarray:
        """An N5 block, slowest axis first: its header gives its own (edge-cut) size."""
        rank = self.ndim
        header = 4 + 4 * rank
        if len(raw) < header:
            raise BadMetadata("an N5 block is shorter than its header")
        mode, ndim = struct.unpack(">HH", raw[:4])
        if mode not in (0, 1) or ndim != rank:
            raise BadMetadata(f"an N5 block of mode {mode} and rank {ndim} cannot be read")
        size = struct.unpack(f">{rank}I", raw[4:header])
        if any(s > c for s, c in zip(size, reversed(self.chunks), strict=True)):
            raise BadMetadata(f"an N5 block of size {list(size)} exceeds the block size")
        header += 4 if mode == 1 else 0
        # a block holds at most the block size (mode 1's element count is not trusted)
        data = self._decompress(raw[header:], math.prod(self.chunks) * self.dtype.itemsize)
        count = math.prod(size)
        block = np.frombuffer(data, dtype=self.dtype.newbyteorder(">"), count=count)
        return block.reshape(size[::-1])


def open_n5(store: Any) -> N5Array:
    """The N5 dataset at the root of ``store`` (``FileNotFoundError`` when there is none)."""
    raw = sync(store.fetch("attributes.json"))
    if raw is None:
        raise FileNotFoundError("attributes.json")
    try:
        attributes = json.loads(raw)
    except ValueError:
        raise BadMetadata("N5 attributes.json is not JSON") from None
    if not isinstance(attributes, dict) or "dimensions" not in attributes:
        raise BadMetadata("attributes.json describes no N5 dataset (no dimensions)")
    return N5Array(store, attributes)


__all__ = ["N5Array", "open_n5"]
