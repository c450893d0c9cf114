"""zarr-python and numcodecs decode every chunk through voxhub's bounded decoders.

voxhub reads most chunks itself (``chunkread``), but zarr-python reads the rest: sharded
arrays, imports, uploads, pyramids. Its codecs trust a chunk's bytes: a cut Blosc chunk
makes numcodecs read past it (other memory returned as voxels), and a few kB of Zstd or
gzip may decode to gigabytes. :func:`install` swaps in codecs that know the chunk's shape
and so the most it can hold (:mod:`voxhub.arrays.decodebounds`, :mod:`voxhub.arrays.bloscheck`):

- Zarr v3: the ``blosc``, ``zstd`` and ``gzip`` codecs, and the ``numcodecs.*``
  compressors (``zstd``, ``gzip``, ``zlib``, ``bz2``, ``lzma``, ``lz4``, ``blosc``),
  sharded or not;
- Zarr v2: a codec pipeline whose compressor step is bounded (numcodecs' ``decode`` is not
  told the chunk's shape), refusing compressors it cannot bound;
- numcodecs' own ``blosc`` (for code that decodes without zarr): the header is checked.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from typing import Any

import numcodecs
import zarr
from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec
from zarr.codecs import numcodecs as v3numcodecs
from zarr.codecs._v2 import V2Codec
from zarr.core.array_spec import ArraySpec
from zarr.core.buffer import Buffer, NDBuffer
from zarr.core.codec_pipeline import BatchedCodecPipeline
from zarr.core.dtype.common import HasItemSize
from zarr.core.metadata import ArrayMetadata, ArrayV2Metadata
from zarr.registry import register_codec, register_pipeline

from voxhub.arrays import decodebounds
from voxhub.arrays.bloscheck import check_blosc_header
from voxhub.arrays.errors import BadChunk

# What a chunk of a variable-size data type (strings) may decode to: its shape says nothing.
UNSIZED_CHUNK_BYTES = 256 * 2**20


def _chunk_bytes(spec: ArraySpec) -> int | None:
    """The bytes a chunk of ``spec`` holds decoded (None: a variable-size data type)."""
    if not isinstance(spec.dtype, HasItemSize):
        return None
    return math.prod(spec.shape) * spec.dtype.item_size


def _bound(spec: ArraySpec, widest: int = 1) -> int:
    """The most a compressor's output for a chunk of ``spec`` may be: the chunk's bytes
    (``widest`` times, when filters may narrow the data type first), with slack for the
    rare chains where another bytes codec (a checksum, a second compressor) sits between."""
    nbytes = _chunk_bytes(spec)
    if nbytes is None:
        return UNSIZED_CHUNK_BYTES
    nbytes *= widest
    return nbytes + nbytes // 8 + 4096


class _Bounded:
    """A Zarr v3 bytes-to-bytes compressor whose decodes are bounded by the chunk."""

    def _numcodec(self) -> Any:
        return self._codec  # type: ignore[attr-defined]  # zarr's numcodecs.* wrappers

    def _decode_sync(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> Buffer:
        raw = chunk_bytes.as_numpy_array()
        decoded = decodebounds.decode(self._numcodec(), raw, _bound(chunk_spec))
        return chunk_spec.prototype.buffer.from_bytes(decoded)

    async def _decode_single(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> Buffer:
        return await asyncio.to_thread(self._decode_sync, chunk_bytes, chunk_spec)


class CheckedBloscCodec(_Bounded, BloscCodec):
    def _numcodec(self) -> Any:
        return self._blosc_codec


class CheckedZstdCodec(_Bounded, ZstdCodec):
    def _numcodec(self) -> Any:
        return self._zstd_codec


class CheckedGzipCodec(_Bounded, GzipCodec):
    def _numcodec(self) -> Any:
        return self._gzip_codec


class CheckedZstd(_Bounded, v3numcodecs.Zstd):
    pass


class CheckedGZip(_Bounded, v3numcodecs.GZip):
    pass


class CheckedZlib(_Bounded, v3numcodecs.Zlib):
    pass


class CheckedBZ2(_Bounded, v3numcodecs.BZ2):
    pass


class CheckedLZMA(_Bounded, v3numcodecs.LZMA):
    pass


class CheckedLZ4(_Bounded, v3numcodecs.LZ4):
    pass


class CheckedBlosc(_Bounded, v3numcodecs.Blosc):
    pass


class CheckedNumcodecsBlosc(numcodecs.Blosc):  # type: ignore[misc]
    """numcodecs' Blosc (looked up by id ``blosc``) with its header checked first."""

    codec_id = "blosc"

    def decode(self, buf: Any, out: Any = None) -> Any:
        check_blosc_header(buf, None if out is None else memoryview(out).nbytes)
        return super().decode(buf, out)


class UnsafeCodec(BadChunk):
    """A Zarr v2 array whose filters would run code named by its chunks (``pickle``)."""

    code = "unsafe_codec"


# Unpickling a chunk runs whatever it names: a remote source or an upload could run code
# on the server. numcodecs refuses it by default since 0.16; voxhub refuses it whatever
# numcodecs' version or its opt-in environment variable say.
NEVER_DECODED = frozenset({"pickle"})


class CheckedV2Codec(V2Codec):
    """zarr-python's Zarr v2 codec, decompressing within the chunk's bound. Without filters
    a v2 chunk decodes to exactly its bytes; a filter may change the data type before the
    compressor (``AsType``), so then the bound is the widest such change (16 bytes from 1).
    Filters in ``NEVER_DECODED`` are refused."""

    async def _decode_single(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> NDBuffer:
        for codec in (*(self.filters or ()), self.compressor):
            name = getattr(codec, "codec_id", None)
            if name in NEVER_DECODED:
                raise UnsafeCodec(
                    f"chunks with the {name!r} codec are never decoded: "
                    "decoding them runs code the chunk names"
                )
        if self.compressor is None:
            return await super()._decode_single(chunk_bytes, chunk_spec)
        at_most = _bound(chunk_spec, 16 if self.filters else 1)
        raw = chunk_bytes.as_numpy_array()
        decoded = await asyncio.to_thread(decodebounds.decode, self.compressor, raw, at_most)
        plain = dataclasses.replace(self, compressor=None)
        return await plain._decode_single(chunk_spec.prototype.buffer.from_bytes(decoded),
                                          chunk_spec)  # fmt: skip


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


_V3_CODECS: dict[str, type] = {
    "blosc": CheckedBloscCodec,
    "zstd": CheckedZstdCodec,
    "gzip": CheckedGzipCodec,
    "numcodecs.zstd": CheckedZstd,
    "numcodecs.gzip": CheckedGZip,
    "numcodecs.zlib": CheckedZlib,
    "numcodecs.bz2": CheckedBZ2,
    "numcodecs.lzma": CheckedLZMA,
    "numcodecs.lz4": CheckedLZ4,
    "numcodecs.blosc": CheckedBlosc,
}


def install() -> None:
    """Make zarr-python and numcodecs decode with the bounded classes (idempotent; run
    when ``voxhub.arrays`` is imported)."""
    codecs = dict(zarr.config.get("codecs"))
    for name, cls in _V3_CODECS.items():
        register_codec(name, cls)
        codecs[name] = f"{__name__}.{cls.__name__}"
    register_pipeline(CheckedPipeline)
    zarr.config.set({"codecs": codecs, "codec_pipeline.path": f"{__name__}.CheckedPipeline"})
    numcodecs.register_codec(CheckedNumcodecsBlosc, "blosc")


__all__ = [
    "NEVER_DECODED",
    "UNSIZED_CHUNK_BYTES",
    "CheckedPipeline",
    "CheckedV2Codec",
    "UnsafeCodec",
    "install",
]
