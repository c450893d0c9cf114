"""Blosc chunks are checked against their header before Blosc decodes them.

Blosc (numcodecs' bundled c-blosc 1) trusts the 16-byte header of a chunk: a chunk cut
short, or lying about its sizes, makes it read past the buffer — returning other memory
as voxels or crashing the process. Chunks come from remote servers and from uploads, so
every Blosc decode in voxhub goes through :func:`check_blosc_header`: voxhub's own chunk
reader, N5 blocks, and — through :func:`install` — zarr-python's ``blosc`` codec (Zarr v3,
sharded or not) and numcodecs' ``blosc`` compressor (Zarr v2).

A header also says how many bytes the chunk decodes to, and Blosc allocates that much
before it finds the rest is garbage: a forged header claiming ~4 GB costs ~4 GB. So each
decode is bounded by what the chunk can hold (its shape × item size), which the caller
knows: voxhub's readers pass it, and for zarr-python :func:`install` puts in a codec
pipeline whose Zarr v2 codec checks the header against the chunk before numcodecs sees it
(numcodecs' ``decode`` is not told the chunk's shape).
"""

from __future__ import annotations

import math
from typing import Any

import numcodecs
import numpy as np
import zarr
from numcodecs import blosc
from zarr.codecs import BloscCodec
from zarr.codecs._v2 import V2Codec
from zarr.core.array_spec import ArraySpec
from zarr.core.buffer import Buffer, NDBuffer
from zarr.core.codec_pipeline import BatchedCodecPipeline
from zarr.core.dtype.common import HasItemSize
from zarr.core.metadata import ArrayMetadata, ArrayV2Metadata
from zarr.registry import register_codec, register_pipeline

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


def _chunk_bytes(spec: ArraySpec) -> int | None:
    """The bytes a chunk of ``spec`` holds decoded (None: a variable-size data type)."""
    if not isinstance(spec.dtype, HasItemSize):
        return None
    return math.prod(spec.shape) * spec.dtype.item_size


class CheckedBlosc(numcodecs.Blosc):  # type: ignore[misc]
    """numcodecs' Blosc (the Zarr v2 ``blosc`` compressor) with checked decodes."""

    codec_id = "blosc"

    def decode(self, buf: Any, out: Any = None) -> Any:
        check_blosc_header(buf, None if out is None else memoryview(out).nbytes)
        return super().decode(buf, out)


class CheckedBloscCodec(BloscCodec):
    """zarr-python's ``blosc`` codec (Zarr v3) with checked decodes. For fixed-size data
    types a chunk may not claim to decode to much more than the chunk's bytes (the slack
    is for a compressor's stream, in the rare chains where one comes before Blosc)."""

    def _decode_sync(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> Buffer:
        nbytes = _chunk_bytes(chunk_spec)
        at_most = None if nbytes is None else nbytes + nbytes // 8 + 4096
        check_blosc_header(chunk_bytes.as_numpy_array(), at_most)
        return super()._decode_sync(chunk_bytes, chunk_spec)


class CheckedV2Codec(V2Codec):
    """zarr-python's Zarr v2 codec, whose Blosc compressor's header is checked against the
    chunk's size first. Without filters a v2 chunk decodes to exactly its bytes; a filter
    may change the data type before the compressor (``AsType``), so then the bound is
    the widest such change (16 bytes an item from 1)."""

    async def _decode_single(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> NDBuffer:
        nbytes = _chunk_bytes(chunk_spec)
        if isinstance(self.compressor, numcodecs.Blosc) and nbytes is not None:
            at_most = nbytes * 16 + 4096 if self.filters else nbytes
            check_blosc_header(chunk_bytes.as_numpy_array(), at_most)
        return await super()._decode_single(chunk_bytes, chunk_spec)


class CheckedPipeline(BatchedCodecPipeline):
    """zarr-python's codec pipeline, with ``CheckedV2Codec`` for Zarr v2 arrays (zarr asks
    the configured pipeline class for a v2 array's pipeline before building its own)."""

    @classmethod
    def from_array_metadata_and_store(cls, array_metadata: ArrayMetadata, store: Any) -> Any:
        if isinstance(array_metadata, ArrayV2Metadata):
            codec = CheckedV2Codec(filters=array_metadata.filters,
                                   compressor=array_metadata.compressor)  # fmt: skip
            return cls.from_codecs([codec])
        raise NotImplementedError  # zarr builds a v3 array's pipeline from its codecs


def install() -> None:
    """Make zarr-python and numcodecs decode ``blosc`` chunks with the checked classes
    (idempotent; run when ``voxhub.arrays`` is imported)."""
    register_codec("blosc", CheckedBloscCodec)
    register_pipeline(CheckedPipeline)
    zarr.config.set({
        "codecs.blosc": f"{__name__}.CheckedBloscCodec",
        "codec_pipeline.path": f"{__name__}.CheckedPipeline",
    })  # fmt: skip
    numcodecs.register_codec(CheckedBlosc, "blosc")


__all__ = [
    "BadBloscChunk",
    "CheckedBlosc",
    "CheckedBloscCodec",
    "CheckedPipeline",
    "CheckedV2Codec",
    "blosc_decompress",
    "check_blosc_header",
    "install",
]
