"""Datasets in an S3-compatible bucket: zarr's ``ObjectStore`` over obstore.

Layout under ``s3://bucket/prefix/``: ``binaryData/<org>/<dataset>/…`` as in
the data folder, ``.staging/<id>.json``, one record per publication under
way, and ``.trash/<org>/<dataset>.<id>/…`` for deleted datasets (moved there by
server-side copies after their marker is gone, so they vanish at once). S3 has
no rename, so a dataset is published thus:

1. a staging record names the target key and its writer (host, process, job);
2. the writer claims the key: ``<key>/.voxhub-claim.json``, created only if
   absent (a conditional PUT), so of two writers racing for one name exactly
   one goes on and the other is refused before it writes or deletes anything
   (without it both uploaded under the key and the winner's marker made a
   mixture of the two visible). The claim is a lease the writer renews while
   it uploads (``s3_claims``);
3. every object is uploaded under the target key (many requests in flight);
4. the marker object ``<key>/.voxhub-published.json`` is written last, then the
   claim is removed.

Readers never see a dataset without its marker (``is_published``; the catalog
registers it inside the same transaction as step 3, see ``formats.ingest``),
so a half-uploaded dataset is invisible. A writer that dies leaves a record
whose owner is dead; ``clean_staging`` deletes its objects and its claim
(unless the marker made it, or a live writer claims the key now). A claim
that was not renewed within its lease (a crashed writer on any host), or whose
writer was a process of this host that is gone, is taken over by the next
writer of the name at any time; it first removes what the unmarked prefix
still holds.

obstore was measured against ``FsspecStore`` over s3fs for this
(``benchmarks/bench_s3.py``); its async API also runs on any event loop,
which the ``/zarr`` route needs (it streams objects from the server's loop).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import obstore
from obstore.exceptions import AlreadyExistsError, NotFoundError, PreconditionError
from obstore.store import S3Store
from zarr.abc.store import Store
from zarr.core.sync import sync
from zarr.storage import ObjectStore

from voxhub.errors import InvalidInput
from voxhub.storage.errors import AlreadyExists
from voxhub.storage.local import current_owner
from voxhub.storage.s3_claims import CLAIM_SECONDS, ClaimLease, acquire, dead_claim
from voxhub.storage.store import DataStore, IsLive, ObjectInfo, check_key

PUBLISHED = ".voxhub-published.json"
CLAIM = ".voxhub-claim.json"
STAGING = ".staging"
# Requests in flight while a dataset is uploaded or removed.
CONCURRENCY = 32


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → ``("bucket", "some/prefix")``."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise InvalidInput(f"VOXHUB_STORAGE {url!r}: expected s3://bucket/prefix")
    prefix = parts.path.strip("/")
    if prefix:
        check_key(prefix)
    return parts.netloc, prefix


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


class S3DataStore(DataStore):
    """``binaryData`` in a bucket, published with a marker object written last."""

    def __init__(
        self,
        url: str,
        *,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str | None = None,
        session_token: str | None = None,
        claim_seconds: float = CLAIM_SECONDS,
    ) -> None:
        self.url = url
        self.claim_seconds = claim_seconds  # the lease of a publication's claim (s3_claims)
        self.bucket, self.prefix = parse_s3_url(url)
        env = os.environ
        region = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        config: dict[str, Any] = {"region": region or "us-east-1"}
        key_id = access_key_id or env.get("AWS_ACCESS_KEY_ID")
        secret = secret_access_key or env.get("AWS_SECRET_ACCESS_KEY")
        token = session_token or env.get("AWS_SESSION_TOKEN")
        if key_id and secret:
            config |= {"access_key_id": key_id, "secret_access_key": secret}
            if token:
                config["session_token"] = token
        else:
            config["skip_signature"] = True  # a public bucket
        client: dict[str, Any] = {}
        if endpoint_url:
            config["endpoint"] = endpoint_url.rstrip("/")
            client["allow_http"] = endpoint_url.startswith("http://")

        def store(prefix: str) -> S3Store:
            return S3Store(
                self.bucket,
                prefix=prefix or None,
                config=config,  # type: ignore[arg-type]
                client_options=client,  # type: ignore[arg-type]
            )

        self.objects = store(_join(self.prefix, "binaryData"))
        self.meta = store(self.prefix)  # staging records live beside binaryData
        self._zarr = ObjectStore(self.objects, read_only=False)

    @property
    def zarr_store(self) -> Store:
        return self._zarr

    # -- single objects -------------------------------------------------------------------
    def sign(self, key: str, seconds: float) -> str | None:
        return obstore.sign(self.objects, "GET", check_key(key), timedelta(seconds=seconds))

    def stamp(self, key: str) -> str | None:
        info = self.info(key)
        return info.etag if info is not None else None

    def info(self, key: str) -> ObjectInfo | None:
        try:
            meta = obstore.head(self.objects, check_key(key))
        except (NotFoundError, FileNotFoundError):
            return None
        return _info(meta)

    async def head_async(self, key: str) -> ObjectInfo | None:
        info: ObjectInfo | None = await _on_io_loop(self._head(check_key(key)))
        return info

    async def get_async(
        self, key: str, byte_range: tuple[int, int] | None = None
    ) -> tuple[ObjectInfo, bytes] | None:
        """The object (or ``[start, end)`` of it) and what it is; None when missing."""
        got: tuple[ObjectInfo, bytes] | None = await _on_io_loop(
            self._get(check_key(key), byte_range)
        )
        return got

    async def _head(self, key: str) -> ObjectInfo | None:
        try:
            meta = await obstore.head_async(self.objects, key)
        except (NotFoundError, FileNotFoundError):
            return None
        return _info(meta)

    async def _get(
        self, key: str, byte_range: tuple[int, int] | None
    ) -> tuple[ObjectInfo, bytes] | None:
        options: dict[str, Any] = {"range": byte_range} if byte_range is not None else {}
        try:
            result = await obstore.get_async(self.objects, key, options=options)  # type: ignore[arg-type]
            body = await result.bytes_async()
        except (NotFoundError, FileNotFoundError):
            return None
        return _info(result.meta), bytes(body)

    # -- datasets -----------------------------------------------------------------------
    def is_published(self, key: str) -> bool:
        return self.exists(_join(key, PUBLISHED))

    def publish(self, built: Path, key: str) -> None:
        check_key(key)
        if self.is_published(key):
            raise AlreadyExists(f"{key.rsplit('/', 1)[-1]} already exists")
        record = _join(STAGING, f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}.json")
        owner = {**current_owner(), "target": key}
        obstore.put(self.meta, record, json.dumps(owner).encode())
        try:
            lease = acquire(self.objects, _join(key, CLAIM), owner, self.claim_seconds)
            try:
                self._publish_claimed(built, key, lease)
            except AlreadyExists:  # nothing of ours is under the key, or it is the winner's
                raise
            except BaseException:
                if not lease.lost:  # the name is still ours alone: leave nothing under it
                    self._remove_objects(key, keep=lease.claim)
                raise
            finally:
                lease.release()
        finally:
            obstore.delete(self.meta, record)

    def _publish_claimed(self, built: Path, key: str, lease: ClaimLease) -> None:
        name = key.rsplit("/", 1)[-1]
        if self.is_published(key):  # published between the check in publish and the claim
            raise AlreadyExists(f"{name} already exists")
        self._remove_objects(key, keep=lease.claim)  # what an earlier, dead writer left
        sync(self._upload(built, key))
        if not lease.renew():  # it expired while we uploaded, and was taken over
            raise AlreadyExists(f"{name} was taken over by another writer")
        marker = json.dumps({"published": time.time(), "host": socket.gethostname()})
        try:
            obstore.put(self.objects, _join(key, PUBLISHED), marker.encode(), mode="create")
        except (AlreadyExistsError, PreconditionError):  # published without a claim
            raise AlreadyExists(f"{name} already exists") from None

    def _abandoned(self, key: str) -> bool:
        """Whether ``key`` holds a dead writer's leftovers: no marker, no live claim."""
        if self.is_published(key):
            return False
        claim = _join(key, CLAIM)
        return dead_claim(self.objects, claim, self.claim_seconds) is not None

    def unpublish(self, key: str, built: Path) -> None:
        self.remove(key)

    def remove(self, key: str) -> None:
        check_key(key)
        obstore.delete(self.objects, _join(key, PUBLISHED))  # invisible first
        self._remove_objects(key)

    def clean_staging(self, is_live: IsLive) -> int:
        removed = 0
        now = time.time()
        for batch in obstore.list(self.meta, STAGING + "/"):
            for meta in batch:
                try:
                    owner = json.loads(bytes(obstore.get(self.meta, meta["path"]).bytes()))
                except (NotFoundError, FileNotFoundError, ValueError):
                    continue
                age = now - meta["last_modified"].timestamp()
                if is_live(owner if isinstance(owner, dict) else None, age):
                    continue
                target = owner.get("target") if isinstance(owner, dict) else None
                if isinstance(target, str) and self._abandoned(target):
                    self._remove_objects(target)
                obstore.delete(self.meta, meta["path"])
                removed += 1
        return removed

    # -- the trash: a prefix beside binaryData, reached by server-side copies -------------
    def trash(self, key: str, place: str) -> None:
        check_key(key)
        names = [n for n in self._names(key) if n != PUBLISHED]
        if not names:
            return
        obstore.delete(self.objects, _join(key, PUBLISHED))  # invisible first
        sync(self._copy([(_join("binaryData", key, n), _join(place, n)) for n in names]))
        self._remove_objects(key)

    def untrash(self, place: str, key: str) -> None:
        check_key(place)
        names = [n for n in self._names(place, self.meta) if n != PUBLISHED]
        if not names:
            raise FileNotFoundError(place)
        if self.is_published(key):
            raise AlreadyExists(f"{key.rsplit('/', 1)[-1]} already exists")
        sync(self._copy([(_join(place, n), _join("binaryData", key, n)) for n in names]))
        marker = json.dumps({"published": time.time(), "restored_from": place})
        obstore.put(self.objects, _join(key, PUBLISHED), marker.encode())  # visible last
        self._remove_objects(place, self.meta)

    def in_trash(self, place: str) -> bool:
        return bool(self._names(check_key(place), self.meta))

    def purge(self, place: str) -> None:
        self._remove_objects(check_key(place), self.meta)

    async def _copy(self, pairs: list[tuple[str, str]]) -> None:
        slots = asyncio.Semaphore(CONCURRENCY)

        async def copy(source: str, target: str) -> None:
            async with slots:
                await obstore.copy_async(self.meta, source, target)

        await asyncio.gather(*(copy(s, t) for s, t in pairs))

    def total_bytes(self, key: str) -> int | None:
        if not self.is_published(key):
            return None
        listing = obstore.list(self.objects, check_key(key) + "/")
        return sum(int(meta["size"]) for batch in listing for meta in batch)

    def _names(self, key: str, store: S3Store | None = None) -> list[str]:
        """Every object below ``key``, relative to it."""
        prefix = key + "/"
        found = obstore.list(store or self.objects, prefix)
        return [m["path"].removeprefix(prefix) for batch in found for m in batch]

    # -- many objects ---------------------------------------------------------------------
    async def _upload(self, built: Path, key: str) -> None:
        files = [p for p in sorted(built.rglob("*")) if p.is_file() and not p.is_symlink()]
        slots = asyncio.Semaphore(CONCURRENCY)

        async def put(path: Path) -> None:
            name = _join(key, path.relative_to(built).as_posix())
            async with slots:
                data = await asyncio.to_thread(path.read_bytes)
                await obstore.put_async(self.objects, name, data)

        await asyncio.gather(*(put(p) for p in files))

    def _remove_objects(
        self, key: str, store: S3Store | None = None, keep: str | None = None
    ) -> None:
        store = store or self.objects
        listing = obstore.list(store, key + "/")
        paths = [m["path"] for batch in listing for m in batch if m["path"] != keep]
        for start in range(0, len(paths), 1000):  # S3's bulk delete takes 1000 keys
            obstore.delete(store, paths[start : start + 1000])


_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _io_loop() -> asyncio.AbstractEventLoop:
    """One event loop thread per process for obstore's futures.

    obstore completes its futures on the loop that awaited them; granian's loop
    never runs those callbacks (requests hung), so every request's S3 call runs
    here and the server's loop awaits it as a thread-safe future.
    """
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="voxhub-s3", daemon=True).start()
        return _loop


async def _on_io_loop(coroutine: Any) -> Any:
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, _io_loop()))


def _info(meta: Any) -> ObjectInfo:
    modified: datetime = meta["last_modified"]
    etag = meta.get("e_tag") or f'"{int(modified.timestamp() * 1e6):x}-{meta["size"]:x}"'
    return ObjectInfo(size=int(meta["size"]), etag=etag, mtime=modified.timestamp())


__all__ = ["PUBLISHED", "S3DataStore", "parse_s3_url"]
