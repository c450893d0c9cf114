"""Decoders that never produce more bytes than a chunk can hold.

A compressed chunk is small; what it decodes to need not be. 8 kB of Zstd holds 256 MB of
zeros, 256 kB of gzip holds 256 MB, and a Zstd frame may simply *declare* 4 GB, which
numcodecs allocates before it finds out. Chunks come from remote sources and uploads, so
every decode in voxhub is told the most the chunk may hold (its shape × item size, which
the caller knows) and stops one byte past it with :class:`OversizedChunk` — before that
memory is spent, not after.

- Zstd: a declared content size is checked against the bound, and numcodecs decodes into
  a buffer of that size (and fails on more); a frame that declares none is streamed
  through ``zstandard``'s reader and cut at the bound.
- gzip, zlib, bz2, lzma: the standard library's incremental decompressors with
  ``max_length``, one stream after another as their one-shot functions read them.
- LZ4 (numcodecs' framing): its 4-byte size header is checked against the bound.
- Blosc: :mod:`voxhub.arrays.bloscheck`.

:func:`decode` takes a numcodecs codec and decodes with these; a compressor it does not
know is refused, since nothing bounds what it may allocate.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import zstandard
from numcodecs import Zstd

from voxhub.arrays.bloscheck import blosc_decompress
from voxhub.arrays.errors import BadChunk

_ZSTD = Zstd()
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_GZIP_OR_ZLIB = 47  # wbits: either header, told apart by its magic
_GZIP = 31
# The most a decoder may keep for itself (a Zstd window, an LZMA dictionary): the
# libraries' own default ceiling for Zstd, the largest xz preset's needs for LZMA.
DECODER_MEMORY = 128 * 2**20


class OversizedChunk(BadChunk, ValueError):
    """A chunk that decodes (or says it decodes) to more bytes than the chunk can hold."""


class UnboundedCodec(BadChunk):
    """A chunk compressed with a codec whose output voxhub cannot bound before decoding."""

    code = "unsupported_codec"


def _oversized(at_most: int, what: str) -> OversizedChunk:
    return OversizedChunk(
        f"a {what} chunk that decodes to more than the {at_most} bytes it can hold"
    )


def zstd_content_size(raw: Any) -> int | None:
    """The decoded size a Zstandard frame's header declares (None: not declared)."""
    head = bytes(memoryview(raw).cast("B")[:18])
    if len(head) < 6 or head[:4] != _ZSTD_MAGIC:
        return None
    descriptor = head[4]
    single_segment = descriptor >> 5 & 1
    size_bytes = (single_segment, 2, 4, 8)[descriptor >> 6]
    at = 5 + (1 - single_segment) + (0, 1, 2, 4)[descriptor & 3]  # window, dictionary id
    if size_bytes == 0 or len(head) < at + size_bytes:
        return None
    size = int.from_bytes(head[at : at + size_bytes], "little")
    return size + 256 if size_bytes == 2 else size


def zstd_decode(raw: Any, at_most: int, out: np.ndarray | None = None) -> Any:
    """Zstandard ``raw`` decoded to at most ``at_most`` bytes (into ``out`` when it is
    given and the frame declares exactly its size)."""
    declared = zstd_content_size(raw)
    if declared is not None:
        if declared > at_most:
            raise OversizedChunk(
                f"a Zstd chunk that says it decodes to {declared} bytes, "
                f"at most {at_most} fit the chunk"
            )
        if out is None or declared != out.nbytes:
            # into a buffer of the declared size: without one, numcodecs decodes every
            # frame that follows the first, however large
            out = np.empty(declared, np.uint8)
        try:
            return _ZSTD.decode(raw, out=out)
        except (RuntimeError, ValueError) as exc:  # numcodecs' words for a frame that lies
            raise BadChunk(f"a Zstd chunk that cannot be decoded ({exc})") from None
    # No declared size (streaming writers): decode in steps, with a window (the decoder's
    # own buffer, the frame's choice) no larger than the output may be, or than 8 MB
    # (level 19's) for small chunks.
    window = min(DECODER_MEMORY, 1 << max(23, at_most.bit_length()))
    reader = zstandard.ZstdDecompressor(max_window_size=window).stream_reader(
        memoryview(raw).cast("B"), read_across_frames=True
    )
    try:
        return _read_bounded(reader.read, at_most, "Zstd")
    except zstandard.ZstdError as exc:
        raise BadChunk(f"a Zstd chunk that cannot be decoded ({exc})") from None


def _read_bounded(read: Callable[[int], bytes], at_most: int, what: str) -> bytes:
    pieces: list[bytes] = []
    left = at_most + 1
    while left > 0:
        piece = read(left)
        if not piece:
            return b"".join(pieces)
        pieces.append(piece)
        left -= len(piece)
    raise _oversized(at_most, what)


def _streams(make: Callable[[], Any], raw: Any, at_most: int, what: str, *, many: bool) -> bytes:
    """Decode ``raw`` with fresh decompressors from ``make``, one stream after the next
    (``many``) or just the first, stopping one byte past ``at_most``."""
    data, left = bytes(raw), at_most + 1
    pieces: list[bytes] = []
    while True:
        decoder = make()
        piece = decoder.decompress(data, left)
        pieces.append(piece)
        left -= len(piece)
        if left <= 0:
            raise _oversized(at_most, what)
        if not decoder.eof:
            raise BadChunk(f"a {what} chunk that ends before its stream does (cut short)")
        data = decoder.unused_data.lstrip(b"\0") if many else b""  # gzip pads with zeros
        if not data:
            return b"".join(pieces)


def inflate(raw: Any, at_most: int, wbits: int = _GZIP_OR_ZLIB) -> bytes:
    """A gzip (and, with the default ``wbits``, zlib) chunk inflated to at most ``at_most``."""
    try:
        return _streams(lambda: zlib.decompressobj(wbits), raw, at_most, "gzip", many=True)
    except zlib.error as exc:
        raise BadChunk(f"a gzip chunk that cannot be decoded ({exc})") from None


def _lzma(codec: Any) -> Callable[[], Any]:
    """LZMA decompressors whose dictionary (the stream's choice, up to 1.5 GB) is bounded."""
    if codec.format != lzma.FORMAT_RAW:
        return lambda: lzma.LZMADecompressor(codec.format, memlimit=DECODER_MEMORY)
    if any(f.get("dict_size", 0) > DECODER_MEMORY for f in codec.filters or ()):
        raise UnboundedCodec(f"raw LZMA with a dictionary over {DECODER_MEMORY} bytes")
    return lambda: lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=codec.filters)


def _lz4(raw: Any, at_most: int, codec: Any) -> Any:
    view = memoryview(raw).cast("B")
    declared = int.from_bytes(view[:4], "little") if len(view) >= 4 else 0
    if declared > at_most:
        raise OversizedChunk(
            f"an LZ4 chunk that says it decodes to {declared} bytes, at most {at_most} fit"
        )
    return codec.decode(raw)


# The compressors ``decode`` reads: those whose decoded size it can bound before decoding.
BOUNDED = frozenset({"blosc", "zstd", "gzip", "zlib", "bz2", "lzma", "lz4"})


def decode(codec: Any, raw: Any, at_most: int) -> Any:
    """``codec.decode(raw)`` (a numcodecs compressor) bounded to ``at_most`` bytes."""
    kind = getattr(codec, "codec_id", None)
    if kind == "blosc":
        return blosc_decompress(raw, at_most=at_most)
    if kind == "zstd":
        return zstd_decode(raw, at_most)
    try:
        if kind == "gzip":
            return inflate(raw, at_most, _GZIP)
        if kind == "zlib":
            return _streams(zlib.decompressobj, raw, at_most, "zlib", many=False)
        if kind == "bz2":
            return _streams(bz2.BZ2Decompressor, raw, at_most, "bz2", many=True)
        if kind == "lzma":
            return _streams(_lzma(codec), raw, at_most, "lzma", many=True)
    except (zlib.error, OSError, lzma.LZMAError) as exc:
        raise BadChunk(f"a {kind} chunk that cannot be decoded ({exc})") from None
    if kind == "lz4":
        return _lz4(raw, at_most, codec)
    raise UnboundedCodec(
        f"chunks compressed with {kind!r} are not read: voxhub reads "
        f"{', '.join(sorted(BOUNDED))}, whose decoded size it can bound before decoding"
    )


__all__ = [
    "BOUNDED",
    "OversizedChunk",
    "UnboundedCodec",
    "decode",
    "inflate",
    "zstd_content_size",
    "zstd_decode",
]
