"""The threaded chunk reader gives exactly what zarr's ``oindex`` gives, or declines."""

from __future__ import annotations

import numpy as np
import pytest
import zarr
from numcodecs import Blosc, Delta, GZip, Zstd
from tests.static_server import Traffic, static_server
from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

from voxhub.arrays.chunkread import fast_oindex
from voxhub.storage import RemoteStore
from voxhub.storage.fetch import AllowedHosts

DATA = np.random.default_rng(2).integers(0, 1000, (3, 40, 21, 17)).astype(np.uint16)


def make(path, zarr_format=3, **kwargs):
    options = {"chunks": (1, 8, 4, 5), "dtype": "uint16", "fill_value": 7, **kwargs}
    if zarr_format == 2:
        options.setdefault("chunk_key_encoding", {"name": "v2", "separator": "/"})
        options.setdefault("compressors", [Blosc(cname="lz4", clevel=5)])
    else:
        options.setdefault("compressors", [BloscCodec(cname="lz4", clevel=5)])
    array = zarr.create_array(str(path), shape=DATA.shape, zarr_format=zarr_format, **options)
    array[...] = DATA
    return array


KEYS = [
    (0, slice(None), slice(2, 19), slice(3, 16)),
    (slice(None), slice(5, 33), 4, slice(None)),
    (2, np.array([0, 3, 8, 9, 31, 39]), slice(0, 21), np.array([1, 2, 16])),
    (1, slice(0, 40), np.array([0, 20]), slice(4, 13)),
]


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
def test_reads_like_zarr(tmp_path, zarr_format, key):
    array = make(tmp_path / "a", zarr_format)
    got = fast_oindex(array, key)
    assert got is not None
    assert np.array_equal(got, array.oindex[key])
    assert got.flags.c_contiguous


def test_result_axis_order_and_missing_chunks_read_as_fill(tmp_path):
    array = make(tmp_path / "a")
    key = (0, slice(None), slice(0, 21), slice(0, 17))
    got = fast_oindex(array, key, axes=(1, 2, 0))
    assert got.flags.c_contiguous and np.array_equal(got, np.transpose(DATA[0], (1, 2, 0)))
    (tmp_path / "a" / "c" / "0" / "1" / "2" / "3").unlink()  # chunk (z 8..15, y 8..11, x 15..16)
    hole = fast_oindex(array, key)
    assert np.all(hole[8:16, 8:12, 15:17] == 7)
    assert np.array_equal(hole[:8], DATA[0, :8])


def test_declines_what_it_cannot_read(tmp_path):
    sharded = make(tmp_path / "s", shards=(1, 16, 8, 10))
    filtered = make(tmp_path / "f", zarr_format=2, filters=[Delta(dtype="u2")])
    blosc = make(tmp_path / "b")
    key = (0, slice(None), slice(None), slice(None))
    assert fast_oindex(sharded, key) is None
    assert fast_oindex(filtered, key) is None
    assert fast_oindex(blosc, (0, slice(None, None, 2), slice(None), slice(None))) is None
    assert fast_oindex(blosc, (0, 0, 0, slice(0, 5))) is None  # one chunk: zarr is as quick
    memory = zarr.create_array({}, shape=(40, 40), chunks=(4, 4), dtype="u2")
    assert fast_oindex(memory, (slice(None), slice(None))) is None


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_voxhubs_own_msi_arrays_take_the_fast_path(tmp_path, zarr_format):
    """Fails loudly (not silently slower) if a zarr upgrade makes the fast path decline."""
    from voxhub.arrays.msi.store import _create

    group = zarr.open_group(str(tmp_path / "cube.zarr"), mode="w", zarr_format=zarr_format)
    array = _create(group, "0", (1, 64, 12, 10), (1, 16, 4, 4), np.dtype("uint16"), zarr_format)
    cube = np.arange(array.size, dtype=np.uint16).reshape(array.shape)
    array[...] = cube
    key = (0, slice(None), slice(2, 11), np.array([1, 4, 9]))
    got = fast_oindex(array, key)
    assert got is not None, "the threaded reader no longer recognises voxhub's MSI arrays"
    assert np.array_equal(got, cube[0][:, 2:11][:, :, [1, 4, 9]])


def test_v3_arrays_with_v2_key_encoding(tmp_path):
    array = make(tmp_path / "a", chunk_key_encoding={"name": "v2", "separator": "."})
    key = (1, slice(None), slice(None), slice(None))
    assert np.array_equal(fast_oindex(array, key), DATA[1])


COMPRESSORS = {
    (2, "zstd"): Zstd(level=3),
    (2, "gzip"): GZip(),
    (3, "zstd"): ZstdCodec(),
    (3, "gzip"): GzipCodec(),
    (3, "blosc"): BloscCodec(cname="zstd"),
}


@pytest.mark.parametrize(("zarr_format", "codec"), list(COMPRESSORS), ids=str)
def test_zstd_and_gzip_chunks_read_like_zarr(tmp_path, zarr_format, codec):
    array = make(tmp_path / "a", zarr_format, compressors=[COMPRESSORS[zarr_format, codec]])
    for key in KEYS:
        got = fast_oindex(array, key)
        assert got is not None and np.array_equal(got, array.oindex[key])


@pytest.mark.parametrize(("zarr_format", "codec"), [(2, "zstd"), (3, "zstd"), (3, "blosc")])
def test_remote_chunks_are_fetched_together_and_read_like_zarr(tmp_path, zarr_format, codec):
    local = make(tmp_path / "a", zarr_format, compressors=[COMPRESSORS[zarr_format, codec]])
    missing = "c/0/1/2/3" if zarr_format == 3 else "0/1/2/3"
    (tmp_path / "a" / missing).unlink()  # a chunk never written: the fill value
    expected = local.oindex[(slice(None), slice(0, 40), slice(0, 21), slice(0, 17))]
    traffic = Traffic()
    with static_server(tmp_path, delay=0.1, traffic=traffic) as base:
        allowed = AllowedHosts.parse([base.split("//", 1)[1]])
        store = RemoteStore(f"{base}/a", allowed=allowed, concurrency=16)
        array = zarr.open_array(store=store, mode="r", zarr_format=zarr_format)
        for key in KEYS:
            got = fast_oindex(array, key)
            assert got is not None and np.array_equal(got, local.oindex[key])
        whole = fast_oindex(array, (slice(None), slice(0, 40), slice(0, 21), slice(0, 17)))
        store.close()
    assert np.array_equal(whole, expected)
    assert np.all(whole[0, 8:16, 8:12, 15:17] == 7) and not np.all(whole == 7)
    assert 8 <= traffic.peak <= 16, traffic.peak  # many chunks in flight, never more than allowed


@pytest.mark.parametrize("codec", ["zstd", "blosc"])
def test_a_chunk_that_decodes_short_fails_and_leaves_no_other_chunks_voxels(tmp_path, codec):
    """Chunks are decoded into a reused per-thread buffer only when their header claims
    exactly one chunk's bytes (checked by the codec): a chunk holding fewer bytes fails
    as before, whatever the buffer held from the chunk decoded before it."""
    compressor = ZstdCodec() if codec == "zstd" else BloscCodec(cname="lz4")
    array = make(tmp_path / "a", compressors=[compressor])
    key = (slice(None), slice(None), slice(None), slice(None))
    assert np.array_equal(fast_oindex(array, key), DATA)  # the buffers now hold voxels
    short = (Zstd() if codec == "zstd" else Blosc(cname="lz4")).encode(np.zeros(10, np.uint16))
    (tmp_path / "a" / "c" / "1" / "2" / "1" / "1").write_bytes(short)
    with pytest.raises(ValueError):
        fast_oindex(array, key)


def test_a_cut_blosc_chunk_is_refused_before_blosc_reads_past_it(tmp_path):
    """Blosc trusts its header's sizes: a chunk cut short (or lying about its length) would
    make it read past the buffer, silently or crashing. Its length is checked first."""
    array = make(tmp_path / "a", compressors=[BloscCodec(cname="lz4")])
    chunk = tmp_path / "a" / "c" / "1" / "2" / "1" / "1"
    whole = chunk.read_bytes()
    for cut in (whole[: len(whole) // 2], whole[:-1], whole[:10], whole + b"\0"):
        chunk.write_bytes(cut)
        with pytest.raises(ValueError, match="Blosc chunk whose header"):
            fast_oindex(array, (slice(None),) * 4)
