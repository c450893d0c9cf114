"""Arrays of a format zarr-python does not read, whose blocks voxhub fetches and decodes.

N5 datasets and Neuroglancer precomputed scales are each one object per
block, named and encoded their own way. A ``BlockArray`` subclass says only
that (``block_key`` and ``decode_block``); the rest — the part of zarr's
array surface voxhub's readers use (``shape``, ``dtype``, ``chunks``,
``oindex``, ``metadata.encode_chunk_key`` for prefetching) — is here, and
``chunkread`` fetches a read's blocks together and decodes them in threads,
as for Zarr arrays. Axes are slowest first, as voxhub shows every array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from voxhub.arrays.chunkread import ChunkSource, read_oindex
from voxhub.arrays.errors import BadMetadata, BadSelection

# A block is allocated whole when decoded (or filled when missing): no format may name
# blocks bigger than this, whatever its metadata says.
MAX_BLOCK_BYTES = 512 * 2**20
MAX_RANK = 8


@dataclass(frozen=True)
class BlockMetadata:
    """What readers ask of an array's metadata; ``to_dict`` is the source's own document."""

    document: dict[str, Any]
    chunks: tuple[int, ...]
    array: Any
    dimension_names: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.document)

    def encode_chunk_key(self, coords: tuple[int, ...]) -> str:
        return str(self.array.block_key(coords))


class _OIndex:
    def __init__(self, array: BlockArray) -> None:
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
            raise IndexError(f"a {self.array.kind} array cannot be indexed by {key!r}")
        return block


class BlockArray:
    """A read-only array over ``store`` (a ``ChunkSource``): blocks by key, decoded here."""

    kind = "block"
    fill_value = 0
    path = ""
    shards: tuple[int, ...] | None = None  # set when blocks are not one object each

    def __init__(
        self,
        store: ChunkSource,
        shape: tuple[int, ...],
        chunks: tuple[int, ...],
        dtype: np.dtype,
        document: dict[str, Any],
        dimension_names: tuple[str, ...] | None = None,
    ) -> None:
        if not 0 < len(shape) <= MAX_RANK or len(chunks) != len(shape):
            raise BadMetadata(f"{self.kind}: shape {shape} and block size {chunks} do not match")
        if min(shape) < 0 or min(chunks) <= 0:
            raise BadMetadata(f"{self.kind}: shape {shape} or block size {chunks} are not sizes")
        block_bytes = int(np.prod(chunks, dtype=np.float64)) * dtype.itemsize
        if block_bytes > MAX_BLOCK_BYTES:
            raise BadMetadata(
                f"{self.kind}: blocks of {list(chunks)} {dtype} hold {block_bytes} bytes; "
                f"at most {MAX_BLOCK_BYTES} are read"
            )
        self.store = store
        self.shape = shape
        self.chunks = chunks
        self.dtype = dtype
        self.ndim = len(shape)
        self.metadata = BlockMetadata(document, chunks, self, dimension_names)

    def block_key(self, coords: tuple[int, ...]) -> str:
        """The store key of the block at grid position ``coords`` (slowest axis first)."""
        raise NotImplementedError

    async def fetch_block(self, coords: tuple[int, ...]) -> bytes | None:
        """The stored bytes of the block at ``coords`` (``None`` when it is missing)."""
        return await self.store.fetch(self.block_key(coords))

    def decode_block(self, raw: bytes, coords: tuple[int, ...]) -> np.ndarray:
        """The block's voxels, slowest axis first; edge blocks may be cut to the array."""
        raise NotImplementedError

    def block_shape(self, coords: tuple[int, ...]) -> tuple[int, ...]:
        """The block at ``coords`` cut to the array's end."""
        return tuple(
            min(c, n - i * c) for i, c, n in zip(coords, self.chunks, self.shape, strict=True)
        )

    @property
    def oindex(self) -> _OIndex:
        return _OIndex(self)

    @property
    def vindex(self) -> Any:
        raise BadSelection(
            f"point selections are not supported on {self.kind} layers; select ranges"
        )

    def __getitem__(self, key: Any) -> np.ndarray:
        return self.oindex[key]


__all__ = ["BlockArray", "BlockMetadata", "MAX_BLOCK_BYTES"]
