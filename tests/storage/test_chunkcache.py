"""ChunkCache: an LRU bounded by bytes, that no single huge object can flush."""

from __future__ import annotations

from voxhub.storage.chunkcache import ChunkCache


def test_the_least_recently_used_values_go_first_and_the_size_stays_bounded():
    cache = ChunkCache(400)
    for name in "abcd":
        cache.put((name,), bytes(100))
    assert cache.get(("a",)) is not None  # now the most recently used
    cache.put(("e",), bytes(100))
    assert cache.get(("b",)) is None and cache.get(("a",)) is not None
    assert cache.size == 400


def test_an_object_over_a_quarter_of_the_cache_is_not_kept():
    cache = ChunkCache(400)
    cache.put(("small",), bytes(100))
    cache.put(("huge",), bytes(101))
    assert cache.get(("huge",)) is None and cache.get(("small",)) is not None


def test_discard_drops_one_prefix_and_replacing_a_value_counts_once():
    cache = ChunkCache(1000)
    cache.put(("store-1", "s0", "c/0"), bytes(10))
    cache.put(("store-1", "s1", "c/0"), bytes(10))
    cache.put(("store-1", "s0", "c/0"), bytes(20))
    assert cache.size == 30
    cache.discard(("store-1", "s0"))
    assert cache.get(("store-1", "s0", "c/0")) is None
    assert cache.get(("store-1", "s1", "c/0")) == bytes(10) and cache.size == 10
    cache.clear()
    assert cache.size == 0
