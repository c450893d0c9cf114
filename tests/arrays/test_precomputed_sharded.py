"""Sharded and compressed_segmentation precomputed volumes written by tensorstore, served
over HTTP (with Range), read by voxhub; hostile shards refused with a reason, bounded."""

from __future__ import annotations

import gzip
import json
import math
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from tests.arrays.test_precomputed import (
    DATA,
    check_reads,
    open_remote,
    read_whole,
    scale_key,
    write_precomputed,
)
from tests.static_server import Traffic, static_server

from voxhub.arrays import cseg
from voxhub.arrays.errors import BadMetadata
from voxhub.arrays.precomputed import PrecomputedInfo
from voxhub.arrays.sharding import (
    MAX_MINISHARD_INDEX,
    ShardingSpec,
    compressed_morton,
    parse_minishard_index,
)
from voxhub.storage import _remote
from voxhub.storage.prefetch import prefetch

# few labels per block, beyond 32 bits (as uint32: 5 to 13)
LABELS = (DATA // 7000).astype(np.uint64) * (2**33 + 1) + 5


def sharding(hashing: str = "identity", gz: bool = True, minishard_bits: int = 2) -> dict:
    encoding = "gzip" if gz else "raw"
    spec = {"@type": "neuroglancer_uint64_sharded_v1", "preshift_bits": 1, "hash": hashing,
            "minishard_bits": minishard_bits, "shard_bits": 2,
            "minishard_index_encoding": encoding, "data_encoding": encoding}  # fmt: skip
    return {"sharding": spec}


CSEG = {"compressed_segmentation_block_size": [8, 4, 2]}
CASES = {
    "sharded-raw-identity-gzip": (DATA, "raw", sharding()),
    "sharded-raw-murmur-plain": (DATA, "raw", sharding("murmurhash3_x86_128", gz=False)),
    "cseg-uint32": (LABELS.astype(np.uint32), "compressed_segmentation", CSEG),
    "cseg-uint64-2-channels": (np.concatenate([LABELS, LABELS[:, ::-1]]),
                               "compressed_segmentation", CSEG),
    "sharded-cseg-uint32": (LABELS.astype(np.uint32), "compressed_segmentation",
                            {**CSEG, **sharding("murmurhash3_x86_128")}),
    "sharded-cseg-uint64": (LABELS, "compressed_segmentation", {**CSEG, **sharding()}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_reads_equal_what_tensorstore_wrote(tmp_path, case):
    data, encoding, extra = CASES[case]
    write_precomputed(tmp_path / "v", data, encoding=encoding, offset=(3, 0, 1),
                      kind="segmentation", extra=extra)  # fmt: skip
    key = scale_key(tmp_path / "v")
    traffic = Traffic()
    with static_server(tmp_path, traffic=traffic) as base:
        array, stores = open_remote(base, "v", key)
        assert array.shape == data.shape and array.dtype == data.dtype
        check_reads(array, data)
        for store in stores:
            store.close()
    shard_gets = sum(n for p, n in traffic.requests.items() if p.endswith(".shard"))
    if "sharding" in extra:
        # only byte ranges of shards are read: index entries, minishard indexes, chunks
        assert shard_gets and traffic.ranged == shard_gets
    else:
        assert shard_gets == 0 and traffic.ranged == 0


def test_a_second_scale_and_a_jpeg_sharded_scale_read(tmp_path):
    smooth = np.linspace(0, 250, 45, dtype=np.float64)[None, None, None, :]
    data = np.broadcast_to(smooth, (1, 20, 37, 45)).astype(np.uint8).copy()
    write_precomputed(tmp_path / "v", data, encoding="jpeg", extra=sharding("murmurhash3_x86_128"))
    coarse = DATA[:, :, ::2, ::2].astype(np.uint8)
    write_precomputed(tmp_path / "v", coarse, resolution=(8.0, 8.0, 40.0), extra=sharding())
    info = json.loads((tmp_path / "v" / "info").read_text())
    fine, second = (s["key"] for s in info["scales"])
    with static_server(tmp_path) as base:
        array, stores = open_remote(base, "v", fine)
        assert np.abs(array[...].astype(int) - data).max() <= 8  # lossy, but these voxels
        other, more = open_remote(base, "v", second)
        assert np.array_equal(other[...], coarse)
        for store in (*stores, *more):
            store.close()


@pytest.mark.parametrize("batch", [1, 5, 64, 2**20])
def test_compressed_segmentation_decodes_the_same_in_any_batch_size(tmp_path, monkeypatch, batch):
    """Blocks are decoded a few (or part of one) at a time: the pieces join up exactly."""
    monkeypatch.setattr(cseg, "BATCH_VOXELS", batch)
    data = np.concatenate([LABELS, LABELS[:, ::-1]])
    write_precomputed(tmp_path / "v", data, encoding="compressed_segmentation",
                      kind="segmentation", extra=CSEG)  # fmt: skip
    with static_server(tmp_path) as base:
        array, stores = open_remote(base, "v", scale_key(tmp_path / "v"))
        assert np.array_equal(array[...], data)
        for store in stores:
            store.close()


@pytest.mark.parametrize("case", ["sharded-raw-murmur-plain", "sharded-cseg-uint64"])
def test_a_prefetch_puts_a_sharded_box_in_the_cache_before_it_is_read(tmp_path, case):
    """A box read of a sharded layer finds every index and chunk range already fetched."""
    data, encoding, extra = CASES[case]
    write_precomputed(tmp_path / "v", data, encoding=encoding, kind="segmentation", extra=extra)
    with static_server(tmp_path) as base:
        array, stores = open_remote(base, "v", scale_key(tmp_path / "v"), cache_bytes=2**26)
        store = stores[0]
        asked = prefetch(array, (slice(None),) * 4)
        assert asked == math.prod(
            -(-n // c) for n, c in zip(array.shape, array.chunks, strict=True)
        )
        deadline = time.monotonic() + 60
        while _remote._BACKGROUND and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _remote._BACKGROUND and store.stats.fetches > 0
        fetched = store.stats.fetches
        assert np.array_equal(array[...], data)
        assert store.stats.fetches == fetched  # nothing left to fetch: all from the cache
        for each in stores:
            each.close()


def test_a_missing_shard_reads_as_zero(tmp_path):
    write_precomputed(tmp_path / "v", extra=sharding())
    (tmp_path / "v" / scale_key(tmp_path / "v") / "0.shard").unlink()
    got = read_whole(tmp_path)
    assert not got[0, :8, :16, :16].any()  # chunk 0 lives in shard 0
    assert got.any()


def test_compressed_morton_codes_interleave_only_the_bits_each_axis_needs():
    assert compressed_morton((1, 0, 0), (4, 4, 4)) == 1
    assert compressed_morton((0, 0, 1), (4, 4, 4)) == 4
    assert compressed_morton((2, 0, 0), (4, 4, 4)) == 8
    assert compressed_morton((0, 0, 2), (4, 1, 4)) == 8  # y takes no bits: z's second is bit 3
    # x: 3 bits, y: 1 (beside x's first only), z: none; x = 0b101 -> bits 0 and 3
    assert compressed_morton((5, 0, 0), (8, 2, 1)) == 0b1001


# --- hostile shards: each a BadMetadata naming the problem, no hang, no huge allocation


def _sharded_volume(tmp_path: Path, gz: bool = False) -> tuple[Path, ShardingSpec]:
    write_precomputed(tmp_path / "v", extra=sharding(gz=gz, minishard_bits=0))
    key = scale_key(tmp_path / "v")
    spec = ShardingSpec.parse(sharding(gz=gz, minishard_bits=0)["sharding"])
    return tmp_path / "v" / key, spec


def _read_first_chunk(tmp_path: Path) -> np.ndarray:
    return read_whole(tmp_path)[0, :8, :16, :16]


def _index(entries: list[tuple[int, int, int]]) -> bytes:
    """A raw minishard index of (chunk id, start delta, size) entries."""
    return np.array(entries, dtype="<u8").T.tobytes()


def _shard(index: bytes, data: bytes = b"", end: int | None = None) -> bytes:
    """A shard of one minishard: its 16-byte index entry, ``data``, then the minishard index."""
    start = len(data)
    stop = start + len(index) if end is None else end
    return np.array([start, stop], dtype="<u8").tobytes() + data + index


@pytest.mark.parametrize(
    ("make", "message"),
    [(lambda raw: raw[: len(raw) // 2], "truncated"),
     (lambda raw: raw[:10], "shorter than its index"),
     (lambda raw: _shard(_index([(0, 0, 10)]), end=2**40), "bounded range"),
     (lambda raw: _shard(_index([(0, 0, 10)]), end=2**64 - 1), "bounded range"),
     (lambda raw: _shard(_index([(0, 2**64 - 5, 10)])), "points past"),
     (lambda raw: _shard(_index([(0, 0, 4), (2**64 - 1, 0, 4), (2, 0, 4)]), b"a" * 12),
      "ids overflow"),
     (lambda raw: _shard(_index([(0, 2**63, 10)])), "truncated"),
     (lambda raw: _shard(_index([(0, 0, 2**62)])), "more than"),
     (lambda raw: _shard(_index([(0, 0, 2**30)])), "more than"),
     (lambda raw: _shard(_index([(0, 10**6, 64)])), "truncated"),
     (lambda raw: _shard(b"\x01" * 25), "whole number of entries"),
     # the same chunk listed again and again, pointing backwards: the first entry counts
     (lambda raw: _shard(_index([(0, 0, 4)] + [(0, 0, 4)] * 1000), b"abcd"), "holds 4 bytes")],
    ids=["truncated", "no-index", "index-past-end", "index-huge", "offset-overflow", "id-overflow",
         "offset-past-end", "size-huge", "chunk-huge", "chunk-past-end", "ragged-index",
         "repeated-ids"],
)  # fmt: skip
def test_hostile_shards_are_refused_with_a_reason(tmp_path, make, message):
    folder, spec = _sharded_volume(tmp_path)
    shard = folder / spec.locate(0)[0]
    shard.write_bytes(make(shard.read_bytes()))
    with pytest.raises(BadMetadata, match=message):
        _read_first_chunk(tmp_path)


def test_a_big_minishard_index_is_kept_as_columns_and_looked_up_by_bisection():
    """A million chunks in one minishard: 24 MB of columns, not a million dict entries."""
    count = 10**6
    ids = np.arange(0, 3 * count, 3, dtype="<u8")
    entries = np.stack([np.diff(ids, prepend=0), np.zeros(count, "<u8"), np.full(count, 7, "<u8")])
    index = parse_minishard_index(entries.astype("<u8").tobytes())
    assert index.nbytes == 24 * count
    assert index.find(0) == (0, 7) and index.find(3 * 1234) == (7 * 1234, 7)
    assert index.find(3 * 1234 + 1) is None and index.find(3 * count) is None


def test_a_minishard_index_gzip_bomb_is_refused_before_it_is_inflated_whole(tmp_path):
    folder, spec = _sharded_volume(tmp_path, gz=True)
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    packed = b"".join(bomb.compress(bytes(2**20)) for _ in range(MAX_MINISHARD_INDEX // 2**20 + 8))
    packed += bomb.flush()
    (folder / spec.locate(0)[0]).write_bytes(_shard(packed))
    with pytest.raises(BadMetadata, match="inflates to more than"):
        _read_first_chunk(tmp_path)


def test_a_chunk_gzip_bomb_is_refused(tmp_path):
    folder, spec = _sharded_volume(tmp_path, gz=True)
    chunk = gzip.compress(bytes(64 * 2**20))
    index = gzip.compress(_index([(0, 0, len(chunk))]))
    (folder / spec.locate(0)[0]).write_bytes(_shard(index, chunk))
    with pytest.raises(BadMetadata, match="inflates to more than"):
        _read_first_chunk(tmp_path)


def _info_with(**scale: object) -> dict:
    base = {"key": "s", "size": [45, 37, 20], "resolution": [4, 4, 40],
            "chunk_sizes": [[16, 16, 8]], "encoding": "raw"}  # fmt: skip
    return {"type": "segmentation", "data_type": "uint32", "num_channels": 1,
            "scales": [{**base, **scale}]}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [({"shard_bits": 100}, "shard_bits"), ({"shard_bits": -1}, "shard_bits"),
     ({"minishard_bits": 40}, "minishard_bits"), ({"preshift_bits": 65}, "preshift_bits"),
     ({"minishard_bits": 30, "shard_bits": 40}, "shard_bits"),
     ({"shard_bits": True}, "shard_bits"), ({"hash": "md5"}, "hash"),
     ({"data_encoding": "zstd"}, "data_encoding"), ({"@type": "other"}, "sharding must be")],
)  # fmt: skip
def test_bad_sharding_is_refused_when_the_info_is_read(change, message):
    with pytest.raises(BadMetadata, match=message):
        PrecomputedInfo.parse(_info_with(sharding={**sharding()["sharding"], **change}))


@pytest.mark.parametrize(
    ("scale", "data_type", "message"),
    [({"encoding": "compressed_segmentation"}, "uint32", "block_size"),
     ({"encoding": "compressed_segmentation", "compressed_segmentation_block_size": [0, 8, 8]},
      "uint32", "not within a chunk"),
     ({"encoding": "compressed_segmentation", "compressed_segmentation_block_size": [8, 8, 8]},
      "uint16", "uint32 or uint64")],
)  # fmt: skip
def test_bad_compressed_segmentation_is_refused(scale, data_type, message):
    with pytest.raises(BadMetadata, match=message):
        info = PrecomputedInfo.parse({**_info_with(**scale), "data_type": data_type})
        info.check_readable(info.scales[0])


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [(lambda w: w[:1], "shorter than its block headers"),
     (lambda w: np.concatenate([w[:1], [w[1] | 0x03000000], w[2:]]), "bit width"),
     (lambda w: np.concatenate([w[:2], [2**31], w[3:]]), "values lie outside"),
     (lambda w: np.concatenate([w[:1], [(w[1] & 0xFF000000) | 0xFFFFFF], w[2:]]),
      "lookup table lies outside"),
     (lambda w: w[:-1].tobytes() + b"\x01", "whole number of words")],
)  # fmt: skip
def test_corrupt_compressed_segmentation_chunks_are_refused(tmp_path, corrupt, message):
    data = LABELS.astype(np.uint32)
    write_precomputed(tmp_path / "v", data, encoding="compressed_segmentation", extra=CSEG)
    chunk = tmp_path / "v" / scale_key(tmp_path / "v") / "0-16_0-16_0-8"
    words = np.frombuffer(chunk.read_bytes(), dtype="<u4")
    changed = corrupt(words)
    chunk.write_bytes(
        changed if isinstance(changed, bytes) else np.asarray(changed, "<u4").tobytes()
    )
    with pytest.raises(BadMetadata, match=message):
        _read_first_chunk(tmp_path)
