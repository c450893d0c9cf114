"""zarr-python, once voxhub is imported, decodes no chunk past what the chunk can hold:
a chunk that is a decompression bomb (a few kB holding 64 MB) is a clear ``BadChunk``
without the 64 MB being spent, for every compressor voxhub bounds, in Zarr v2 and v3,
sharded or not, through zarr itself and through voxhub's own chunk reader. Ordinary
arrays of each kind read as before."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numcodecs
import numpy as np
import pytest
import zarr
from numcodecs.checksum32 import CRC32C
from zarr.codecs import GzipCodec, ZstdCodec
from zarr.codecs import numcodecs as v3numcodecs

from voxhub.arrays.chunkread import read_oindex
from voxhub.arrays.errors import BadChunk

BOMB = bytes(64 * 2**20)
DATA = (np.arange(128 * 128) % 251).astype(np.uint8).reshape(128, 128)
# (zarr format, compressor for zarr.create_array, numcodecs codec that makes the bomb)
KINDS = {
    "v3-zstd": (3, ZstdCodec(), numcodecs.Zstd()),
    "v3-gzip": (3, GzipCodec(), numcodecs.GZip()),
    "v3-numcodecs.zlib": (3, v3numcodecs.Zlib(), numcodecs.Zlib()),
    "v3-numcodecs.lzma": (3, v3numcodecs.LZMA(), numcodecs.LZMA()),
    "v2-zstd": (2, numcodecs.Zstd(), numcodecs.Zstd()),
    "v2-gzip": (2, numcodecs.GZip(), numcodecs.GZip()),
    "v2-zlib": (2, numcodecs.Zlib(), numcodecs.Zlib()),
    "v2-bz2": (2, numcodecs.BZ2(), numcodecs.BZ2()),
    "v2-lzma": (2, numcodecs.LZMA(), numcodecs.LZMA()),
    "v2-lz4": (2, numcodecs.LZ4(), numcodecs.LZ4()),
}
# The kinds voxhub's own chunk reader decodes (it leaves the others to zarr).
CHUNKREAD = ["v3-zstd", "v3-gzip", "v2-zstd", "v2-gzip"]


def write(path: Path, kind: str, bomb: bool = True) -> Path:
    """A 128 x 128 uint8 array of four 64 x 64 chunks, the first one a bomb (or whole)."""
    version, compressor, maker = KINDS[kind]
    array = zarr.create_array(path, shape=DATA.shape, chunks=(64, 64), dtype=np.uint8,
                              compressors=compressor, zarr_format=version)  # fmt: skip
    array[:] = DATA
    if bomb:
        (path / ("c/0/0" if version == 3 else "0.0")).write_bytes(maker.encode(BOMB))
    return path


def write_sharded_bomb(path: Path) -> Path:
    """A sharded array whose first shard's one inner chunk is a Zstd bomb."""
    array = zarr.create_array(path, shape=DATA.shape, chunks=(64, 64), shards=(64, 64),
                              dtype=np.uint8, compressors=ZstdCodec())  # fmt: skip
    array[:] = DATA
    bomb = numcodecs.Zstd().encode(BOMB)
    index = struct.pack("<QQ", 0, len(bomb))
    (path / "c" / "0" / "0").write_bytes(bomb + index + bytes(CRC32C().encode(index)))
    return path


def peak_of(read) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(BadChunk, match="more than|at most"):
            read()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_bomb_read_through_zarr_is_refused_without_its_memory(tmp_path, kind):
    array = zarr.open_array(write(tmp_path / "a.zarr", kind), mode="r")
    assert peak_of(lambda: array[:64, :64]) < 16 * 2**20


@pytest.mark.parametrize("kind", CHUNKREAD)
def test_a_bomb_read_through_voxhubs_chunk_reader_is_refused(tmp_path, kind):
    array = zarr.open_array(write(tmp_path / "a.zarr", kind), mode="r")
    assert (
        peak_of(lambda: read_oindex(array, (slice(None), slice(None)), min_chunks=1)) < 16 * 2**20
    )


def test_a_bomb_inside_a_shard_is_refused(tmp_path):
    array = zarr.open_array(write_sharded_bomb(tmp_path / "a.zarr"), mode="r")
    assert peak_of(lambda: array[:]) < 16 * 2**20


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_whole_arrays_read_as_before(tmp_path, kind):
    array = zarr.open_array(write(tmp_path / "a.zarr", kind, bomb=False), mode="r")
    assert np.array_equal(array[:], DATA)
    ours = read_oindex(array, (slice(None), slice(None)), min_chunks=1)
    assert np.array_equal(ours, DATA) if kind in CHUNKREAD else ours is None


def test_a_compressor_voxhub_cannot_bound_is_refused_in_zarr_v2(tmp_path):
    path = tmp_path / "a.zarr"
    array = zarr.create_array(path, shape=(8,), chunks=(8,), dtype=np.uint8, zarr_format=2,
                              compressors=numcodecs.Delta(dtype="u1"))  # fmt: skip
    array[:] = np.arange(8, dtype=np.uint8)
    with pytest.raises(BadChunk, match="'delta' are not read"):
        zarr.open_array(path, mode="r")[:]


PEAK = """
import sys, tracemalloc, zarr
{prelude}
tracemalloc.start()
try:
    zarr.open_array(sys.argv[1], mode="r")[:64, :64]
except Exception as exc:
    print(type(exc).__name__, tracemalloc.get_traced_memory()[1])
else:
    print("READ", tracemalloc.get_traced_memory()[1])
"""


@pytest.mark.parametrize("kind", ["v3-zstd", "v2-gzip"])
def test_bare_zarr_python_spends_the_bombs_memory(tmp_path, kind):
    """The finding, kept as a witness: without voxhub's codecs zarr-python decodes the
    whole 64 MB before it finds the chunk is the wrong size; with them it does not."""
    path = write(tmp_path / "a.zarr", kind)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    peaks = {}
    for prelude in ("", "import voxhub.arrays"):
        command = [sys.executable, "-c", PEAK.format(prelude=prelude), str(path)]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        outcome, peak = done.stdout.split()
        peaks[prelude] = int(peak)
        assert outcome != "READ", done.stdout
    assert peaks[""] >= len(BOMB), peaks
    assert peaks["import voxhub.arrays"] < 16 * 2**20, peaks


class _RunsCode:
    """What a hostile chunk pickles: unpickling it calls ``Path.touch`` on a marker."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_pickled_chunk_is_never_unpickled_even_where_numcodecs_would(tmp_path, monkeypatch):
    """A v2 array of strings whose filters end in ``pickle``: numcodecs (>= 0.16) refuses
    it by default, but an older numcodecs or its opt-in variable would run the chunk's code;
    voxhub refuses it before numcodecs is asked."""
    import json
    import pickle

    from numcodecs import pickles

    marker = tmp_path / "ran"
    path = tmp_path / "a.zarr"
    path.mkdir()
    meta = {"zarr_format": 2, "shape": [4], "chunks": [4], "dtype": "|O", "compressor": None,
            "fill_value": None, "filters": [{"id": "vlen-utf8"}, {"id": "pickle"}],
            "order": "C"}  # fmt: skip
    (path / ".zarray").write_text(json.dumps(meta))
    (path / "0").write_bytes(pickle.dumps(_RunsCode(marker)))
    monkeypatch.setattr(pickles, "ALLOW_UNSAFE_PICKLE_DECODE", True, raising=False)
    with pytest.raises(BadChunk, match="'pickle' codec are never decoded"):
        zarr.open_array(path, mode="r")[:]
    assert not marker.exists()


TS_CODECS = {
    "v3-zstd": {"zarr_format": 3, "codec": {"name": "zstd", "configuration": {"level": 3}}},
    "v3-gzip": {"zarr_format": 3, "codec": {"name": "gzip", "configuration": {"level": 5}}},
    "v2-zstd": {"zarr_format": 2, "codec": {"id": "zstd", "level": 3}},
    "v2-zlib": {"zarr_format": 2, "codec": {"id": "zlib", "level": 5}},
}


@pytest.mark.parametrize("kind", sorted(TS_CODECS))
def test_arrays_tensorstore_wrote_read_the_same_through_the_bounded_codecs(tmp_path, kind):
    """Interop: tensorstore frames its own Zstd/gzip/zlib streams (the gzip one declares no
    size up front); zarr-python and voxhub's chunk reader read them voxel for voxel."""
    import tensorstore as ts

    data = (np.arange(64 * 128 * 128) % 65521).astype(np.uint16).reshape(64, 128, 128)
    path, how = str(tmp_path / "a.zarr"), TS_CODECS[kind]
    if how["zarr_format"] == 3:
        grid = {"name": "regular", "configuration": {"chunk_shape": [32, 64, 64]}}
        codecs = [{"name": "bytes", "configuration": {"endian": "little"}}, how["codec"]]
        metadata = {"shape": list(data.shape), "chunk_grid": grid, "data_type": "uint16",
                    "codecs": codecs}  # fmt: skip
        driver = "zarr3"
    else:
        metadata = {"shape": list(data.shape), "chunks": [32, 64, 64], "dtype": "<u2",
                    "compressor": how["codec"]}  # fmt: skip
        driver = "zarr"
    spec = {"driver": driver, "kvstore": {"driver": "file", "path": path},
            "metadata": metadata, "create": True}  # fmt: skip
    ts.open(spec).result().write(data).result()
    array = zarr.open_array(path, mode="r")
    assert np.array_equal(array[:], data)
    ours = read_oindex(array, (slice(None),) * 3, min_chunks=1)
    assert np.array_equal(ours, data) if kind in CHUNKREAD else ours is None
