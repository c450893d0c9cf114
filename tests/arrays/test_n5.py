"""N5 datasets written by tensorstore, served over HTTP, read through a RemoteStore."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorstore as ts
from tests.static_server import Traffic, static_server

from voxhub.arrays.errors import BadMetadata, BadSelection
from voxhub.arrays.n5 import N5Array, open_n5
from voxhub.storage import RemoteStore
from voxhub.storage.fetch import AllowedHosts

# z, y, x; blocks of 8x16x16 leave cut blocks at the far edge of every axis
DATA = np.random.default_rng(3).integers(0, 60000, (20, 37, 45)).astype(np.uint16)


def write_n5(path: Path, compression: dict, data: np.ndarray = DATA) -> None:
    array = ts.open(
        {"driver": "n5", "kvstore": {"driver": "file", "path": str(path)},
         "metadata": {"dimensions": list(data.shape[::-1]), "blockSize": [16, 16, 8],
                      "dataType": str(data.dtype), "compression": compression}},
        create=True,
    ).result()  # fmt: skip
    array[...] = data.T  # tensorstore indexes N5 fastest axis first


def remote(base: str, name: str) -> RemoteStore:
    return RemoteStore(f"{base}/{name}", allowed=AllowedHosts.parse([base.split("//", 1)[1]]))


@pytest.mark.parametrize(
    "compression",
    [{"type": "raw"}, {"type": "gzip"}, {"type": "gzip", "useZlib": True},
     {"type": "zstd"}, {"type": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1}],
    ids=["raw", "gzip", "zlib", "zstd", "blosc"],
)  # fmt: skip
def test_reads_equal_what_tensorstore_wrote(tmp_path: Path, compression: dict):
    write_n5(tmp_path / "v.n5", compression)
    traffic = Traffic()
    with static_server(tmp_path, delay=0.05, traffic=traffic) as base:
        store = remote(base, "v.n5")
        array = open_n5(store)
        assert array.shape == DATA.shape and array.chunks == (8, 16, 16)
        assert array.dtype == np.uint16
        assert np.array_equal(array[...], DATA)
        with pytest.raises(BadSelection):  # a 4xx on every surface, not an AttributeError
            array.vindex[[0, 1], [0, 1], [0, 1]]
        for key in [(slice(3, 19), slice(30, 37), slice(0, 45)), (4, slice(None), 44),
                    (slice(None), np.array([0, 15, 16, 36]), slice(40, 45))]:  # fmt: skip
            assert np.array_equal(array.oindex[key], DATA[np.ix_(*_expand(key))].squeeze())
        store.close()
    assert traffic.peak > 4  # the blocks of a read are fetched together


def _expand(key):
    out = []
    for k, n in zip(key, DATA.shape, strict=True):
        if isinstance(k, slice):
            out.append(np.arange(n)[k])
        else:
            out.append(np.atleast_1d(k))
    return out


def test_missing_blocks_read_as_zero_and_bad_attributes_are_refused(tmp_path: Path):
    write_n5(tmp_path / "v.n5", {"type": "gzip"})
    (tmp_path / "v.n5" / "1" / "0" / "1").unlink()  # x 16..31, y 0..15, z 8..15
    (tmp_path / "bad.n5").mkdir()
    (tmp_path / "bad.n5" / "attributes.json").write_text(
        '{"dimensions": [4, 4], "blockSize": [2, 2], "dataType": "uint8",'
        ' "compression": {"type": "xz"}}'
    )
    with static_server(tmp_path) as base:
        store = remote(base, "v.n5")
        got = open_n5(store)[...]
        with pytest.raises(BadMetadata, match="compression 'xz'"):
            open_n5(bad := remote(base, "bad.n5"))
        with pytest.raises(FileNotFoundError):
            open_n5(absent := remote(base, "absent.n5"))
        for opened in (store, bad, absent):
            opened.close()
    assert np.all(got[8:16, 0:16, 16:32] == 0)
    hole = np.zeros(DATA.shape, bool)
    hole[8:16, 0:16, 16:32] = True
    assert np.array_equal(got[~hole], DATA[~hole])


def test_attributes_that_are_not_an_array_are_refused():
    for attributes in ({"dimensions": [4, 4], "blockSize": [2]}, {"dimensions": "x"},
                       {"dimensions": [4], "blockSize": [0], "dataType": "uint8"},
                       {"dimensions": [4], "blockSize": [2], "dataType": "object"}):  # fmt: skip
        with pytest.raises(BadMetadata):
            N5Array(None, attributes)  # type: ignore[arg-type]
