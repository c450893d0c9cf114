"""Neuroglancer precomputed volumes written by tensorstore, served over HTTP, read by voxhub."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import tensorstore as ts
from tests.static_server import Traffic, static_server

from voxhub.arrays.errors import BadMetadata
from voxhub.arrays.precomputed import PrecomputedInfo, open_precomputed
from voxhub.storage import ChunkCache, RemoteStore
from voxhub.storage.fetch import AllowedHosts

# c, z, y, x; chunks of 16x16x8 (x, y, z) leave cut chunks at the far edge of every axis
DATA = np.random.default_rng(5).integers(0, 60000, (1, 20, 37, 45)).astype(np.uint16)


def write_precomputed(
    path: Path,
    data: np.ndarray = DATA,
    *,
    encoding: str = "raw",
    offset: tuple[int, int, int] = (0, 0, 0),
    resolution: tuple[float, float, float] = (4.0, 4.0, 40.0),
    kind: str = "image",
    extra: dict | None = None,
) -> None:
    """One scale of ``data`` (c, z, y, x) written by tensorstore (as x, y, z, channel)."""
    channels, z, y, x = data.shape
    store = ts.open(
        {"driver": "neuroglancer_precomputed", "kvstore": {"driver": "file", "path": str(path)},
         "multiscale_metadata": {"data_type": str(data.dtype), "num_channels": channels,
                                 "type": kind},
         "scale_metadata": {"size": [x, y, z], "resolution": list(resolution),
                            "encoding": encoding, "chunk_size": [16, 16, 8],
                            "voxel_offset": list(offset), **(extra or {})}},
        create=True, open=True,
    ).result()  # fmt: skip
    key = {"x": slice(offset[0], offset[0] + x), "y": slice(offset[1], offset[1] + y),
           "z": slice(offset[2], offset[2] + z)}  # fmt: skip
    store[key["x"], key["y"], key["z"], :] = data.transpose(3, 2, 1, 0)


def gzip_chunks(scale: Path) -> None:
    """Compress every chunk file in place, as volumes uploaded with gzip are stored."""
    for chunk in scale.iterdir():
        chunk.write_bytes(gzip.compress(chunk.read_bytes()))


def open_remote(base: str, volume: str, key: str, cache_bytes: int = 0):
    allowed = AllowedHosts.parse([base.split("//", 1)[1]])
    store = RemoteStore(f"{base}/{volume}/{key}", allowed=allowed, cache=ChunkCache(cache_bytes))
    info = RemoteStore(f"{base}/{volume}", allowed=allowed)
    return open_precomputed(store, info, key), (store, info)


def scale_key(path: Path) -> str:
    return json.loads((path / "info").read_text())["scales"][0]["key"]


def check_reads(array, data: np.ndarray) -> None:
    """The whole array, a box cut at the edges and a mixed int/slice key equal ``data``."""
    assert np.array_equal(array[...], data)
    for box in [(slice(None), slice(3, 19), slice(30, 37), slice(0, 45)),
                (0, 4, slice(None), 44)]:  # fmt: skip
        assert np.array_equal(array.oindex[box], data[box])


@pytest.mark.parametrize(
    ("encoding", "gzipped", "offset", "channels"),
    [("raw", False, (0, 0, 0), 1), ("raw", True, (0, 0, 0), 1), ("raw", False, (3, 5, 7), 2),
     ("png", False, (0, 0, 0), 1)],
    ids=["raw", "raw-gzip", "offset-2-channels", "png"],
)  # fmt: skip
def test_reads_equal_what_tensorstore_wrote(tmp_path, encoding, gzipped, offset, channels):
    data = np.concatenate([DATA] * channels) if channels > 1 else DATA
    if channels > 1:
        data[1] //= 3
    write_precomputed(tmp_path / "v", data, encoding=encoding, offset=offset)
    key = scale_key(tmp_path / "v")
    if gzipped:
        gzip_chunks(tmp_path / "v" / key)
    traffic = Traffic()
    with static_server(tmp_path, delay=0.05, traffic=traffic) as base:
        array, stores = open_remote(base, "v", key)
        assert array.shape == data.shape and array.chunks == (channels, 8, 16, 16)
        check_reads(array, data)
        for store in stores:
            store.close()
    assert traffic.peak > 4  # the chunks of a read are fetched together
    ranges = {p.rsplit("/", 1)[-1] for p in traffic.requests if p.startswith(f"/v/{key}/")}
    x, y, z = offset
    assert f"{x + 32}-{x + 45}_{y + 32}-{y + 37}_{z + 16}-{z + 20}" in ranges  # cut at the edge


def test_jpeg_reads_equal_what_tensorstore_reads(tmp_path):
    smooth = np.linspace(0, 250, 45, dtype=np.float64)[None, None, None, :]
    data = np.broadcast_to(smooth, (1, 20, 37, 45)).astype(np.uint8).copy()
    write_precomputed(tmp_path / "j", data, encoding="jpeg")
    expected = ts.open({"driver": "neuroglancer_precomputed",
                        "kvstore": {"driver": "file", "path": str(tmp_path / "j")}},
                       read=True).result()  # fmt: skip
    lossy = np.asarray(expected.read().result()).transpose(3, 2, 1, 0)
    with static_server(tmp_path) as base:
        array, stores = open_remote(base, "j", scale_key(tmp_path / "j"))
        assert np.array_equal(array[...], lossy)
        for store in stores:
            store.close()


def read_whole(tmp_path: Path, volume: str = "v") -> np.ndarray:
    """The first scale of ``tmp_path / volume`` read whole over HTTP."""
    with static_server(tmp_path) as base:
        array, stores = open_remote(base, volume, scale_key(tmp_path / volume))
        try:
            return array[...]
        finally:
            for store in stores:
                store.close()


def test_a_missing_chunk_reads_as_zero(tmp_path):
    write_precomputed(tmp_path / "v")
    key = scale_key(tmp_path / "v")
    (tmp_path / "v" / key / "0-16_0-16_0-8").unlink()
    got = read_whole(tmp_path)
    assert not got[0, :8, :16, :16].any()
    assert np.array_equal(got[0, 8:], DATA[0, 8:])


def test_a_corrupt_chunk_is_bad_metadata(tmp_path):
    write_precomputed(tmp_path / "v")
    key = scale_key(tmp_path / "v")
    (tmp_path / "v" / key / "0-16_0-16_0-8").write_bytes(b"short")
    with static_server(tmp_path) as base:
        array, stores = open_remote(base, "v", key)
        with pytest.raises(BadMetadata, match="holds 5 bytes"):
            array[0, :8, :16, :16]
        for store in stores:
            store.close()


def _info(**scale: object) -> dict:
    base = {"key": "4_4_40", "size": [45, 37, 20], "resolution": [4, 4, 40],
            "chunk_sizes": [[16, 16, 8]], "encoding": "raw", "voxel_offset": [0, 0, 0]}  # fmt: skip
    return {"type": "image", "data_type": "uint8", "num_channels": 1,
            "scales": [{**base, **scale}]}  # fmt: skip


@pytest.mark.parametrize(
    ("document", "message"),
    [([], "JSON object"),
     ({**_info(), "data_type": "complex64"}, "data_type"),
     ({**_info(), "num_channels": 10**9}, "num_channels"),
     ({**_info(), "scales": []}, "scales"),
     ({**_info(), "type": "mesh"}, "not a volume"),
     (_info(size=[2**50, 1, 1]), "out of bounds"),
     (_info(size=[1, 1]), "size must be a list of 3"),
     (_info(chunk_sizes=[[0, 16, 8]]), "not a size"),
     (_info(chunk_sizes=[]), "no chunk_sizes"),
     (_info(key="../../etc"), "relative path"),
     (_info(resolution=[4, "x", 40]), "resolution"),
     (_info(encoding=None), "no encoding")],
)  # fmt: skip
def test_malformed_info_is_refused_with_a_reason(document, message):
    with pytest.raises(BadMetadata, match=message):
        PrecomputedInfo.parse(document)


@pytest.mark.parametrize(
    ("scale", "message"),
    [({"encoding": "jpegxl"}, "'jpegxl'-encoded"),
     ({"sharding": {"@type": "neuroglancer_uint64_sharded_v1", "hash": "identity",
                    "preshift_bits": 0, "minishard_bits": 3, "shard_bits": 4}}, None),
     ({"encoding": "jpeg", "chunk_sizes": [[16, 16, 8]]}, None)],
)  # fmt: skip
def test_unread_encodings_are_refused_before_any_chunk(scale, message):
    info = PrecomputedInfo.parse(_info(**scale))
    if message is None:
        info.check_readable(info.scales[0])
        return
    with pytest.raises(BadMetadata, match=message):
        info.check_readable(info.scales[0])


def test_huge_chunks_are_refused_before_allocation():
    from voxhub.arrays.precomputed import PrecomputedArray

    info = PrecomputedInfo.parse(_info(size=[2**30, 2**30, 2**30],
                                       chunk_sizes=[[2**12, 2**12, 2**12]]))  # fmt: skip
    with pytest.raises(BadMetadata, match="at most"):
        PrecomputedArray(None, info, info.scales[0])  # type: ignore[arg-type]
