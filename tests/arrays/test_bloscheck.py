"""Cut Blosc chunks read through zarr-python itself (Zarr v3 sharded and not, Zarr v2
with numcodecs' Blosc) fail with a clear error once voxhub is imported — not a crash,
not other memory returned as voxels. Each read runs in a subprocess, so a segfault
fails the test instead of killing pytest."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from numcodecs import Blosc
from numcodecs.checksum32 import CRC32C
from zarr.codecs import BloscCodec

from voxhub.arrays.bloscheck import BadBloscChunk, check_blosc_header
from voxhub.arrays.chunkread import fast_oindex
from voxhub.arrays.n5 import N5Array

N = 512
DATA = np.random.default_rng(0).integers(0, 2**32, (N, N), dtype=np.uint32)  # incompressible


def cut_shard_chunk(shard: Path, inner: int, keep: int) -> None:
    """Rewrite a shard (index at its end, crc32c) with its last inner chunk cut to ``keep``
    bytes and nothing after it but the index: what a hostile server could send."""
    raw = shard.read_bytes()
    size = inner * 16 + 4
    table = [struct.unpack_from("<QQ", raw, len(raw) - size + 16 * i) for i in range(inner)]
    table[-1] = (table[-1][0], keep)
    body, entries = b"", []
    for offset, length in table:  # (2**64 - 1, 2**64 - 1): an empty chunk
        entries.append((offset, length) if offset == 2**64 - 1 else (len(body), length))
        body += raw[offset : offset + length]
    index = b"".join(struct.pack("<QQ", *entry) for entry in entries)
    shard.write_bytes(body + bytes(CRC32C().encode(index)))


def write_cut(path: Path, kind: str, keep: int | None = 200) -> None:
    """An array holding DATA whose first chunk is cut to ``keep`` bytes (None: left whole)."""
    if kind == "v3-sharded":
        array = zarr.create_array(path, shape=DATA.shape, dtype=DATA.dtype, chunks=(N // 2, N),
                                  shards=(N, N), compressors=BloscCodec(cname="lz4"))  # fmt: skip
        array[:] = DATA
        if keep is not None:
            cut_shard_chunk(path / "c" / "0" / "0", 2, keep)
        return
    if kind == "v3":
        array = zarr.create_array(path, shape=DATA.shape, dtype=DATA.dtype, chunks=(N // 2, N),
                                  compressors=BloscCodec(cname="lz4"))  # fmt: skip
        chunk = path / "c" / "0" / "0"
    else:
        array = zarr.create_array(path, shape=DATA.shape, dtype=DATA.dtype, chunks=(N // 2, N),
                                  compressors=Blosc(cname="lz4"), zarr_format=2)  # fmt: skip
        chunk = path / "0.0"
    array[:] = DATA
    if keep is not None:
        chunk.write_bytes(chunk.read_bytes()[:keep])


READ = """
import sys, numpy as np, zarr
{prelude}
try:
    got = zarr.open_array(sys.argv[1], mode="r")[:]
except Exception as exc:
    print("REFUSED", type(exc).__name__, exc)
else:
    print("READ", int((got == np.load(sys.argv[2])).all()))
"""


def read_in_subprocess(path: Path, prelude: str) -> subprocess.CompletedProcess[str]:
    np.save(path.parent / "expected.npy", DATA)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    command = [sys.executable, "-c", READ.format(prelude=prelude), str(path),
               str(path.parent / "expected.npy")]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


KINDS = ["v3", "v3-sharded", "v2"]


@pytest.mark.parametrize("kind", KINDS)
def test_bare_zarr_python_is_not_safe_from_a_cut_chunk(tmp_path, kind):
    """The finding, kept as a witness: without voxhub's codecs, zarr-python decodes the
    cut chunk by reading past it — voxels that are not the data (or a crash)."""
    write_cut(tmp_path / "a.zarr", kind)
    done = read_in_subprocess(tmp_path / "a.zarr", "")
    assert done.returncode != 0 or "READ 0" in done.stdout or "RuntimeError" in done.stdout, (
        done.stdout + done.stderr
    )


@pytest.mark.parametrize("kind", KINDS)
def test_with_voxhub_a_cut_chunk_is_a_clear_error(tmp_path, kind):
    write_cut(tmp_path / "a.zarr", kind)
    done = read_in_subprocess(tmp_path / "a.zarr", "import voxhub.arrays")
    assert done.returncode == 0, done.stderr  # no crash
    assert done.stdout.startswith("REFUSED BadBloscChunk"), done.stdout
    assert "does not match its length" in done.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_whole_chunks_read_as_before(tmp_path, kind):
    import voxhub.arrays  # noqa: F401

    write_cut(tmp_path / "a.zarr", kind, keep=None)
    assert np.array_equal(zarr.open_array(tmp_path / "a.zarr", mode="r")[:], DATA)


def test_headers_that_lie_are_refused():
    whole = Blosc(cname="zstd", shuffle=Blosc.SHUFFLE).encode(np.arange(5000, dtype=np.uint16))
    check_blosc_header(whole)
    check_blosc_header(whole, at_most=10000)
    for bad in (whole[:10], whole[:-1], whole + b"\0"):
        with pytest.raises(BadBloscChunk):
            check_blosc_header(bad)
    with pytest.raises(BadBloscChunk, match="at most 9999"):
        check_blosc_header(whole, at_most=9999)
    forged = bytearray(whole)
    forged[8:12] = (1).to_bytes(4, "little")  # blocksize 1: a block table of 10000 entries
    with pytest.raises(BadBloscChunk, match="block table"):
        check_blosc_header(bytes(forged))
    forged = bytearray(whole)
    forged[16:20] = (len(whole) + 5).to_bytes(4, "little")  # the first block starts past the end
    with pytest.raises(BadBloscChunk, match="block starts"):
        check_blosc_header(bytes(forged))
    stored = bytearray(Blosc(cname="lz4").encode(DATA[:4]))  # incompressible: stored as is
    stored[4:8] = (10**6).to_bytes(4, "little")
    with pytest.raises(BadBloscChunk):
        check_blosc_header(bytes(stored))


def forge_size(chunk: Path, claimed: int = 0x7FF00000) -> None:
    """Rewrite a Blosc chunk's header to claim it decodes to ``claimed`` bytes (~2 GB, the
    most numcodecs takes), in one block: every other check of the header still passes."""
    raw = bytearray(chunk.read_bytes())
    raw[4:8] = claimed.to_bytes(4, "little")
    raw[8:12] = claimed.to_bytes(4, "little")
    chunk.write_bytes(bytes(raw))


def _forged(path: Path, kind: str) -> Any:
    """A 64 x 512 uint8 array of eight 64 x 64 Blosc chunks, the first one's header forged."""
    compressor = BloscCodec(cname="lz4") if kind == "v3" else Blosc(cname="lz4")
    version = 3 if kind == "v3" else 2
    array = zarr.create_array(path, shape=(64, 512), chunks=(64, 64), dtype=np.uint8,
                              compressors=compressor, zarr_format=version)  # fmt: skip
    array[:] = DATA[:64, :512].astype(np.uint8)
    forge_size(path / ("c/0/0" if kind == "v3" else "0.0"))
    return zarr.open_array(path, mode="r")


@pytest.mark.parametrize("kind", ["v2", "v3"])
@pytest.mark.parametrize("reader", ["zarr", "chunkread"])
def test_a_forged_decoded_size_is_refused_before_anything_is_allocated(tmp_path, kind, reader):
    """zarr-python itself (numcodecs' Blosc for v2, told no chunk shape) and voxhub's chunk
    reader bound the header's claim by the chunk (64 x 64 bytes; zarr's v3 codec with some
    slack): no 2 GB allocation (numcodecs made one before this check)."""
    array = _forged(tmp_path / "a.zarr", kind)
    tracemalloc.start()
    try:
        with pytest.raises(BadBloscChunk, match="decodes to 2146435072 bytes, at most"):
            if reader == "zarr":
                array[:, :64]
            else:
                fast_oindex(array, (slice(None), slice(None)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, peak


def test_a_forged_n5_block_is_refused_before_anything_is_allocated(tmp_path):
    array = _forged(tmp_path / "a.zarr", "v2")
    raw = (tmp_path / "a.zarr" / "0.0").read_bytes()
    block = struct.pack(">HH2I", 0, 2, 64, 64) + raw  # an N5 block header, then the chunk
    n5 = N5Array(array.store, {"dimensions": [512, 64], "blockSize": [64, 64],
                               "dataType": "uint8", "compression": {"type": "blosc"}})  # fmt: skip
    tracemalloc.start()
    try:
        with pytest.raises(BadBloscChunk, match="at most 4096 fit"):
            n5.decode_block(block, (0, 0))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, peak
