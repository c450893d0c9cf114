"""The one interface under everything that reads or writes dataset bytes.

A ``DataStore`` holds the published datasets (``<org>/<dataset>/…``, the
``binaryData`` layout) and is built on a zarr-python 3 store: ``LocalStore``
for the data folder (``LocalDataStore``), ``ObjectStore`` over obstore for an
S3 bucket (``voxhub.storage.s3.S3DataStore``). Keys are ``/``-separated and
relative to the store's root; readers (the catalog's levels, the ``/zarr``
route, scans) never join paths themselves.

The generic operations (``read``, ``write``, ``exists``, ``list_dir``,
``open_array``) go through the zarr store's async API with zarr's ``sync``;
what a backend does differently is publishing (a rename locally, a marker
object written last on S3), removal and the shortcuts a backend offers
(``local_path`` for handing files to the HTTP server, ``sign`` for presigned
URLs).
"""

from __future__ import annotations

import os
import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zarr
from zarr.abc.store import Store
from zarr.core.buffer import default_buffer_prototype
from zarr.core.sync import sync
from zarr.storage import LocalStore

from voxhub.errors import Conflict
from voxhub.storage.errors import UnsafePath
from voxhub.storage.local import NAME_PATTERN, clean_staging, folder_bytes, publish

# Liveness of a staging folder or record from its owner and age (see ``clean_staging``).
IsLive = Callable[[dict[str, Any] | None, float], bool]


def check_key(key: str) -> str:
    """A relative ``/``-separated key without ``..``, empty segments, backslashes or NUL."""
    parts = key.split("/")
    # list membership and substring tests run in C: this runs once per chunk GET
    if not key or "" in parts or "." in parts or ".." in parts or "\\" in key or "\x00" in key:
        raise UnsafePath(f"storage key {key!r} is not allowed")
    return key


@dataclass(frozen=True)
class ObjectInfo:
    """What a reader needs to answer a conditional or ranged GET."""

    size: int
    etag: str
    mtime: float


class DataStore(ABC):
    """Published datasets under ``<org>/<dataset>/``, and how to publish them."""

    url: str

    @property
    @abstractmethod
    def zarr_store(self) -> Store:
        """The zarr store rooted at the datasets (``binaryData``)."""

    # -- shortcuts a backend may offer ----------------------------------------------------
    def local_path(self, key: str) -> Path | None:
        """The file or folder of ``key`` when the bytes are on this machine's disk."""
        return None

    def local_file(self, key: str) -> str | None:
        """``local_path`` as a string, for the chunk hot path (a backend may build it faster)."""
        path = self.local_path(key)
        return None if path is None else str(path)

    def sign(self, key: str, seconds: float) -> str | None:
        """A short-lived URL a client may GET ``key`` from directly, when the backend has one."""
        return None

    # -- generic operations over the zarr store -------------------------------------------
    def read(self, key: str) -> bytes | None:
        buffer = sync(self.zarr_store.get(check_key(key), default_buffer_prototype()))
        return None if buffer is None else buffer.to_bytes()

    def write(self, key: str, data: bytes) -> None:
        buffer = default_buffer_prototype().buffer.from_bytes(data)
        sync(self.zarr_store.set(check_key(key), buffer))

    def exists(self, key: str) -> bool:
        return bool(sync(self.zarr_store.exists(check_key(key))))

    def list_dir(self, key: str) -> list[str]:
        """The names directly below ``key`` (``""``: the root)."""

        async def collect() -> list[str]:
            return [name async for name in self.zarr_store.list_dir(key)]

        return sorted(sync(collect()))

    def open_array(self, key: str) -> zarr.Array[Any]:
        """The zarr array at ``key``, read-only."""
        return zarr.open_array(store=self.zarr_store, path=check_key(key), mode="r")

    @abstractmethod
    def total_bytes(self, key: str) -> int | None:
        """Bytes of every object (file) under ``key``; None when nothing is there."""

    @abstractmethod
    def stamp(self, key: str) -> str | None:
        """Changes whenever the object at ``key`` is rewritten; None when it is missing."""

    # -- datasets ------------------------------------------------------------------------
    def datasets(self) -> Iterator[tuple[str, str]]:
        """Every published ``(organization, dataset)``."""
        for organization in self.list_dir(""):
            if not NAME_PATTERN.match(organization):
                continue
            for name in self.list_dir(organization):
                if NAME_PATTERN.match(name) and self.is_published(f"{organization}/{name}"):
                    yield organization, name

    @abstractmethod
    def is_published(self, key: str) -> bool:
        """Whether the dataset at ``key`` exists (readers may see it)."""

    @abstractmethod
    def publish(self, built: Path, key: str) -> None:
        """Make the folder ``built`` the dataset (or layer) at ``key`` at once; refuse to
        replace anything (``AlreadyExists``)."""

    @abstractmethod
    def unpublish(self, key: str, built: Path) -> None:
        """Undo ``publish``: ``key`` disappears; locally its folder goes back to ``built``."""

    @abstractmethod
    def remove(self, key: str) -> None:
        """Delete everything under ``key`` (a dataset or a layer)."""

    @abstractmethod
    def clean_staging(self, is_live: IsLive) -> int:
        """Remove what writers that died left behind; returns how many pieces of work."""

    # -- the trash: ``place`` is relative to the store's root (``.trash/<org>/<name>.<id>``) --
    @abstractmethod
    def trash(self, key: str, place: str) -> None:
        """Move the dataset at ``key`` to ``place``; it is invisible at ``key`` at once."""

    @abstractmethod
    def untrash(self, place: str, key: str) -> None:
        """Move a trashed dataset back to ``key`` (published again, whole)."""

    @abstractmethod
    def in_trash(self, place: str) -> bool:
        """Whether ``place`` holds a trashed dataset."""

    @abstractmethod
    def purge(self, place: str) -> None:
        """Delete a trashed dataset for good."""


class LocalDataStore(DataStore):
    """The data folder: ``binaryData`` on this machine's disk, staged by rename."""

    def __init__(self, binary_data: Path, staging: Path) -> None:
        self.root = binary_data
        self._prefix = os.path.join(str(binary_data), "")
        self.staging = staging
        self.url = str(binary_data)
        self._store: LocalStore | None = None

    @property
    def zarr_store(self) -> Store:
        if self._store is None:
            self.root.mkdir(parents=True, exist_ok=True)
            self._store = LocalStore(self.root)
        return self._store

    def local_path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def local_file(self, key: str) -> str:
        # A string join, not pathlib (~8 us per chunk GET); the key is checked the same way.
        return self._prefix + check_key(key).replace("/", os.sep)

    def open_array(self, key: str) -> zarr.Array[Any]:
        # A store rooted at the array itself: the fast chunk reader (``chunkread``) reads
        # its files straight from disk.
        return zarr.open_array(store=str(self.local_path(key)), mode="r")

    def total_bytes(self, key: str) -> int | None:
        return folder_bytes(self.local_path(key))

    def stamp(self, key: str) -> str | None:
        try:
            return str(os.stat(self.local_path(key)).st_mtime_ns)
        except OSError:
            return None

    def list_dir(self, key: str) -> list[str]:
        folder = self.local_path(key) if key else self.root
        try:
            return sorted(p.name for p in folder.iterdir() if key or p.is_dir())
        except OSError:
            return []

    def is_published(self, key: str) -> bool:
        path = self.local_path(key)
        return path.exists() or path.is_symlink()  # a dangling link holds the name too

    def datasets(self) -> Iterator[tuple[str, str]]:
        for organization, name in super().datasets():
            if self.local_path(f"{organization}/{name}").is_dir():  # symlinks followed
                yield organization, name

    def publish(self, built: Path, key: str) -> None:
        publish(built, self.local_path(key))

    def unpublish(self, key: str, built: Path) -> None:
        os.rename(self.local_path(key), built)

    def remove(self, key: str) -> None:
        shutil.rmtree(self.local_path(key), ignore_errors=True)

    def clean_staging(self, is_live: IsLive) -> int:
        return clean_staging(self.staging, is_live=is_live)

    def _place(self, place: str) -> Path:
        return self.root.parent.joinpath(*check_key(place).split("/"))

    def trash(self, key: str, place: str) -> None:
        if os.path.lexists(self.local_path(key)):  # one rename: same filesystem, atomic
            _rename(self.local_path(key), self._place(place))

    def untrash(self, place: str, key: str) -> None:
        _rename(self._place(place), self.local_path(key))

    def in_trash(self, place: str) -> bool:
        return os.path.lexists(self._place(place))

    def purge(self, place: str) -> None:
        path = self._place(place)
        if path.is_symlink():  # the data was only linked in; leave the original alone
            path.unlink()
        elif path.exists():
            shutil.rmtree(path)


def _rename(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(source, target)
    except OSError as exc:
        raise Conflict(f"cannot move {source.name} to {target.parent}: {exc.strerror}") from None


__all__ = ["DataStore", "IsLive", "LocalDataStore", "ObjectInfo", "check_key"]
