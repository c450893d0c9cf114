"""N5 datasets read through a store that fetches objects itself (a remote layer's store).

An N5 dataset is ``attributes.json`` (``dimensions`` and ``blockSize``
fastest-first, ``dataType``, ``compression``) and one object per block at
``<i>/<j>/<k>`` (grid indices fastest-first). A block starts with a
big-endian header — mode (uint16), rank (uint16), the block's own size per
axis (uint32 each; edge blocks are cut to the array), an element count when
the mode is 1 — followed by the compressed big-endian elements, fastest axis
first. ``N5Array`` shows such a dataset slowest-first (as ``z, y, x``) with
the part of zarr's array surface voxhub's readers use (``shape``, ``dtype``,
``chunks``, ``oindex``); the blocks are fetched together and decoded in
threads by ``chunkread``, which knows the block layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from zarr.core.sync import sync

from voxhub.arrays.chunkread import ChunkSource, read_oindex
from voxhub.arrays.errors import BadMetadata, BadSelection

# What voxhub decodes: N5's compression types with a decoder here.
N5_COMPRESSION = frozenset({"raw", "gzip", "zstd", "blosc"})
N5_TYPES = frozenset(
    {"uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float32", "float64"}
)
MAX_RANK = 8


@dataclass(frozen=True)
class N5Metadata:
    """The dataset's attributes; ``to_dict`` marks them as N5 for ``chunkread``."""

    attributes: dict[str, Any]
    chunks: tuple[int, ...]
    dimension_names: None = None

    def to_dict(self) -> dict[str, Any]:
        return {"n5": self.attributes}

    def encode_chunk_key(self, coords: tuple[int, ...]) -> str:
        return "/".join(str(c) for c in reversed(coords))


class _OIndex:
    def __init__(self, array: N5Array) -> None:
        self.array = array

    def __getitem__(self, key: Any) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        dots = [i for i, k in enumerate(key) if k is Ellipsis]
        if dots:
            at = dots[0]
            key = key[:at] + (slice(None),) * (self.array.ndim - len(key) + 1) + key[at + 1 :]
        key = key + (slice(None),) * (self.array.ndim - len(key))
        block = read_oindex(self.array, key, min_chunks=0)
        if block is None:
            raise IndexError(f"an N5 dataset cannot be indexed by {key!r}")
        return block


class N5Array:
    """One N5 dataset, slowest axis first, read-only."""

    fill_value = 0
    path = ""
    shards = None

    def __init__(self, store: ChunkSource, attributes: dict[str, Any]) -> None:
        self.store = store
        try:
            dimensions = [int(d) for d in attributes["dimensions"]]
            block = [int(b) for b in attributes["blockSize"]]
            data_type = str(attributes["dataType"])
            compression = attributes.get("compression") or {"type": "raw"}
            kind = str(compression.get("type", "raw"))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise BadMetadata("N5 attributes lack dimensions, blockSize or dataType") from None
        if not 0 < len(dimensions) <= MAX_RANK or len(block) != len(dimensions):
            raise BadMetadata(f"N5 dimensions {dimensions} and blockSize {block} do not match")
        if min(dimensions) < 0 or min(block) <= 0:
            raise BadMetadata(f"N5 dimensions {dimensions} or blockSize {block} are not sizes")
        if data_type not in N5_TYPES:
            raise BadMetadata(f"N5 data type {data_type!r} cannot be read")
        if kind not in N5_COMPRESSION:
            known = ", ".join(sorted(N5_COMPRESSION))
            raise BadMetadata(f"N5 compression {kind!r} cannot be read (known: {known})")
        self.shape = tuple(reversed(dimensions))
        self.chunks = tuple(reversed(block))
        self.dtype = np.dtype(data_type)
        self.ndim = len(self.shape)
        self.metadata = N5Metadata(dict(attributes), self.chunks)

    @property
    def oindex(self) -> _OIndex:
        return _OIndex(self)

    @property
    def vindex(self) -> Any:
        raise BadSelection("point selections are not supported on N5 layers; select ranges")

    def __getitem__(self, key: Any) -> np.ndarray:
        return self.oindex[key]


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
