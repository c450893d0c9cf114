"""Remote datasets: registering them, their credentials, and opening their levels.

A remote dataset is a folder holding only ``datasource-properties.json``
whose mag paths are URLs (as WEBKNOSSOS keeps them), registered like any
other dataset, so the scan, the catalog index and ``can()`` treat it the same.
Nothing is copied: every read goes through a ``RemoteStore`` (SSRF guard,
many requests in flight, a bounded chunk cache, coalescing).

Credentials (HTTP basic, bearer, S3 keys) are sealed with the server key
(``access.vault``) in ``remote_credentials``: for one dataset, or for every
dataset of the organization whose URLs start with a prefix. A read uses the
dataset's own credentials first, then the longest matching prefix of its
organization's; never another organization's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal, cast

import zarr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from zarr.core.array import AsyncArray
from zarr.core.common import ZarrFormat
from zarr.storage import StorePath

from voxhub.access.secrets import server_secret
from voxhub.access.vault import unseal
from voxhub.arrays.errors import BadMetadata, MagNotFound
from voxhub.arrays.n5 import open_n5
from voxhub.arrays.precomputed import open_precomputed
from voxhub.catalog.credentials import add_credential, check_prefix, free_name
from voxhub.catalog.datasets import set_initial_access
from voxhub.catalog.register import registration
from voxhub.config import Settings
from voxhub.db.models import Dataset
from voxhub.db.remote_models import RemoteCredential
from voxhub.errors import InvalidInput
from voxhub.formats.explore import CredentialsRefused, not_found
from voxhub.formats.ingest import DataRoot, publish_registered
from voxhub.formats.paths import check_layer_paths, is_remote
from voxhub.formats.properties import DatasourceProperties, write_properties
from voxhub.storage import ChunkCache, RemoteStore
from voxhub.storage.errors import AlreadyExists
from voxhub.storage.fetch import AllowedHosts, Credentials, GuardedFetcher, RemoteRefused
from voxhub.storage.local import check_name, staging_folder
from voxhub.storage.remote import check_remote_url
from voxhub.storage.store import DataStore

# Formats read: zarr-python for Zarr, voxhub's block readers for N5 and Neuroglancer
# precomputed (``arrays.blocks``).
READABLE: dict[str, Literal[2, 3, "n5", "precomputed"]] = {
    "zarr": 2, "zarr3": 3, "n5": "n5", "neuroglancerPrecomputed": "precomputed"
}  # fmt: skip
MAX_OPEN_ARRAYS = 512
MAX_SOURCES = 256  # mags of one remote dataset: each is checked by a request when registered
METADATA = {"zarr": ".zarray", "zarr3": "zarr.json", "n5": "attributes.json"}
# Each mag's metadata document as read when the dataset was registered, in the dataset's
# folder: {mag URL: document}. Bounded: documents over MAX_KEPT_DOCUMENT bytes are not kept,
# and a file over MAX_KEPT_BYTES is not read.
KEPT_METADATA = ".remote-metadata.json"
MAX_KEPT_DOCUMENT = 64 * 1024
MAX_KEPT_BYTES = 4 * 1024 * 1024


class RemoteNotReadable(InvalidInput):
    code = "remote_not_readable"


@dataclass(frozen=True)
class CredentialGrant:
    """A credential to store: for the dataset being registered, or for an org-wide prefix."""

    credentials: Credentials
    url_prefix: str
    organization_wide: bool = False
    name: str | None = None  # default: the dataset's name


def remote_urls(properties: DatasourceProperties) -> list[str]:
    """Every mag path of ``properties``; all must be URLs for a remote dataset."""
    urls = []
    for layer in properties.data_layers:
        if not layer.mags:
            raise InvalidInput(f"layer {layer.name} names no mags")
        for entry in layer.mags:
            if not entry.path or not is_remote(entry.path):
                raise InvalidInput(
                    f"layer {layer.name}: mag {list(entry.mag)} must name a URL "
                    "(a remote dataset references its data, it holds none)"
                )
            urls.append(entry.path)
    return urls


async def check_sources(
    fetcher: GuardedFetcher, properties: DatasourceProperties
) -> dict[str, str]:
    """Every mag URL answers its format's metadata document (through the SSRF guard).

    Returns the documents as read, by mag URL (those of at most ``MAX_KEPT_DOCUMENT``
    bytes of UTF-8), for ``RemoteSources.register`` to keep: a cold read then opens the
    level with them while it confirms them (see ``open_array``)."""
    urls = remote_urls(properties)
    if len(urls) > MAX_SOURCES:
        raise InvalidInput(f"{len(urls)} mags; a remote dataset may name at most {MAX_SOURCES}")
    wanted = []
    for layer in properties.data_layers:
        for entry in layer.mags:
            url = str(entry.path).rstrip("/")
            name = METADATA.get(layer.data_format)
            document = f"{url}/{name}" if name else f"{url.rsplit('/', 1)[0]}/info"
            wanted.append((layer.name, url, document))

    kept: dict[str, str] = {}

    async def one(layer: str, url: str, document: str) -> None:
        try:
            body = await fetcher.get(document)
        except RemoteRefused as exc:  # 401: the credentials given (or none) are not accepted
            raise CredentialsRefused(f"layer {layer}: {exc.detail}") from None
        if body is None:
            name = document.rsplit("/", 1)[-1]
            raise not_found(fetcher, f"layer {layer}: {url} holds no {name}", document)
        if len(body) <= MAX_KEPT_DOCUMENT:
            try:
                kept[url] = body.decode("utf-8")
            except UnicodeDecodeError:
                pass

    await asyncio.gather(*(one(*w) for w in wanted))
    return kept


def credential_prefix(properties: DatasourceProperties, url: str | None = None) -> str:
    """The URL prefix credentials given with a registration apply to: the explored URL,
    else the longest folder prefix all mag URLs share."""
    if url:
        return url.rstrip("/") + "/"
    urls = remote_urls(properties)
    common = os.path.commonprefix(urls)
    if common not in urls:
        common = common.rsplit("/", 1)[0] + "/"
    if common.count("/") < 3:  # scheme://host/ at least
        raise InvalidInput("the sources share no host; give credentialPrefix")
    return common


class RemoteSources:
    """One per hub: credentials, stores and opened arrays of remote layers."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        storage: DataStore | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.storage = storage  # where registered datasets' properties are published
        self.allowed = AllowedHosts.parse(settings.remote_allowed_hosts)
        self.cache = ChunkCache(settings.remote_cache_bytes)
        self._lock = threading.Lock()
        self._credentials: dict[int, list[tuple[int, int | None, str, Credentials]]] = {}
        self._stores: dict[tuple[str, int | None, Credentials | None], RemoteStore] = {}
        self._arrays: dict[tuple[str, int | None, int | str], Any] = {}
        self._pending: dict[tuple[str, int | None, int | str], Confirm] = {}
        _raise_zarr_concurrency(settings.remote_concurrency)

    def forget(self) -> None:
        """Drop decrypted credentials (the catalog changed: they are read again when used).

        Stores and opened arrays stay: they are keyed by URL and credential row,
        and a read in flight in another thread must not lose its HTTP client.
        """
        with self._lock:
            self._credentials.clear()

    def close(self) -> None:
        """Close every store's HTTP clients (the hub is closing)."""
        with self._lock:
            stores = list(self._stores.values())
            self._credentials.clear()
            self._stores.clear()
            self._arrays.clear()
        for store in stores:
            store.close()

    @property
    def secret(self) -> bytes:
        return server_secret(self.settings)

    def _rows(self, organization_id: int) -> list[tuple[int, int | None, str, Credentials]]:
        with self._lock:
            cached = self._credentials.get(organization_id)
        if cached is not None:
            return cached
        with self.sessions() as session:
            rows = session.scalars(
                select(RemoteCredential).where(RemoteCredential.organization_id == organization_id)
            ).all()
            found = []
            for row in rows:
                fields = unseal(self.secret, organization_id, row.secret)
                credentials = Credentials.parse(fields)
                if credentials is not None:
                    found.append((row.id, row.dataset_id, row.url_prefix, credentials))
        with self._lock:
            self._credentials[organization_id] = found
        return found

    def credentials_for(
        self, organization_id: int, dataset_id: int | None, url: str
    ) -> tuple[int | None, Credentials | None]:
        """(row id, credentials) a read of ``url`` uses: the dataset's, else the org's."""
        best: tuple[int, int, Credentials] | None = None  # (rank, id, credentials)
        folder = url.rstrip("/") + "/"  # prefixes end in "/": the folder itself matches too
        for row_id, row_dataset, prefix, credentials in self._rows(organization_id):
            if not folder.startswith(prefix):
                continue
            if row_dataset is not None and row_dataset != dataset_id:
                continue
            rank = len(prefix) + (1 << 20 if row_dataset is not None else 0)
            if best is None or rank > best[0]:
                best = (rank, row_id, credentials)
        return (best[1], best[2]) if best is not None else (None, None)

    def lookup(self, organization_id: int | None) -> Callable[[str], Credentials | None]:
        """For a fetcher exploring or checking sources for the organization: the
        organization-wide credentials whose prefix is the longest that ``url`` starts with."""

        def find(url: str) -> Credentials | None:
            if organization_id is None:
                return None
            return self.credentials_for(organization_id, None, url)[1]

        return find

    def store(self, organization_id: int, dataset_id: int | None, url: str) -> RemoteStore:
        """The store of the objects below ``url``, as this dataset may read them."""
        check_remote_url(url, self.allowed)
        row_id, credentials = self.credentials_for(organization_id, dataset_id, url)
        # keyed by the credentials too: a rotated secret must not reuse the old store
        key = (url.rstrip("/"), row_id, credentials)
        with self._lock:
            store = self._stores.get(key)
            if store is None:
                if len(self._stores) >= MAX_OPEN_ARRAYS:  # left to the garbage collector
                    self._stores.clear()
                store = RemoteStore(
                    url,
                    allowed=self.allowed,
                    credentials=credentials,
                    concurrency=self.settings.remote_concurrency,
                    burst=self.settings.remote_box_concurrency,
                    cache=self.cache,
                    identity=f"credential-{row_id}" if row_id is not None else "",
                )
                self._stores[key] = store
            return store

    def open_array(self, layer: Any, url: str) -> Any:
        """The array at ``url`` of a remote ``layer`` (a catalog ``LayerEntry``): a zarr
        array, or an ``N5Array`` / ``PrecomputedArray`` (read by voxhub's chunk reader
        through the same store)."""
        zarr_format = _format(layer)
        store = self.store(layer.organization_id, layer.dataset_id, url)
        key = (store.url, _row(store), zarr_format)
        with self._lock:
            array = self._arrays.get(key)
        if array is None:
            array = self._open(layer, url, store, zarr_format)
            self._remember(key, array)
        return array

    def open_speculative(self, layer: Any, url: str) -> tuple[Any, Confirm | None]:
        """Like ``open_array``, without waiting for the metadata on a cold open.

        When the level is not open yet and its metadata document was kept at
        registration, the array is opened with the kept document while the source's
        is fetched anew (both in flight together); the caller may put chunk requests
        in flight at once, and must call the returned ``Confirm`` before anything it
        read is answered. It says whether the kept document was stale: then the
        values read meanwhile are dropped, the kept copy is updated, and the caller
        opens the level again (``open_array``: the fresh document, or today's error)."""
        zarr_format = _format(layer)
        store = self.store(layer.organization_id, layer.dataset_id, url)
        key = (store.url, _row(store), zarr_format)
        with self._lock:
            array = self._arrays.get(key)
            pending = self._pending.get(key)
        if array is not None:
            return array, None
        if pending is not None:
            return pending.array, pending
        kept = _kept(layer).get(url.rstrip("/"))
        meta_store, name = self._metadata_of(layer, url, store, zarr_format)
        if kept is None or not meta_store.seed(name, kept.encode("utf-8")):
            return self.open_array(layer, url), None
        fresh = meta_store.refresh(name)
        try:
            array = self._open(layer, url, store, zarr_format, kept.encode("utf-8"))
        except Exception:
            array = None  # the kept document does not open: wait for the fresh one
        document = kept.encode("utf-8")
        confirm = Confirm(self, layer, url, key, array, document, fresh, meta_store, name)
        if array is None:
            confirm()
            return self.open_array(layer, url), None
        with self._lock:
            self._pending[key] = confirm
        return array, confirm

    def _metadata_of(
        self, layer: Any, url: str, store: RemoteStore, zarr_format: int | str
    ) -> tuple[RemoteStore, str]:
        """The store and key of the metadata document a level opens with."""
        if zarr_format == "precomputed":
            volume = url.rstrip("/").rpartition("/")[0]
            return self.store(layer.organization_id, layer.dataset_id, volume + "/"), "info"
        return store, METADATA[layer.data_format]

    def _open(
        self,
        layer: Any,
        url: str,
        store: RemoteStore,
        zarr_format: int | str,
        kept: bytes | None = None,
    ) -> Any:
        """Open the array at ``url``: read its metadata, or a Zarr array from ``kept``."""
        try:
            if zarr_format == "n5":
                return open_n5(store)
            if zarr_format == "precomputed":
                info, _ = self._metadata_of(layer, url, store, zarr_format)
                return open_precomputed(store, info, url.rstrip("/").rpartition("/")[2])
            if kept is not None and zarr_format == 2:  # no request for the .zattrs either
                document = {**json.loads(kept), "attributes": {}}
                return zarr.Array(
                    AsyncArray(store_path=StorePath(store), metadata=cast(Any, document))
                )
            return zarr.open_array(store=store, mode="r", zarr_format=cast(ZarrFormat, zarr_format))
        except FileNotFoundError:
            missing = f"layer {layer.name}: no {layer.data_format} array at {url}"
            raise MagNotFound(missing) from None
        except BadMetadata as exc:
            raise RemoteNotReadable(f"layer {layer.name}: {exc.detail}") from None

    def _remember(self, key: tuple[str, int | None, int | str], array: Any) -> None:
        with self._lock:
            if len(self._arrays) >= MAX_OPEN_ARRAYS:
                self._arrays.clear()
            self._arrays[key] = array
            self._pending.pop(key, None)

    def add_credentials(
        self, session: Session, organization_id: int, dataset_id: int | None, grant: CredentialGrant
    ) -> RemoteCredential:
        """Store a grant of a registration, named after the dataset unless it says."""
        prefix = check_prefix(grant.url_prefix, self.allowed)
        wanted = grant.name
        if wanted is None:
            dataset = session.get(Dataset, dataset_id) if dataset_id is not None else None
            wanted = free_name(session, organization_id, dataset.name if dataset else "credential")
        row = add_credential(
            session, self.secret, organization_id, name=wanted, url_prefix=prefix,
            credentials=grant.credentials,
            dataset_id=None if grant.organization_wide else dataset_id,
        )  # fmt: skip
        with self._lock:
            self._credentials.pop(organization_id, None)
        return row

    def register(
        self,
        organization: str,
        name: str,
        properties: DatasourceProperties,
        grants: Iterable[CredentialGrant] = (),
        uploader_id: int | None = None,
        documents: Mapping[str, str] | None = None,
    ) -> None:
        """Publish a folder holding only ``properties`` and register it, with its credentials.

        ``documents``: the mags' metadata documents as ``check_sources`` read them, kept
        beside the properties (``KEPT_METADATA``) for cold reads (``open_speculative``).
        Everything (rows, credentials, the folder) happens or nothing does.
        """
        check_name(name, "dataset name")
        remote_urls(properties)
        check_layer_paths(properties, allowed=self.allowed)
        grants = list(grants)

        def created(session: Session, row: Any) -> None:
            for grant in grants:
                self.add_credentials(session, row.organization_id, row.id, grant)
            set_initial_access(session, row, uploader_id=uploader_id)

        root = DataRoot(self.settings.binary_data, self.settings.staging, self.storage)
        key = root.dataset_key(organization, name)
        properties.id = {"name": name, "team": organization}
        register = registration(self.sessions, organization, name, created, self.allowed)
        with staging_folder(self.settings.staging) as build:
            folder = build / name
            folder.mkdir()
            write_properties(folder, properties)
            if documents:
                (folder / KEPT_METADATA).write_bytes(kept_document(properties, documents))
            if root.exists(key):
                raise AlreadyExists(f"dataset {organization}/{name} already exists")
            publish_registered(root, folder, key, properties, register)
        self.forget()


class Confirm:
    """The check of a level opened with its kept metadata document (``open_speculative``):
    called once or many times, from any thread, it waits for the fresh document and says
    whether the kept one was stale (True: reopen the level)."""

    def __init__(
        self,
        sources: RemoteSources,
        layer: Any,
        url: str,
        key: tuple[str, int | None, int | str],
        array: Any,
        kept: bytes,
        fresh: concurrent.futures.Future[bytes | None],
        meta_store: RemoteStore,
        name: str,
    ) -> None:
        self.sources, self.layer, self.url, self.key = sources, layer, url, key
        self.array, self.kept, self.fresh = array, kept, fresh
        self.meta_store, self.name = meta_store, name
        self._lock = threading.Lock()
        self._stale: bool | None = None

    def __call__(self) -> bool:
        with self._lock:
            if self._stale is None:
                self._stale = self._check()
            return self._stale

    def _check(self) -> bool:
        try:
            body = self.fresh.result(timeout=self.meta_store.timeout + 5)
        except Exception:  # unreachable, refused, too large: the reopen answers as today
            body = None
        stale = body != self.kept
        self.meta_store.settle(self.name, body, stale)
        store = self.array.store if self.array is not None else None
        if stale and isinstance(store, RemoteStore):
            store.cache.discard((store.identity, store.url))
        if not stale:
            if self.array is not None:
                self.sources._remember(self.key, self.array)
            return False
        with self.sources._lock:
            self.sources._pending.pop(self.key, None)
        if body is not None:
            _keep(self.layer, self.url, body)
        return True


def _format(layer: Any) -> Literal[2, 3, "n5", "precomputed"]:
    zarr_format = READABLE.get(layer.data_format)
    if zarr_format is None:
        raise RemoteNotReadable(
            f"layer {layer.name}: remote {layer.data_format} layers cannot be read "
            "(Zarr, OME-Zarr, N5 and Neuroglancer precomputed layers can)"
        )
    return zarr_format


def _kept_key(layer: Any) -> str:
    return str(PurePosixPath(layer.key).parent / KEPT_METADATA)


def _kept(layer: Any) -> dict[str, str]:
    """The metadata documents kept at registration for ``layer``'s dataset, by mag URL
    (nothing when the file is missing, larger than ``MAX_KEPT_BYTES`` or malformed)."""
    storage = getattr(layer, "storage", None)
    if storage is None:
        return {}
    key = _kept_key(layer)
    try:
        path = storage.local_path(key)
        if path is not None and (not path.is_file() or path.stat().st_size > MAX_KEPT_BYTES):
            return {}
        raw = storage.read(key)
        if raw is None or len(raw) > MAX_KEPT_BYTES:
            return {}
        found = json.loads(raw)
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {
        k: v for k, v in found.items()
        if isinstance(k, str) and isinstance(v, str) and len(v) <= MAX_KEPT_DOCUMENT
    }  # fmt: skip


def _keep(layer: Any, url: str, body: bytes) -> None:
    """Update the kept document of ``url`` (best effort: a read-only store keeps the old)."""
    kept = _kept(layer)
    kept.pop(url.rstrip("/"), None)
    if len(body) <= MAX_KEPT_DOCUMENT:
        try:
            kept[url.rstrip("/")] = body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    data = json.dumps(kept).encode("utf-8")
    if len(data) > MAX_KEPT_BYTES:
        return
    try:
        layer.storage.write(_kept_key(layer), data)
    except (OSError, ValueError):
        pass


def kept_document(properties: DatasourceProperties, documents: Mapping[str, str]) -> bytes:
    """The kept-metadata file of a registration: the documents of its mags, bounded."""
    urls = {str(u).rstrip("/") for u in remote_urls(properties)}
    kept: dict[str, str] = {}
    size = 0
    for url, text in documents.items():
        small = len(text) <= MAX_KEPT_DOCUMENT and size + len(text) < MAX_KEPT_BYTES // 2
        if url in urls and small:
            kept[url] = text
            size += len(text)
    return json.dumps(kept).encode("utf-8")


def _row(store: RemoteStore) -> int | None:
    return int(store.identity.removeprefix("credential-")) if store.identity else None


def _raise_zarr_concurrency(wanted: int) -> None:
    """zarr-python keeps ``async.concurrency`` chunk requests of one read in flight (10 by
    default): too few to hide ~100 ms per remote request, so it is raised to ours."""
    current = int(zarr.config.get("async.concurrency") or 0)
    if current < wanted:
        zarr.config.set({"async.concurrency": wanted})


__all__ = [
    "Confirm",
    "CredentialGrant",
    "check_sources",
    "credential_prefix",
    "RemoteNotReadable",
    "RemoteSources",
    "remote_urls",
]
