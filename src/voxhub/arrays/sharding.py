"""Neuroglancer's ``neuroglancer_uint64_sharded_v1`` format: where a chunk lies in a shard.

A sharded precomputed scale stores many chunks per object. A chunk's id (the
compressed Morton code of its grid position) is shifted right by
``preshift_bits`` and hashed (``identity`` or the low 64 bits of
MurmurHash3_x86_128 of its 8 little-endian bytes, seed 0); the hash's low
``minishard_bits`` pick a minishard, the next ``shard_bits`` the shard, the
object ``<hex shard number>.shard`` (zero-padded to ``ceil(shard_bits / 4)``
digits). A shard starts with its index: per minishard, the byte range
``[start, end)`` of its minishard index (uint64 little-endian, relative to
the end of the shard index). A minishard index (raw or gzip) is three
uint64 columns of n entries: chunk ids, chunk starts and chunk sizes, ids
and starts delta-encoded (a start counts from the end of the previous
chunk). A chunk's bytes are then raw or gzip (``data_encoding``) around the
scale's own ``encoding``.

Only byte ranges are read — one 16-byte shard-index entry, one minishard
index, one chunk — and every number read from the remote shard is checked
before it is used: a hostile shard gets a ``BadMetadata``, never a huge
allocation or a fetch past what the format allows.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mmh3
import numpy as np

from voxhub.arrays.errors import BadMetadata

SHARDED_TYPE = "neuroglancer_uint64_sharded_v1"
ENCODINGS = frozenset({"raw", "gzip"})
HASHES = frozenset({"identity", "murmurhash3_x86_128"})
MAX_MINISHARD_BITS = 32  # the shard index is 16 << minishard_bits bytes: read by entry
# A minishard index lists at most every chunk of the scale, 24 bytes each; past this it is
# refused before it is fetched or inflated (4 million chunks to one minishard).
MAX_MINISHARD_INDEX = 96 * 2**20
_MASK64 = (1 << 64) - 1
# Parsed minishard indexes kept per scale (each maps chunk id -> (offset, size)).
MINISHARD_CACHE = 256

Fetch = Callable[[str, tuple[int, int]], Awaitable[bytes | None]]


def _bits(document: dict[str, Any], name: str, most: int) -> int:
    value = document.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= most:
        raise BadMetadata(f"precomputed sharding {name} must be a whole number 0 to {most}")
    return value


@dataclass(frozen=True)
class ShardingSpec:
    """A scale's ``sharding`` object, checked."""

    preshift_bits: int
    hash: str
    minishard_bits: int
    shard_bits: int
    minishard_index_encoding: str
    data_encoding: str

    @classmethod
    def parse(cls, document: Any) -> ShardingSpec:
        if not isinstance(document, dict) or document.get("@type") != SHARDED_TYPE:
            raise BadMetadata(f"precomputed sharding must be a {SHARDED_TYPE} object")
        hashing = document.get("hash")
        if hashing not in HASHES:
            raise BadMetadata(f"precomputed sharding hash {hashing!r} is not one of "
                              f"{', '.join(sorted(HASHES))}")  # fmt: skip
        minishard = _bits(document, "minishard_bits", MAX_MINISHARD_BITS)
        spec = cls(
            _bits(document, "preshift_bits", 64), str(hashing), minishard,
            _bits(document, "shard_bits", 64 - minishard),
            str(document.get("minishard_index_encoding", "raw")),
            str(document.get("data_encoding", "raw")),
        )  # fmt: skip
        for name in ("minishard_index_encoding", "data_encoding"):
            if getattr(spec, name) not in ENCODINGS:
                raise BadMetadata(f"precomputed sharding {name} must be raw or gzip")
        return spec

    def hash_of(self, chunk_id: int) -> int:
        shifted = chunk_id >> self.preshift_bits
        if self.hash == "identity":
            return shifted
        digest = mmh3.hash_bytes(shifted.to_bytes(8, "little"), 0, x64arch=False)
        return int.from_bytes(digest[:8], "little")

    def locate(self, chunk_id: int) -> tuple[str, int]:
        """The shard object's name and the minishard number that hold ``chunk_id``."""
        hashed = self.hash_of(chunk_id)
        minishard = hashed & ((1 << self.minishard_bits) - 1)
        shard = (hashed >> self.minishard_bits) & ((1 << self.shard_bits) - 1)
        digits = -(-self.shard_bits // 4)
        return f"{shard:0{digits}x}.shard" if digits else "0.shard", minishard

    @property
    def index_bytes(self) -> int:
        return 16 << self.minishard_bits


def compressed_morton(position: Sequence[int], grid: Sequence[int]) -> int:
    """The chunk id of grid ``position`` (x, y, z) in a grid of ``grid`` chunks: the bits
    of the coordinates interleaved, x first, each axis giving only the bits its size needs."""
    widths = [max(0, (g - 1).bit_length()) for g in grid]
    code, out = 0, 0
    for bit in range(max(widths, default=0)):
        for value, width in zip(position, widths, strict=True):
            if bit < width:
                code |= ((value >> bit) & 1) << out
                out += 1
    return code


def inflate(raw: bytes, most: int, what: str) -> bytes:
    """``raw`` gunzipped, at most ``most`` bytes (a longer result is refused: no bombs)."""
    inflate = zlib.decompressobj(47)
    try:
        out = inflate.decompress(raw, most + 1)
    except zlib.error:
        raise BadMetadata(f"{what} is not valid gzip") from None
    if len(out) > most:
        raise BadMetadata(f"{what} inflates to more than {most} bytes")
    return out


def parse_minishard_index(raw: bytes, shard_data_size: int | None) -> dict[int, tuple[int, int]]:
    """chunk id -> (start, size) in bytes from the end of the shard index."""
    if len(raw) % 24:
        raise BadMetadata("a precomputed minishard index is not a whole number of entries")
    columns = np.frombuffer(raw, dtype="<u8").reshape(3, -1)
    # uint64 wraps on overflow where Python ints would not: sums are checked in Python ints
    ids = np.cumsum(columns[0], dtype=np.uint64)
    sizes = columns[2].astype(object)
    found: dict[int, tuple[int, int]] = {}
    end = 0
    for chunk_id, delta, size in zip(ids.tolist(), columns[1].tolist(), sizes, strict=True):
        start = end + delta
        end = start + int(size)
        if end > _MASK64 or (shard_data_size is not None and end > shard_data_size):
            raise BadMetadata("a precomputed minishard index points past its shard")
        found.setdefault(chunk_id, (start, int(size)))
    return found


class ShardReader:
    """Finds chunks in one scale's shards through ``fetch(key, (start, end))``.

    Parsed minishard indexes are kept (bounded LRU); the raw byte ranges are
    cached and coalesced by the store ``fetch`` goes through.
    """

    def __init__(self, spec: ShardingSpec, fetch: Fetch, max_chunk_bytes: int) -> None:
        self.spec = spec
        self.fetch = fetch
        self.max_chunk_bytes = max_chunk_bytes
        self._minishards: OrderedDict[tuple[str, int], dict[int, tuple[int, int]]] = OrderedDict()
        self._lock = threading.Lock()

    async def minishard(self, shard: str, minishard: int) -> dict[int, tuple[int, int]]:
        key = (shard, minishard)
        with self._lock:
            known = self._minishards.get(key)
            if known is not None:
                self._minishards.move_to_end(key)
                return known
        entry = await self.fetch(shard, (16 * minishard, 16 * minishard + 16))
        if entry is None:  # no shard: every chunk it would hold is missing
            return {}
        if len(entry) != 16:
            raise BadMetadata(f"precomputed shard {shard} is shorter than its index")
        start, end = (int(v) for v in np.frombuffer(entry, dtype="<u8"))
        if end < start or end - start > MAX_MINISHARD_INDEX:
            raise BadMetadata(f"precomputed shard {shard}: minishard index range "
                              f"{start}-{end} is not a bounded range")  # fmt: skip
        found: dict[int, tuple[int, int]] = {}
        if end > start:
            base = self.spec.index_bytes
            raw = await self.fetch(shard, (base + start, base + end))
            if raw is None or len(raw) != end - start:
                raise BadMetadata(f"precomputed shard {shard} is truncated (minishard index)")
            if self.spec.minishard_index_encoding == "gzip":
                raw = inflate(raw, MAX_MINISHARD_INDEX, f"precomputed shard {shard}'s index")
            found = parse_minishard_index(raw, None)
        with self._lock:
            self._minishards[key] = found
            while len(self._minishards) > MINISHARD_CACHE:
                self._minishards.popitem(last=False)
        return found

    async def chunk(self, chunk_id: int) -> bytes | None:
        """The chunk's stored bytes (still ``data_encoding``-encoded), ``None`` if absent."""
        shard, minishard = self.spec.locate(chunk_id)
        place = (await self.minishard(shard, minishard)).get(chunk_id)
        if place is None:
            return None
        start, size = place
        if size > self.max_chunk_bytes:
            raise BadMetadata(f"precomputed shard {shard}: chunk {chunk_id} is {size} bytes, "
                              f"more than {self.max_chunk_bytes}")  # fmt: skip
        base = self.spec.index_bytes + start
        raw = await self.fetch(shard, (base, base + size))
        if raw is None or len(raw) != size:
            raise BadMetadata(f"precomputed shard {shard} is truncated (chunk {chunk_id})")
        return raw


__all__ = [
    "ShardReader",
    "ShardingSpec",
    "compressed_morton",
    "inflate",
    "parse_minishard_index",
]
