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
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mmh3
import numpy as np

from voxhub.arrays import decodebounds
from voxhub.arrays.errors import BadChunk, BadMetadata

SHARDED_TYPE = "neuroglancer_uint64_sharded_v1"
ENCODINGS = frozenset({"raw", "gzip"})
HASHES = frozenset({"identity", "murmurhash3_x86_128"})
MAX_MINISHARD_BITS = 32  # the shard index is 16 << minishard_bits bytes: read by entry
# A minishard index lists at most every chunk of the scale, 24 bytes each; past this it is
# refused before it is fetched or inflated (4 million chunks to one minishard).
MAX_MINISHARD_INDEX = 96 * 2**20
# Parsed minishard indexes kept per scale, by their size (24 bytes a chunk).
MINISHARD_CACHE_BYTES = 32 * 2**20

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
    try:
        return decodebounds.inflate(raw, most)
    except decodebounds.OversizedChunk:
        raise BadMetadata(f"{what} inflates to more than {most} bytes") from None
    except BadChunk:
        raise BadMetadata(f"{what} is not valid gzip") from None


@dataclass(frozen=True)
class MinishardIndex:
    """One minishard's chunks as sorted columns (24 bytes a chunk, not a dict entry each)."""

    ids: np.ndarray  # uint64, non-decreasing
    starts: np.ndarray  # uint64, bytes from the end of the shard index
    sizes: np.ndarray  # uint64

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.starts.nbytes + self.sizes.nbytes

    def find(self, chunk_id: int) -> tuple[int, int] | None:
        """(start, size) of ``chunk_id``'s first entry, ``None`` when the minishard lacks it."""
        at = int(np.searchsorted(self.ids, np.uint64(chunk_id), side="left"))
        if at == len(self.ids) or int(self.ids[at]) != chunk_id:
            return None
        return int(self.starts[at]), int(self.sizes[at])


EMPTY_MINISHARD = MinishardIndex(*(np.zeros(0, dtype=np.uint64) for _ in range(3)))


def parse_minishard_index(raw: bytes) -> MinishardIndex:
    """A minishard index's (chunk id, start, size) columns, delta-decoded and checked.

    Ids and starts are delta-encoded (a start counts from the end of the previous
    chunk). uint64 sums wrap silently, so every sum is checked for a wrap: ids must
    come out non-decreasing (lookups bisect them) and chunk ends must not wrap,
    whatever the remote shard says; a range past the shard's end is then a short read.
    """
    if len(raw) % 24:
        raise BadMetadata("a precomputed minishard index is not a whole number of entries")
    columns = np.frombuffer(raw, dtype="<u8").reshape(3, -1).astype(np.uint64)
    deltas, starts_delta, sizes = columns
    ids = np.cumsum(deltas, dtype=np.uint64)
    if len(ids) > 1 and bool((ids[1:] < ids[:-1]).any()):
        raise BadMetadata("a precomputed minishard index's chunk ids overflow")
    steps = starts_delta + sizes  # each chunk's end minus the previous chunk's end
    ends = np.cumsum(steps, dtype=np.uint64)
    wrapped = (steps < sizes).any() or (len(ends) > 1 and (ends[1:] < ends[:-1]).any())
    if bool(wrapped):
        raise BadMetadata("a precomputed minishard index points past its shard")
    return MinishardIndex(ids, ends - sizes, sizes.copy())


class ShardReader:
    """Finds chunks in one scale's shards through ``fetch(key, (start, end))``.

    Parsed minishard indexes are kept (an LRU bounded by their bytes); the raw
    byte ranges are cached and coalesced by the store ``fetch`` goes through.
    """

    def __init__(self, spec: ShardingSpec, fetch: Fetch, max_chunk_bytes: int) -> None:
        self.spec = spec
        self.fetch = fetch
        self.max_chunk_bytes = max_chunk_bytes
        self._minishards: OrderedDict[tuple[str, int], MinishardIndex] = OrderedDict()
        self._cached_bytes = 0
        self._lock = threading.Lock()

    async def minishard(
        self, shard: str, minishard: int, fetch: Fetch | None = None
    ) -> MinishardIndex:
        fetch = fetch or self.fetch
        key = (shard, minishard)
        with self._lock:
            known = self._minishards.get(key)
            if known is not None:
                self._minishards.move_to_end(key)
                return known
        entry = await fetch(shard, (16 * minishard, 16 * minishard + 16))
        if entry is None:  # no shard: every chunk it would hold is missing
            return EMPTY_MINISHARD
        if len(entry) != 16:
            raise BadMetadata(f"precomputed shard {shard} is shorter than its index")
        start, end = (int(v) for v in np.frombuffer(entry, dtype="<u8"))
        if end < start or end - start > MAX_MINISHARD_INDEX:
            raise BadMetadata(f"precomputed shard {shard}: minishard index range "
                              f"{start}-{end} is not a bounded range")  # fmt: skip
        found = EMPTY_MINISHARD
        if end > start:
            base = self.spec.index_bytes
            raw = await fetch(shard, (base + start, base + end))
            if raw is None or len(raw) != end - start:
                raise BadMetadata(f"precomputed shard {shard} is truncated (minishard index)")
            if self.spec.minishard_index_encoding == "gzip":
                raw = inflate(raw, MAX_MINISHARD_INDEX, f"precomputed shard {shard}'s index")
            found = parse_minishard_index(raw)
        with self._lock:
            if key not in self._minishards:
                self._minishards[key] = found
                self._cached_bytes += found.nbytes
            while self._cached_bytes > MINISHARD_CACHE_BYTES and len(self._minishards) > 1:
                self._cached_bytes -= self._minishards.popitem(last=False)[1].nbytes
        return found

    async def chunk(self, chunk_id: int, fetch: Fetch | None = None) -> bytes | None:
        """The chunk's stored bytes (still ``data_encoding``-encoded), ``None`` if absent
        (``fetch``: instead of the reader's own, e.g. to count in a burst's slots)."""
        fetch = fetch or self.fetch
        shard, minishard = self.spec.locate(chunk_id)
        place = (await self.minishard(shard, minishard, fetch)).find(chunk_id)
        if place is None:
            return None
        start, size = place
        if size > self.max_chunk_bytes:
            raise BadMetadata(f"precomputed shard {shard}: chunk {chunk_id} is {size} bytes, "
                              f"more than {self.max_chunk_bytes}")  # fmt: skip
        base = self.spec.index_bytes + start
        raw = await fetch(shard, (base, base + size))
        if raw is None or len(raw) != size:
            raise BadMetadata(f"precomputed shard {shard} is truncated (chunk {chunk_id})")
        return raw


__all__ = [
    "MinishardIndex",
    "ShardReader",
    "ShardingSpec",
    "compressed_morton",
    "inflate",
    "parse_minishard_index",
]
