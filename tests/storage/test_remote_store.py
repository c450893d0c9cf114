"""RemoteStore: zarr-python reads over HTTP through the guard, in parallel, cached, coalesced."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import zarr
from tests.static_server import Traffic, static_server
from zarr.abc.store import RangeByteRequest
from zarr.core.buffer import default_buffer_prototype

from voxhub.storage import ChunkCache, RemoteStore
from voxhub.storage.errors import UnsafePath
from voxhub.storage.fetch import AllowedHosts
from voxhub.storage.prefetch import prefetch

DATA = np.random.default_rng(5).integers(0, 255, (32, 64, 64), dtype=np.uint8)


def write(root: Path, zarr_format: int) -> None:
    array = zarr.create_array(
        str(root / "a.zarr"), shape=DATA.shape, chunks=(16, 16, 16), dtype="uint8",
        zarr_format=zarr_format,
    )  # fmt: skip
    array[...] = DATA


def store_for(base: str, **kwargs) -> RemoteStore:
    allowed = AllowedHosts.parse([urlsplit(base).netloc])
    return RemoteStore(f"{base}/a.zarr", allowed=allowed, **kwargs)


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_reads_the_remote_array(tmp_path: Path, zarr_format: int):
    write(tmp_path, zarr_format)
    with static_server(tmp_path) as base:
        array = zarr.open_array(store=store_for(base), mode="r", zarr_format=zarr_format)
        assert np.array_equal(array[...], DATA)
        assert np.array_equal(array[3:20, 10:50, 60:64], DATA[3:20, 10:50, 60:64])


def test_many_requests_in_flight_but_no_more_than_allowed(tmp_path: Path):
    write(tmp_path, 3)
    traffic = Traffic()
    with static_server(tmp_path, delay=0.2, traffic=traffic) as base:
        store = store_for(base, concurrency=8)
        with zarr.config.set({"async.concurrency": 64}):
            array = zarr.open_array(store=store, mode="r", zarr_format=3)
            assert np.array_equal(array[...], DATA)  # 32 chunks
    assert 4 <= traffic.peak <= 8, traffic.peak


def test_a_box_prefetch_is_one_burst_beyond_the_ordinary_bound(tmp_path: Path):
    write(tmp_path, 3)
    traffic = Traffic()
    with static_server(tmp_path, delay=0.3, traffic=traffic) as base:
        store = store_for(base, concurrency=4, burst=24, cache=ChunkCache(2**24))
        array = zarr.open_array(store=store, mode="r", zarr_format=3)
        assert prefetch(array, (slice(None), slice(None), slice(None))) == 32
        with zarr.config.set({"async.concurrency": 64}):
            assert np.array_equal(array[...], DATA)  # joins the burst's fetches
        assert prefetch(array, (slice(None), slice(None), slice(None))) == 0  # all cached
        store.close()
    assert 12 <= traffic.peak <= 24, traffic.peak  # more than 4, never more than the burst
    assert max(traffic.requests.values()) == 1  # every chunk fetched once


def test_two_readers_of_one_chunk_make_one_fetch(tmp_path: Path):
    write(tmp_path, 3)
    traffic = Traffic()
    with static_server(tmp_path, delay=0.2, traffic=traffic) as base:
        store = store_for(base)

        async def both():
            prototype = default_buffer_prototype()
            answers = await asyncio.gather(*(store.get("c/0/0/0", prototype) for _ in range(5)))
            await store.aclose()
            return answers

        answers = asyncio.run(both())
    assert len({a.to_bytes() for a in answers}) == 1
    assert traffic.requests["/a.zarr/c/0/0/0"] == 1
    assert store.stats.coalesced == 4 and store.stats.fetches == 1


def test_the_cache_answers_repeated_reads_and_stays_bounded(tmp_path: Path):
    write(tmp_path, 2)
    traffic = Traffic()
    cache = ChunkCache(64 * 1024)
    with static_server(tmp_path, traffic=traffic) as base:
        array = zarr.open_array(store=store_for(base, cache=cache), mode="r", zarr_format=2)
        array[0:16, 0:16, 0:16]
        fetched = sum(traffic.requests.values())
        assert np.array_equal(array[0:16, 0:16, 0:16], DATA[0:16, 0:16, 0:16])
        assert sum(traffic.requests.values()) == fetched  # all from the cache
        array[...]  # more than the cache holds
    assert 0 < cache.size <= 64 * 1024


def test_stores_with_other_credentials_share_no_cached_value(tmp_path: Path):
    write(tmp_path, 3)
    traffic = Traffic()
    cache = ChunkCache(2**20)
    with static_server(tmp_path, traffic=traffic) as base:
        for identity in ("credential-1", "credential-2", "credential-1"):
            store = store_for(base, cache=cache, identity=identity)
            zarr.open_array(store=store, mode="r", zarr_format=3)[0, 0, 0]
    assert traffic.requests["/a.zarr/c/0/0/0"] == 2


def test_loopback_is_refused_without_the_operators_allowance(tmp_path: Path):
    write(tmp_path, 3)
    with static_server(tmp_path) as base:
        store = RemoteStore(f"{base}/a.zarr")
        with pytest.raises(UnsafePath):
            zarr.open_array(store=store, mode="r", zarr_format=3)


def test_the_store_is_read_only(tmp_path: Path):
    write(tmp_path, 3)
    with static_server(tmp_path) as base:
        store = store_for(base)
        with pytest.raises(ValueError, match="read-only"):
            asyncio.run(store.set("x", default_buffer_prototype().buffer.from_bytes(b"1")))
        assert store.supports_writes is False and store.supports_listing is False


def test_ranges_are_exact_even_from_a_server_that_ignores_range(tmp_path: Path):
    """http.server answers 200 with the whole object to a Range request, as some servers do:
    the store cuts the range itself, so sharded arrays (read by ranges) stay correct."""
    array = zarr.create_array(
        str(tmp_path / "a.zarr"), shape=DATA.shape, chunks=(8, 16, 16), shards=(16, 32, 32),
        dtype="uint8",
    )  # fmt: skip
    array[...] = DATA
    with static_server(tmp_path) as base:
        store = store_for(base)
        remote = zarr.open_array(store=store, mode="r", zarr_format=3)
        assert np.array_equal(remote[0:8, 16:32, 0:16], DATA[0:8, 16:32, 0:16])  # one inner chunk
        assert np.array_equal(remote[...], DATA)
        whole = (tmp_path / "a.zarr" / "c" / "0" / "0" / "0").read_bytes()
        got = zarr.core.sync.sync(
            store.get("c/0/0/0", default_buffer_prototype(), RangeByteRequest(5, 17))
        )
        store.close()
    assert got.to_bytes() == whole[5:17]


def test_a_missing_chunk_answered_403_reads_as_the_fill_value_where_the_source_proved_it(
    tmp_path: Path,
):
    """S3 answers 403 for a missing key when the credentials may not list the bucket:
    the metadata still reads and a key that cannot exist is refused too, so a 403 is
    a missing chunk there."""
    write(tmp_path, 3)
    (tmp_path / "a.zarr" / "c" / "0" / "0" / "0").unlink()
    with static_server(tmp_path, missing=403) as base:
        array = zarr.open_array(store=store_for(base), mode="r", zarr_format=3)
        expected = DATA.copy()
        expected[:16, :16, :16] = 0
        assert np.array_equal(array[...], expected)


def test_a_refused_chunk_is_an_error_not_zeros(tmp_path: Path):
    """A source that answers 404 for missing keys but 403 for a chunk refuses access
    (wrong or insufficient credentials): the read fails, naming the refusal."""
    from voxhub.storage.fetch import RemoteRefused

    write(tmp_path, 3)
    with static_server(tmp_path, refused=["/a.zarr/c/0/"]) as base:
        array = zarr.open_array(store=store_for(base), mode="r", zarr_format=3)
        assert np.array_equal(array[16:, :, :], DATA[16:])  # the chunks it may read
        with pytest.raises(RemoteRefused, match=r"refused access \(403\)") as raised:
            array[...]
        assert raised.value.code == "remote_refused"


def test_credentials_refused_after_the_metadata_was_read_are_an_error(tmp_path: Path):
    """Everything refused once the array was opened (a revoked key, S3-style 403 for
    missing keys too): the metadata no longer reads, so a 403 is not a missing chunk."""
    from voxhub.storage.fetch import RemoteRefused

    write(tmp_path, 3)
    refused: list[str] = []
    with static_server(tmp_path, missing=403, refused=refused) as base:
        array = zarr.open_array(store=store_for(base), mode="r", zarr_format=3)
        refused.append("/")
        with pytest.raises(RemoteRefused):
            array[...]
