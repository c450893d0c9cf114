"""A read-only zarr store over HTTP(S)/S3/GCS, behind the SSRF guard, built for latency.

A remote object store answers each request in ~100 ms whatever its size, so
a read is fast only when many requests are in flight at once. ``RemoteStore``
is a zarr-python 3 ``Store`` whose every GET goes through ``GuardedFetcher``
(so the SSRF guard, the credentials and the size caps apply to each chunk),
with three things around it:

- up to ``concurrency`` requests in flight per store and event loop (the
  fetcher's semaphore and connection pool; ``VOXHUB_REMOTE_CONCURRENCY``);
  a large box read puts all its chunks in flight at once, up to ``burst``
  (``VOXHUB_REMOTE_BOX_CONCURRENCY``): at ~100 ms a request, 256 chunks take
  one round trip instead of four;
- a bounded in-memory LRU of fetched values shared by the stores of a process
  (``ChunkCache``, ``VOXHUB_REMOTE_CACHE_BYTES``). It assumes the remote
  objects do not change while cached (as OME-Zarr on object stores is used);
  an entry lives until evicted by newer ones;
- request coalescing: readers asking for a value already being fetched wait
  for that fetch instead of starting another one.

A chunk the source answers 404 for is missing (the fill value). A 403 is an
error (``RemoteRefused``, 502) unless the store proved that this source
answers 403 for keys that do not exist (S3 when the credentials may not list
the bucket): the metadata it read is still readable with the same
credentials, and a key that cannot exist is refused too. So is a 403 for a
level's metadata document when the store sends credentials (without them a
403 there reads as missing, as a public bucket answers); a document that may
be absent (``.zattrs``, ``.zgroup``) is missing when refused, and a 401 is
always an error. Wrong or insufficient credentials must never read as an
empty volume, nor as no array at this URL.

Cache and coalescing keys hold the store's ``identity`` (which credentials it
uses), so a value fetched with one organization's credentials is never
answered to a store that lacks them. ``stats`` counts what the store did, for
tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import secrets
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from zarr.abc.store import (
    ByteRequest,
    OffsetByteRequest,
    RangeByteRequest,
    Store,
    SuffixByteRequest,
)
from zarr.core.buffer import Buffer, BufferPrototype
from zarr.core.sync import sync

from voxhub.errors import TooLarge
from voxhub.storage.chunkcache import ChunkCache
from voxhub.storage.fetch import (
    METADATA_BYTES,
    AllowedHosts,
    Credentials,
    GuardedFetcher,
    RemoteRefused,
    RemoteUnreachable,
)

# The largest single object a remote layer may answer (a shard of a big array).
MAX_OBJECT_BYTES = 1024 * 2**20
# Prefetches running on zarr's loop (a task must be referenced until it ends).
_BACKGROUND: set[asyncio.Future[None]] = set()


T = TypeVar("T")


@dataclass
class FetchStats:
    """What a store did: values asked for, answered from the cache, joined to a fetch
    in flight, and actually fetched."""

    requests: int = 0
    hits: int = 0
    coalesced: int = 0
    fetches: int = 0


@dataclass
class _LoopState:
    fetcher: GuardedFetcher
    inflight: dict[tuple[str, ...], asyncio.Future[bytes | None]] = field(default_factory=dict)
    # whether the source answers 403 for missing keys, being found out on this loop
    refusals: asyncio.Future[bool] | None = None


class RemoteStore(Store):
    """Read-only zarr store of the objects below ``url`` (no listing, no writes)."""

    supports_writes = False
    supports_deletes = False
    supports_listing = False

    def __init__(
        self,
        url: str,
        *,
        allowed: AllowedHosts | None = None,
        credentials: Credentials | None = None,
        concurrency: int = 64,
        burst: int = 256,
        cache: ChunkCache | None = None,
        identity: str = "",
        timeout: float = 30.0,
    ) -> None:
        super().__init__(read_only=True)
        self.url = url.rstrip("/")
        self.allowed = allowed or AllowedHosts()
        self.credentials = credentials
        self.concurrency = concurrency
        self.burst = max(concurrency, burst)
        self.cache = cache if cache is not None else ChunkCache(0)
        self.identity = identity
        self.timeout = timeout
        self.stats = FetchStats()
        self._metadata_key: str | None = None  # a metadata object this store has read
        self._refused_is_missing: bool | None = None  # see ``_refusal_means_missing``
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RemoteStore)
            and other.url == self.url
            and other.identity == self.identity
        )

    def __hash__(self) -> int:
        return hash((self.url, self.identity))

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r})"

    def with_read_only(self, read_only: bool = False) -> RemoteStore:
        if not read_only:
            raise ValueError("remote layers are read-only")
        return self

    async def _state(self) -> _LoopState:
        """This event loop's fetcher (an HTTP client belongs to the loop it was made in)."""
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            fetcher = GuardedFetcher(
                self.allowed, self.credentials, timeout=self.timeout,
                concurrency=self.concurrency, burst=self.burst,
            )  # fmt: skip
            await fetcher.__aenter__()
            state = self._loops.setdefault(loop, _LoopState(fetcher))
            if state.fetcher is not fetcher:
                await fetcher.__aexit__()
        return state

    async def aclose(self) -> None:
        """Close this loop's HTTP client."""
        state = self._loops.pop(asyncio.get_running_loop(), None)
        if state is not None:
            await state.fetcher.__aexit__()

    def close(self) -> None:
        """Close the HTTP clients of every loop this store was used in (from any thread)."""
        super().close()
        for loop, state in list(self._loops.items()):
            self._loops.pop(loop, None)
            if loop.is_closed():
                continue
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                loop.create_task(state.fetcher.__aexit__())
            elif loop.is_running():
                asyncio.run_coroutine_threadsafe(state.fetcher.__aexit__(), loop)
            else:
                loop.run_until_complete(state.fetcher.__aexit__())

    async def fetch(
        self,
        key: str,
        byte_range: tuple[int, int] | None = None,
        slots: asyncio.Semaphore | None = None,
    ) -> bytes | None:
        """The object at ``key`` (or a byte range of it): cached, coalesced, guarded
        (``slots``: a burst's own bound on requests in flight, see ``start_fetching``)."""
        self.stats.requests += 1
        cache_key = (self.identity, self.url, key, repr(byte_range))
        cached = self.cache.get(cache_key)
        if cached is not None:
            self.stats.hits += 1
            return cached
        state = await self._state()
        pending = state.inflight.get(cache_key)
        if pending is not None:
            self.stats.coalesced += 1
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        state.inflight[cache_key] = future
        try:
            self.stats.fetches += 1
            metadata = _is_metadata(key)
            try:
                value = await state.fetcher.get(
                    f"{self.url}/{key}", limit=METADATA_BYTES if metadata else MAX_OBJECT_BYTES,
                    byte_range=byte_range, slots=slots, refused_is_missing=self._may_lack(key),
                )  # fmt: skip
            except RemoteRefused as refusal:
                if refusal.answered == 401 or not await self._refusal_means_missing(state):
                    raise
                value = None
            if value is not None:
                if metadata and byte_range is None:
                    self._metadata_key = key
                self.cache.put(cache_key, value)
            future.set_result(value)
            return value
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # marked as retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            state.inflight.pop(cache_key, None)

    def _may_lack(self, key: str) -> bool:
        """Whether a 403 for ``key`` reads as missing at once: a document that may be absent,
        or a level's metadata fetched without credentials (see the module's docstring)."""
        name = key.rsplit("/", 1)[-1]
        return name in (".zattrs", ".zgroup") or (_is_metadata(key) and self.credentials is None)

    async def _refusal_means_missing(self, state: _LoopState) -> bool:
        """Whether a 403 of this source means a missing key; found out once per store, once
        it has read a metadata document to prove it with (until then: a refusal)."""
        if self._refused_is_missing is None:
            proof = self._metadata_key
            if proof is None:
                return False
            if state.refusals is None:
                state.refusals = asyncio.ensure_future(self._probe_refusals(state.fetcher, proof))
            self._refused_is_missing = await asyncio.shield(state.refusals)
        return self._refused_is_missing

    async def _probe_refusals(self, fetcher: GuardedFetcher, proof: str) -> bool:
        """True when the metadata document ``proof`` this store read is readable now, with
        the same credentials, and a key that cannot exist is refused (403) all the same."""
        try:
            readable = await fetcher.get(f"{self.url}/{proof}", refused_is_missing=False)
        except RemoteUnreachable:
            return False
        if readable is None:
            return False
        absent = f"{self.url}/voxhub-absent-{secrets.token_hex(8)}"
        try:
            await fetcher.get(absent, refused_is_missing=False)
        except RemoteRefused:
            return True
        except (RemoteUnreachable, TooLarge):
            return False
        return False

    def seed(self, key: str, value: bytes) -> bool:
        """Answer ``key`` with ``value`` (a metadata document kept from registration) unless
        it is cached already; True when seeded. The caller confirms it with ``refresh``."""
        cache_key = (self.identity, self.url, key, "None")
        if self.cache.get(cache_key) is not None:
            return False
        self.cache.put(cache_key, value)
        return True

    def refresh(self, key: str) -> concurrent.futures.Future[bytes | None]:
        """Fetch the metadata object ``key`` anew on zarr's event loop, past the cache
        (a 403 answers as for metadata read through ``fetch``); returns at once."""

        async def loop() -> asyncio.AbstractEventLoop:
            return asyncio.get_running_loop()

        async def fetch() -> bytes | None:
            self.stats.fetches += 1
            state = await self._state()
            body = await state.fetcher.get(
                f"{self.url}/{key}", limit=METADATA_BYTES, refused_is_missing=self._may_lack(key)
            )
            if body is not None:
                self._metadata_key = key  # read with these credentials: a proof (see fetch)
            return body

        return asyncio.run_coroutine_threadsafe(fetch(), sync(loop()))

    def settle(self, key: str, fresh: bytes | None, stale: bool) -> None:
        """After ``refresh``: cache the fresh document (or forget the seeded one), and when
        it differed from the seeded one, drop every value of this store read meanwhile."""
        if stale:
            self.cache.discard((self.identity, self.url))
        cache_key = (self.identity, self.url, key, "None")
        if fresh is None:
            self.cache.discard(cache_key)
        else:
            self.cache.put(cache_key, fresh)

    def start_fetching(self, keys: list[str]) -> int:
        """Put ``keys`` in flight on zarr's event loop and return at once; readers that ask
        for them later join these fetches (coalescing) or find them cached.

        They are one burst: up to ``burst`` of them in flight at once (not the
        ``concurrency`` of ordinary reads), so a box read waits about one round
        trip, not one per ``concurrency`` chunks. Returns how many were not cached."""
        missing = [k for k in keys if self.cache.get((self.identity, self.url, k, "None")) is None]
        if missing:
            self.start_reading(lambda key, slots: self.fetch(key, slots=slots), missing)
        return len(missing)

    def start_reading(
        self,
        read: Callable[[T, asyncio.Semaphore], Awaitable[object]],
        items: list[T],
    ) -> None:
        """Run ``read(item, slots)`` for every item on zarr's event loop, as one burst of
        at most ``burst`` at once, and return at once (errors surface in the reads that
        later join the same fetches)."""

        async def read_all() -> None:
            slots = asyncio.Semaphore(min(len(items), self.burst))
            await asyncio.gather(*(read(item, slots) for item in items), return_exceptions=True)

        async def start() -> None:
            task = asyncio.ensure_future(read_all())
            _BACKGROUND.add(task)
            task.add_done_callback(_BACKGROUND.discard)

        sync(start())

    async def get(
        self, key: str, prototype: BufferPrototype, byte_range: ByteRequest | None = None
    ) -> Buffer | None:
        if byte_range is None:
            value = await self.fetch(key)
        elif isinstance(byte_range, RangeByteRequest):
            if byte_range.end <= byte_range.start:
                return prototype.buffer.from_bytes(b"")
            value = await self.fetch(key, (byte_range.start, byte_range.end))
        else:  # offset and suffix requests: the whole object, then cut (rare: shard indexes)
            value = await self.fetch(key)
            if value is not None:
                value = _cut(value, byte_range)
        return None if value is None else prototype.buffer.from_bytes(value)

    async def get_partial_values(
        self, prototype: BufferPrototype, key_ranges: Iterable[tuple[str, ByteRequest | None]]
    ) -> list[Buffer | None]:
        return list(
            await asyncio.gather(*(self.get(key, prototype, rng) for key, rng in key_ranges))
        )

    async def exists(self, key: str) -> bool:
        return await self.fetch(key) is not None

    async def set(self, key: str, value: Buffer) -> None:
        raise ValueError("remote layers are read-only")

    async def delete(self, key: str) -> None:
        raise ValueError("remote layers are read-only")

    def list(self) -> AsyncIterator[str]:
        raise NotImplementedError("remote stores cannot be listed")

    def list_prefix(self, prefix: str) -> AsyncIterator[str]:
        raise NotImplementedError("remote stores cannot be listed")

    def list_dir(self, prefix: str) -> AsyncIterator[str]:
        raise NotImplementedError("remote stores cannot be listed")


def _is_metadata(key: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return name in ("zarr.json", ".zarray", ".zattrs", ".zgroup", "attributes.json", "info")


def _cut(value: bytes, request: Any) -> bytes:
    if isinstance(request, OffsetByteRequest):
        return value[request.offset :]
    if isinstance(request, SuffixByteRequest):
        return value[-request.suffix :] if request.suffix else b""
    return value


__all__ = ["FetchStats", "RemoteStore"]
