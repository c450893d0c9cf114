"""Neuroglancer precomputed volumes read through a store that fetches objects itself.

A volume is an ``info`` JSON document (``data_type``, ``num_channels``,
``type`` and ``scales``: per scale a ``key``, ``size``, ``voxel_offset``,
``resolution``, ``chunk_sizes`` and ``encoding``, all x, y, z) and, per
scale, one object per chunk at ``<key>/<x0>-<x1>_<y0>-<y1>_<z0>-<z1>`` in
absolute voxel coordinates (the grid starts at ``voxel_offset``; edge
chunks are cut to the volume). A ``raw`` chunk is its voxels little-endian,
x fastest, then y, z and channel (Fortran order of x, y, z, c: C order of
c, z, y, x), possibly gzip-compressed as a whole (as uploaded with
``Content-Encoding: gzip``, or stored as gzip files). ``jpeg`` and ``png``
chunks are one image x wide and y·z high, one colour component per channel.

``compressed_segmentation`` chunks (uint32 or uint64 labels in blocks of
``compressed_segmentation_block_size``) are decoded by ``arrays.cseg``. A
scale with a ``sharding`` object keeps its chunks in shards
(``arrays.sharding``): each chunk is then found by byte ranges of its shard,
and is raw or gzip (``data_encoding``) around the scale's encoding.

``PrecomputedArray`` shows one scale as (c, z, y, x) with its origin at the
scale's ``voxel_offset``. Encodings voxhub cannot read (``jpegxl``) are
refused with a clear message by ``PrecomputedInfo.check_readable``.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from zarr.core.sync import sync

from voxhub.arrays import cseg, decodebounds
from voxhub.arrays.blocks import BlockArray
from voxhub.arrays.chunkread import ChunkSource
from voxhub.arrays.errors import BadMetadata
from voxhub.arrays.sharding import ShardingSpec, ShardReader, compressed_morton, inflate

DATA_TYPES = frozenset({"uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "float32"})
READ_ENCODINGS = frozenset({"raw", "jpeg", "png", "compressed_segmentation"})
KNOWN_ENCODINGS = READ_ENCODINGS | {"jpegxl"}
# Image encodings: (data types, channel counts) their images can hold.
IMAGE_KINDS = {"jpeg": (("uint8",), (1, 3)), "png": (("uint8", "uint16"), (1, 2, 3, 4))}
MAX_SIDE = 2**40  # voxels along one axis (as tensorstore's own bound on a domain)
MAX_CHANNELS = 4096
MAX_SCALES = 64
MAX_KEY = 256
SEGMENTATION_TYPES = ("uint32", "uint64")


def _triple(value: Any, what: str, kind: type = int) -> tuple[Any, Any, Any]:
    if not isinstance(value, list) or len(value) != 3:
        raise BadMetadata(f"precomputed {what} must be a list of 3 numbers (x, y, z)")
    try:
        x, y, z = (kind(v) for v in value)
    except (TypeError, ValueError):
        raise BadMetadata(f"precomputed {what} must be a list of 3 numbers (x, y, z)") from None
    if any(isinstance(v, bool) for v in value):
        raise BadMetadata(f"precomputed {what} must be a list of 3 numbers (x, y, z)")
    return x, y, z


@dataclass(frozen=True)
class PrecomputedScale:
    key: str
    size: tuple[int, int, int]  # x, y, z
    voxel_offset: tuple[int, int, int]
    resolution: tuple[float, float, float]  # nanometres
    chunk_size: tuple[int, int, int]
    encoding: str
    sharding: ShardingSpec | None = None
    block_size: tuple[int, int, int] | None = None  # compressed_segmentation's, x, y, z

    @property
    def sharded(self) -> bool:
        return self.sharding is not None

    @classmethod
    def parse(cls, document: Any) -> PrecomputedScale:
        if not isinstance(document, dict):
            raise BadMetadata("a precomputed scale must be a JSON object")
        key = document.get("key")
        if not isinstance(key, str) or not key or len(key) > MAX_KEY or ".." in key:
            raise BadMetadata(f"a precomputed scale key must be a short relative path: {key!r}")
        size = _triple(document.get("size"), f"scale {key} size")
        offset = _triple(document.get("voxel_offset", [0, 0, 0]), f"scale {key} voxel_offset")
        resolution = _triple(document.get("resolution"), f"scale {key} resolution", float)
        chunk_sizes = document.get("chunk_sizes")
        if not isinstance(chunk_sizes, list) or not chunk_sizes:
            raise BadMetadata(f"precomputed scale {key} has no chunk_sizes")
        chunk = _triple(chunk_sizes[0], f"scale {key} chunk size")
        if min(size) < 0 or max(size) > MAX_SIDE or max(map(abs, offset)) > MAX_SIDE:
            raise BadMetadata(f"precomputed scale {key}: size {list(size)} is out of bounds")
        if min(chunk) <= 0 or max(chunk) > MAX_SIDE:
            raise BadMetadata(f"precomputed scale {key}: chunk size {list(chunk)} is not a size")
        if not all(math.isfinite(r) and r > 0 for r in resolution):
            raise BadMetadata(f"precomputed scale {key}: resolution {list(resolution)}")
        encoding = document.get("encoding")
        if not isinstance(encoding, str):
            raise BadMetadata(f"precomputed scale {key} names no encoding")
        sharding = document.get("sharding")
        spec = ShardingSpec.parse(sharding) if sharding is not None else None
        block = None
        if encoding == "compressed_segmentation":
            block = _triple(document.get("compressed_segmentation_block_size"),
                            f"scale {key} compressed_segmentation_block_size")  # fmt: skip
            if min(block) <= 0 or math.prod(block) > math.prod(chunk):
                raise BadMetadata(f"precomputed scale {key}: compressed_segmentation block "
                                  f"size {list(block)} is not within a chunk")  # fmt: skip
        return cls(key, size, offset, resolution, chunk, encoding, spec, block)


@dataclass(frozen=True)
class PrecomputedInfo:
    """A volume's ``info`` document, checked and bounded as it is parsed."""

    data_type: str
    num_channels: int
    segmentation: bool
    scales: tuple[PrecomputedScale, ...]

    @classmethod
    def parse(cls, document: Any) -> PrecomputedInfo:
        if not isinstance(document, dict):
            raise BadMetadata("a precomputed info file must be a JSON object")
        kind = document.get("type", "image")
        if kind not in ("image", "segmentation"):
            raise BadMetadata(f"precomputed type {kind!r} is not a volume (image or segmentation)")
        data_type = document.get("data_type")
        if data_type not in DATA_TYPES:
            raise BadMetadata(f"precomputed data_type {data_type!r} is not one of "
                              f"{', '.join(sorted(DATA_TYPES))}")  # fmt: skip
        channels = document.get("num_channels", 1)
        if not isinstance(channels, int) or isinstance(channels, bool):
            raise BadMetadata("precomputed num_channels must be a whole number")
        if not 0 < channels <= MAX_CHANNELS:
            raise BadMetadata(f"precomputed num_channels {channels}: 1 to {MAX_CHANNELS}")
        scales = document.get("scales")
        if not isinstance(scales, list) or not 0 < len(scales) <= MAX_SCALES:
            raise BadMetadata(f"a precomputed info file lists 1 to {MAX_SCALES} scales")
        parsed = tuple(PrecomputedScale.parse(s) for s in scales)
        return cls(str(data_type), channels, kind == "segmentation", parsed)

    @classmethod
    def from_bytes(cls, raw: bytes) -> PrecomputedInfo:
        try:
            document = json.loads(raw)
        except ValueError:
            raise BadMetadata("the precomputed info file is not JSON") from None
        return cls.parse(document)

    def scale(self, key: str) -> PrecomputedScale:
        for scale in self.scales:
            if scale.key == key:
                return scale
        raise BadMetadata(f"the precomputed info file has no scale {key!r}")

    def check_readable(self, scale: PrecomputedScale) -> None:
        """Refuse, with the reason, a scale voxhub cannot read."""
        if scale.encoding not in READ_ENCODINGS:
            known = ", ".join(sorted(READ_ENCODINGS))
            raise BadMetadata(f"precomputed scale {scale.key} is {scale.encoding!r}-encoded; "
                              f"voxhub reads {known}")  # fmt: skip
        images = IMAGE_KINDS.get(scale.encoding)
        if images is not None and (
            self.data_type not in images[0] or self.num_channels not in images[1]
        ):
            raise BadMetadata(f"precomputed scale {scale.key}: {scale.encoding} chunks of "
                              f"{self.num_channels} {self.data_type} channels")  # fmt: skip
        if scale.encoding == "compressed_segmentation" and self.data_type not in SEGMENTATION_TYPES:
            raise BadMetadata(f"precomputed scale {scale.key}: compressed_segmentation holds "
                              f"uint32 or uint64, not {self.data_type}")  # fmt: skip


class PrecomputedArray(BlockArray):
    """One scale of a precomputed volume as (c, z, y, x), read-only."""

    kind = "Neuroglancer precomputed"

    def __init__(self, store: ChunkSource, info: PrecomputedInfo, scale: PrecomputedScale) -> None:
        info.check_readable(scale)
        x, y, z = scale.size
        cx, cy, cz = scale.chunk_size
        channels = info.num_channels
        super().__init__(
            store,
            (channels, z, y, x),
            (channels, min(cz, max(z, 1)), min(cy, max(y, 1)), min(cx, max(x, 1))),
            np.dtype(info.data_type).newbyteorder("<"),
            {"precomputed": {"key": scale.key, "encoding": scale.encoding}},
            ("c", "z", "y", "x"),
        )
        self.info, self.scale = info, scale
        self.grid = tuple(-(-n // c) for n, c in zip(scale.size, scale.chunk_size, strict=True))
        self._shards: ShardReader | None = None
        if scale.sharding is not None:
            # the sharded chunk's stored bytes: at most its encoded size, gzip or not
            most = 2 * _encoded_bound(scale, channels, self.dtype.itemsize) + 2**16
            self._shards = ShardReader(scale.sharding, store.fetch, most)
            self.shards = self.chunks  # sharded: whole-object prefetching does not apply,
            self.prefetch_block = self._prefetch_block  # but this, chunk by chunk, does

    async def fetch_block(self, coords: tuple[int, ...]) -> bytes | None:
        if self._shards is None:
            return await super().fetch_block(coords)
        _, iz, iy, ix = coords
        return await self._shards.chunk(compressed_morton((ix, iy, iz), self.grid))

    async def _prefetch_block(self, coords: tuple[int, ...], slots: asyncio.Semaphore) -> None:
        """Fetch a sharded chunk's index entries and bytes into the store's cache, counting
        each request in a burst's ``slots`` (see ``storage.prefetch``)."""
        assert self._shards is not None

        async def fetch(key: str, byte_range: tuple[int, int]) -> bytes | None:
            return await self.store.fetch(key, byte_range, slots=slots)

        _, iz, iy, ix = coords
        await self._shards.chunk(compressed_morton((ix, iy, iz), self.grid), fetch)

    def block_key(self, coords: tuple[int, ...]) -> str:
        _, iz, iy, ix = coords
        parts = []
        for index, chunk, start, size in zip(
            (ix, iy, iz), self.scale.chunk_size, self.scale.voxel_offset, self.scale.size,
            strict=True,
        ):  # fmt: skip
            low = start + index * chunk
            parts.append(f"{low}-{min(low + chunk, start + size)}")
        return "_".join(parts)

    def decode_block(self, raw: bytes, coords: tuple[int, ...]) -> np.ndarray:
        shape = self.block_shape(coords)
        scale = self.scale
        if scale.sharding is not None and scale.sharding.data_encoding == "gzip":
            most = _encoded_bound(scale, shape[0], self.dtype.itemsize)
            raw = inflate(raw, most, f"precomputed chunk {self.block_key(coords)}")
        if scale.encoding == "raw":
            expected = math.prod(shape) * self.dtype.itemsize
            full = (shape[0], *self.chunks[1:])
            if len(raw) != expected and raw[:2] == b"\x1f\x8b":
                raw = decodebounds.inflate(raw, math.prod(full) * self.dtype.itemsize)
            if len(raw) == math.prod(full) * self.dtype.itemsize != expected:
                # a writer may store edge chunks whole (the sharded spec allows it): cut here
                block = np.frombuffer(raw, dtype=self.dtype).reshape(full)
                return block[tuple(slice(0, n) for n in shape)]
            if len(raw) != expected:
                raise BadMetadata(f"precomputed chunk {self.block_key(coords)} holds "
                                  f"{len(raw)} bytes, not {expected}")  # fmt: skip
            return np.frombuffer(raw, dtype=self.dtype).reshape(shape)
        if scale.encoding == "compressed_segmentation":
            assert scale.block_size is not None  # parsed with the encoding
            _, z, y, x = shape
            if raw[:2] == b"\x1f\x8b":  # stored as gzip files (unsharded)
                most = _encoded_bound(scale, shape[0], self.dtype.itemsize)
                raw = decodebounds.inflate(raw, most)
            return cseg.decode(raw, (x, y, z), shape[0], scale.block_size, self.dtype)
        return self._image(raw, coords, shape)

    def _image(self, raw: bytes, coords: tuple[int, ...], shape: tuple[int, ...]) -> np.ndarray:
        from PIL import Image

        channels, z, y, x = shape
        try:
            image = Image.open(io.BytesIO(raw))
            width, height = image.size
            if (width, height) != (x, y * z):  # checked before the pixels are decoded
                raise BadMetadata(f"precomputed chunk {self.block_key(coords)} is a "
                                  f"{width}x{height} image, not {x}x{y * z}")  # fmt: skip
            pixels = np.asarray(image)
        except (OSError, ValueError, Image.DecompressionBombError):
            raise BadMetadata(f"precomputed chunk {self.block_key(coords)} is not a "
                              f"{self.scale.encoding} image") from None  # fmt: skip
        if pixels.ndim == 2:
            pixels = pixels[..., None]
        if pixels.shape[-1] != channels:
            raise BadMetadata(f"precomputed chunk {self.block_key(coords)} has "
                              f"{pixels.shape[-1]} colour components, not {channels}")  # fmt: skip
        block = pixels.astype(self.dtype, copy=False).reshape(z, y, x, channels)
        return block.transpose(3, 0, 1, 2)


def _encoded_bound(scale: PrecomputedScale, channels: int, itemsize: int) -> int:
    """The most bytes a chunk of ``scale`` can take encoded (compressed_segmentation at
    32 bits per voxel plus a label per voxel and the headers is the largest)."""
    voxels = math.prod(scale.chunk_size)
    if scale.block_size is None:
        return voxels * channels * itemsize
    block = math.prod(scale.block_size)
    blocks = math.prod(-(-c // b) for c, b in zip(scale.chunk_size, scale.block_size, strict=True))
    return 4 * channels * (1 + 2 * blocks + blocks * block * (1 + itemsize // 4))


def open_precomputed(store: ChunkSource, volume: ChunkSource, key: str) -> PrecomputedArray:
    """Scale ``key`` (its chunks in ``store``) of the volume whose ``info`` is in ``volume``."""
    raw = sync(volume.fetch("info"))
    if raw is None:
        raise FileNotFoundError("info")
    info = PrecomputedInfo.from_bytes(raw)
    return PrecomputedArray(store, info, info.scale(key))


__all__ = [
    "KNOWN_ENCODINGS",
    "PrecomputedArray",
    "PrecomputedInfo",
    "PrecomputedScale",
    "open_precomputed",
]
