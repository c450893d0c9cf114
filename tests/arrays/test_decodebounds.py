"""Every decoder stops at the bytes a chunk can hold: bombs (a few kB that decode to
64 MB) and chunks that declare more than they may are refused without the memory being
spent, and ordinary chunks of every bounded codec decode as numcodecs decodes them."""

from __future__ import annotations

import bz2
import gzip
import lzma
import tracemalloc
import zlib

import numcodecs
import numpy as np
import pytest
import zstandard

from voxhub.arrays.decodebounds import (
    BOUNDED,
    OversizedChunk,
    UnboundedCodec,
    decode,
    inflate,
    zstd_content_size,
    zstd_decode,
)
from voxhub.arrays.errors import BadChunk

DATA = np.random.default_rng(1).integers(0, 40, 50_000, dtype=np.uint8).tobytes()
BOMB = 64 * 2**20  # what each bomb holds; the bound below is 1000x smaller
AT_MOST = 64 * 2**10


def bombs() -> dict[str, bytes]:
    """64 MB of zeros in each codec's framing (zstd twice: size declared, and streamed)."""
    zeros = bytes(BOMB)
    streamed = zstandard.ZstdCompressor(write_content_size=False).compressobj()
    return {
        "zstd": numcodecs.Zstd().encode(zeros),
        "zstd-streamed": streamed.compress(zeros) + streamed.flush(),
        "gzip": gzip.compress(zeros, 1),
        "zlib": zlib.compress(zeros, 1),
        "bz2": bz2.compress(zeros),
        "lzma": lzma.compress(zeros),
        "lz4": numcodecs.LZ4().encode(zeros),
        "blosc": numcodecs.Blosc("lz4").encode(zeros),
    }


BOMBS = bombs()


def codec_of(name: str) -> numcodecs.abc.Codec:
    return numcodecs.get_codec({"id": name.removesuffix("-streamed")})


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_bomb_is_refused_before_its_memory_is_spent(name):
    raw = BOMBS[name]
    assert len(raw) < BOMB // 100  # really a bomb
    tracemalloc.start()
    try:
        with pytest.raises(BadChunk, match=f"(more than the|at most) {AT_MOST}"):
            decode(codec_of(name), raw, AT_MOST)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, peak  # lzma's decoder keeps its 8 MB dictionary


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_chunks_decode_as_numcodecs_decodes_them_up_to_the_exact_bound(name):
    codec = codec_of(name)
    raw = BOMBS[name] if name == "zstd-streamed" else codec.encode(DATA)
    expected = bytes(codec.decode(raw))
    assert bytes(decode(codec, raw, len(expected))) == expected
    if name == "zstd-streamed":
        return  # the bomb itself: its exact bound is 64 MB
    assert expected == DATA
    with pytest.raises(BadChunk, match=str(len(DATA) - 1)):
        decode(codec, raw, len(DATA) - 1)


def test_a_streamed_zstd_frame_decodes_whole():
    writer = zstandard.ZstdCompressor(write_content_size=False).compressobj()
    raw = writer.compress(DATA) + writer.flush()
    assert zstd_content_size(raw) is None
    assert zstd_decode(raw, len(DATA)) == DATA
    with pytest.raises(OversizedChunk):
        zstd_decode(raw, len(DATA) - 1)


def test_a_small_frame_followed_by_a_big_one_stays_bounded():
    """numcodecs allocates what the first frame declares; more frames cannot overflow it."""
    raw = numcodecs.Zstd().encode(b"x" * 10) + BOMBS["zstd-streamed"]
    assert zstd_content_size(raw) == 10
    try:
        decoded = zstd_decode(raw, AT_MOST)
    except BadChunk:
        return
    assert len(decoded) <= AT_MOST


def test_a_zstd_frame_declaring_more_than_fits_is_refused_by_its_header():
    raw = numcodecs.Zstd().encode(DATA)
    assert zstd_content_size(raw) == len(DATA)
    with pytest.raises(OversizedChunk, match=f"says it decodes to {len(DATA)} bytes"):
        zstd_decode(raw, len(DATA) - 1)


def test_decoding_into_a_buffer_of_the_declared_size():
    out = np.empty(len(DATA), np.uint8)
    zstd_decode(numcodecs.Zstd().encode(DATA), len(DATA), out)
    assert out.tobytes() == DATA


def test_gzip_members_and_padding_read_as_the_gzip_module_reads_them():
    raw = gzip.compress(DATA[:1000]) + gzip.compress(DATA[1000:]) + bytes(7)
    assert gzip.decompress(raw) == DATA
    assert inflate(raw, len(DATA)) == DATA
    assert inflate(zlib.compress(DATA), len(DATA)) == DATA  # N5's useZlib


@pytest.mark.parametrize("name", ["zstd", "gzip", "zlib", "bz2", "lzma", "lz4", "blosc"])
def test_cut_and_garbage_chunks_are_bad_chunks(name):
    codec = codec_of(name)
    whole = codec.encode(DATA)
    for bad in (whole[: len(whole) // 2], b"\x00" * 64, bytes(range(200))):
        with pytest.raises((BadChunk, RuntimeError, ValueError)):
            # numcodecs' LZ4 raises RuntimeError itself on a cut block: chunk_faults maps it
            decode(codec, bad, len(DATA))


def test_a_compressor_that_cannot_be_bounded_is_refused():
    assert "delta" not in BOUNDED
    with pytest.raises(UnboundedCodec, match="'delta' are not read"):
        decode(numcodecs.Delta(dtype="u1"), DATA, len(DATA))
