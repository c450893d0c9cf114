"""External datastores as the hub sees them: keys, registered datasets, heartbeats.

A datastore is created by a server admin, who gets its key once (the hub keeps
the SHA-256 hash). The node then presents the key to register the datasets it
holds (their ``datasource-properties.json``) and to beat every few seconds. Its
datasets become catalog rows with ``datastore_id`` set: listed, searched,
shared and permissioned like any other, but their bytes are served by the node.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from voxhub.access.tokens import hash_token, new_token
from voxhub.catalog.errors import DatastoreNotFound
from voxhub.catalog.register import upsert_dataset
from voxhub.db.models import Dataset, Datastore, Organization, utcnow
from voxhub.db.session import bump_epoch
from voxhub.errors import BadName, Conflict, InvalidInput, VoxhubError
from voxhub.formats.properties import DatasourceProperties
from voxhub.storage.local import NAME_PATTERN

KEY_PREFIX = "vxd_"
MAX_DATASETS = 10_000  # one registration; a node with more runs several datastores


@dataclass(frozen=True)
class IssuedKey:
    row: Datastore
    key: str


def check_url(url: str) -> str:
    """The node's public base URL: http(s), a host, no credentials, query or fragment."""
    if not isinstance(url, str) or len(url) > 2048:
        raise InvalidInput("a datastore URL is text of at most 2048 characters")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"a datastore URL must be http(s)://host, with an optional port and path; got {url!r}"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidInput("a datastore URL may not hold credentials, a query or a fragment")
    return url.strip().rstrip("/")


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise BadName(f"a datastore name is letters, digits, '_', '.', '-' (got {name!r})")
    return name


def create(session: Session, name: str, url: str) -> IssuedKey:
    """A new datastore and its key (shown only this once)."""
    name, url = check_name(name), check_url(url)
    if session.scalar(select(Datastore.id).where(Datastore.name == name)) is not None:
        raise Conflict(f"datastore {name!r} exists")
    key = new_token(KEY_PREFIX)
    row = Datastore(name=name, url=url, key_hash=hash_token(key), prefix=key[:8])
    session.add(row)
    session.flush()
    return IssuedKey(row, key)


def find(session: Session, name: str) -> Datastore:
    row = session.scalar(select(Datastore).where(Datastore.name == name))
    if row is None:
        raise DatastoreNotFound(f"datastore {name!r} not found")
    return row


def remove(session: Session, name: str) -> int:
    """Delete a datastore and the catalog rows of its datasets; returns how many."""
    row = find(session, name)
    datasets = session.scalars(select(Dataset).where(Dataset.datastore_id == row.id)).all()
    for dataset in datasets:
        session.delete(dataset)
    session.flush()  # the datasets first: the ORM does not know the foreign key's order
    session.delete(row)
    bump_epoch(session)
    return len(datasets)


def for_key(session: Session, key: str | None) -> Datastore | None:
    """The datastore presenting ``key``, or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 128:
        return None
    return session.scalar(select(Datastore).where(Datastore.key_hash == hash_token(key)))


def beat(session: Session, datastore: Datastore, url: str | None = None) -> None:
    """A heartbeat: the node is alive (and, when it says so, at a new URL)."""
    datastore.last_seen = utcnow()
    if url is not None and check_url(url) != datastore.url:
        datastore.url = check_url(url)
        bump_epoch(session)  # dataset URLs handed out change


@dataclass
class Registration:
    registered: list[str]
    removed: list[str]
    refused: dict[str, str]


Listed = tuple[str, str, DatasourceProperties]  # organization, dataset name, properties


def register(session: Session, datastore: Datastore, listing: list[Listed]) -> Registration:
    """Make the catalog hold exactly ``listing`` for ``datastore``.

    A dataset whose organization does not exist on the hub, or whose name a
    hub-held dataset (or another datastore's) already has, is refused and
    reported; the rest are registered. Datasets the node no longer lists are
    removed from the catalog.
    """
    if len(listing) > MAX_DATASETS:
        raise InvalidInput(f"a datastore registers at most {MAX_DATASETS} datasets at once")
    organizations = dict(session.execute(select(Organization.name, Organization.id)).all())
    result = Registration([], [], {})
    wanted: set[tuple[int, str]] = set()
    for organization, name, properties in listing:
        key = f"{organization}/{name}"
        if not NAME_PATTERN.match(name) or ".." in name:
            result.refused[key] = "not a valid dataset name"
            continue
        if organization not in organizations:
            result.refused[key] = f"organization {organization!r} does not exist on the hub"
            continue
        existing = session.scalar(
            select(Dataset).where(
                Dataset.organization_id == organizations[organization], Dataset.name == name
            )
        )
        if existing is not None and existing.datastore_id != datastore.id:
            result.refused[key] = "a dataset of that name is held elsewhere"
            continue
        try:
            with session.begin_nested():
                row = upsert_dataset(session, organization, name, properties)
                if row.datastore_id != datastore.id:
                    row.datastore_id = datastore.id
                    bump_epoch(session)
        except VoxhubError as exc:
            result.refused[key] = exc.detail
            continue
        wanted.add((organizations[organization], name))
        result.registered.append(key)
    names = {id_: name for name, id_ in organizations.items()}
    held = session.scalars(select(Dataset).where(Dataset.datastore_id == datastore.id)).all()
    for row in held:
        if (row.organization_id, row.name) not in wanted:
            result.removed.append(f"{names.get(row.organization_id)}/{row.name}")
            session.delete(row)
            bump_epoch(session)
    datastore.last_seen = utcnow()
    return result


class Heartbeats:
    """When each datastore was last heard from, re-read at most every ``refresh`` seconds.

    Only the JSON API asks (to show a dataset as ``unreachable``); chunk requests
    never do, and a datastore's beats do not move the access epoch.
    """

    def __init__(
        self, factory: sessionmaker[Session], timeout_seconds: float, refresh: float = 1.0
    ) -> None:
        self._factory = factory
        self._timeout = timedelta(seconds=timeout_seconds)
        self._refresh = refresh
        self._seen: dict[int, datetime | None] = {}
        self._read = float("-inf")
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Re-read on the next question (this process just recorded a beat)."""
        self._read = float("-inf")

    def reachable(self, datastore_id: int) -> bool:
        now = time.monotonic()
        if now - self._read >= self._refresh:
            with self._lock, self._factory() as session:
                rows = session.execute(select(Datastore.id, Datastore.last_seen)).all()
                self._seen = dict(rows)
                self._read = now
        last = self._seen.get(datastore_id)
        return last is not None and utcnow() - last <= self._timeout
