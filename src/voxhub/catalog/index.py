"""An in-memory map of datasets and layers for the hot paths.

Chunk and slice requests resolve ``org/dataset/layer`` here without touching
the database. The map is rebuilt when the access epoch moves; the epoch is
polled at most every ``refresh_seconds``, so changes made by another process
(the CLI, a second API node) are seen within that time.

Everything an access decision needs is precomputed at load: each dataset's
cumulative teams (its own plus those of its folder and every ancestor), its
sharing token hash, and for each folder who may see it.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from voxhub.catalog.tree import FolderNode, FolderTree
from voxhub.db.access_models import (
    DatasetSettings,
    DatasetTag,
    DatasetTeam,
    Folder,
    FolderTeam,
    Team,
)
from voxhub.db.models import Dataset, Datastore, Organization, User
from voxhub.db.session import read_epoch
from voxhub.formats.properties import MagEntry
from voxhub.storage.store import DataStore


@dataclass(frozen=True)
class LayerEntry:
    name: str
    category: str
    element_class: str
    data_format: str
    path: Path
    mags: tuple[MagEntry, ...]  # typed as they are read from the catalog row
    bounding_box: dict[str, Any]
    num_channels: int
    largest_segment_id: int | None
    voxel_size: tuple[float, ...] = (1.0, 1.0, 1.0)  # the dataset's, in mag-1 voxels
    organization_id: int = 0
    dataset_id: int = 0
    remote: Any = None  # the hub's ``RemoteSources``: how mags whose path is a URL are read
    storage: DataStore | None = None  # where its bytes live, under ``key``
    key: str = ""


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset as the hot paths and ``can()`` see it.

    ``allowed_team_ids`` is cumulative (own teams and those of every enclosing
    folder); ``team_ids`` only the dataset's own grants.
    """

    kind: ClassVar[str] = "dataset"
    id: int
    organization: str
    organization_id: int
    name: str
    status: str
    is_public: bool
    path: Path
    layers: dict[str, LayerEntry]
    voxel_size: tuple[float, ...]
    unit: str
    allowed_team_ids: frozenset[int] = field(default_factory=frozenset)
    sharing_token_hash: str | None = None
    display_name: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    folder_id: int | None = None
    team_ids: frozenset[int] = field(default_factory=frozenset)
    created: datetime | None = None
    updated: datetime | None = None
    last_used: datetime | None = None
    uploader_id: int | None = None
    view_configuration: Mapping[str, Any] = field(default_factory=dict)
    metadata: tuple[Mapping[str, Any], ...] = ()  # key-value entries (catalog.metadata_entries)
    datastore_id: int | None = None  # held by an external datastore, which serves its bytes
    storage: DataStore | None = None  # where its bytes live, under ``key`` (``org/name``)
    key: str = ""


@dataclass(frozen=True)
class FolderEntry:
    """A folder as ``can()`` sees it.

    ``visible_team_ids`` adds to the cumulative teams every team allowed
    somewhere below (on a subfolder or a dataset), whose members must see the
    path down to what they may open.
    """

    kind: ClassVar[str] = "folder"
    id: int
    organization_id: int
    parent_id: int | None
    name: str
    team_ids: frozenset[int]
    allowed_team_ids: frozenset[int]
    visible_team_ids: frozenset[int]


@dataclass(frozen=True)
class TeamEntry:
    kind: ClassVar[str] = "team"
    id: int
    organization_id: int
    name: str


@dataclass(frozen=True)
class Snapshot:
    """One consistent view of the catalog, replaced whole on refresh."""

    datasets: dict[tuple[str, str], DatasetEntry] = field(default_factory=dict)
    folders: dict[int, FolderEntry] = field(default_factory=dict)
    tree: FolderTree = field(default_factory=lambda: FolderTree(()))
    teams: dict[int, TeamEntry] = field(default_factory=dict)
    organizations: dict[int, str] = field(default_factory=dict)
    uploaders: dict[int, str] = field(default_factory=dict)  # user id -> email
    datastores: dict[int, str] = field(default_factory=dict)  # datastore id -> public URL


def _location(storage: DataStore, key: str) -> Path:
    """The folder of ``key`` on disk; for an object store only a name saying where it is."""
    return storage.local_path(key) or Path(f"{storage.url.rstrip('/')}/{key}")


def _entry(
    dataset: Dataset, organization: str, storage: DataStore, remote: Any = None, **extra: Any
) -> DatasetEntry:
    key = f"{organization}/{dataset.name}"
    folder = _location(storage, key)
    layers = {
        layer.name: LayerEntry(
            name=layer.name,
            category=layer.category,
            element_class=layer.element_class,
            data_format=layer.data_format,
            path=folder / layer.name,
            mags=tuple(MagEntry.model_validate(m) for m in layer.mags),
            bounding_box=dict(layer.bounding_box),
            num_channels=layer.num_channels,
            largest_segment_id=layer.largest_segment_id,
            voxel_size=tuple(dataset.voxel_size),
            organization_id=dataset.organization_id,
            dataset_id=dataset.id,
            remote=remote,
            storage=storage,
            key=f"{key}/{layer.name}",
        )
        for layer in dataset.layers
    }
    return DatasetEntry(
        id=dataset.id,
        organization=organization,
        organization_id=dataset.organization_id,
        name=dataset.name,
        status=dataset.status,
        is_public=dataset.is_public,
        path=folder,
        layers=layers,
        voxel_size=tuple(dataset.voxel_size),
        unit=dataset.unit,
        display_name=dataset.display_name,
        description=dataset.description,
        created=dataset.created,
        updated=dataset.updated,
        datastore_id=dataset.datastore_id,
        storage=storage,
        key=key,
        **extra,
    )


def _pairs(session: Session, *columns: Any) -> dict[int, frozenset[Any]]:
    grouped: dict[int, set[Any]] = defaultdict(set)
    for key, value in session.execute(select(*columns)).all():
        grouped[key].add(value)
    return {key: frozenset(values) for key, values in grouped.items()}


def _access_extra(
    dataset: Dataset,
    tree: FolderTree,
    settings: DatasetSettings | None,
    teams: frozenset[int],
    tags: frozenset[str],
) -> dict[str, Any]:
    folder_id = settings.folder_id if settings is not None else None
    if folder_id is None or folder_id not in tree:
        folder_id = tree.root(dataset.organization_id)
    return {
        "folder_id": folder_id,
        "team_ids": teams,
        "allowed_team_ids": (teams | tree.cumulative(folder_id)) if folder_id else teams,
        "tags": tuple(sorted(tags)),
        "sharing_token_hash": settings.sharing_token_hash if settings else None,
        "last_used": settings.last_used if settings else None,
        "uploader_id": settings.uploader_id if settings else None,
        "view_configuration": dict(settings.view_configuration) if settings else {},
        "metadata": tuple(settings.metadata_entries or ()) if settings else (),
    }


def _folder_entries(tree: FolderTree, datasets: list[DatasetEntry]) -> dict[int, FolderEntry]:
    granted_below: dict[int, set[int]] = defaultdict(set)
    for node in tree.nodes.values():
        granted_below[node.id] |= node.team_ids
    for entry in datasets:
        if entry.folder_id is not None:
            granted_below[entry.folder_id] |= entry.team_ids
    below = tree.subtree_union({k: frozenset(v) for k, v in granted_below.items()})
    entries = {}
    for folder_id, teams_below in below.items():
        node = tree.nodes[folder_id]
        cumulative = tree.cumulative(folder_id)
        entries[folder_id] = FolderEntry(
            id=node.id,
            organization_id=node.organization_id,
            parent_id=node.parent_id,
            name=node.name,
            team_ids=node.team_ids,
            allowed_team_ids=cumulative,
            visible_team_ids=cumulative | teams_below,
        )
    return entries


class CatalogIndex:
    """``(org, dataset) -> DatasetEntry``, kept fresh by polling the epoch."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        storage: DataStore,
        refresh_seconds: float = 2.0,
        remote: Any = None,
    ) -> None:
        self._factory = factory
        self._remote = remote
        self._storage = storage
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._snapshot = Snapshot()
        self._epoch = -1
        self._checked = 0.0
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever the epoch moves (caches hang off this)."""
        self._listeners.append(callback)

    def get(self, organization: str, name: str) -> DatasetEntry | None:
        self.refresh()
        return self._snapshot.datasets.get((organization, name))

    def all(self) -> list[DatasetEntry]:
        self.refresh()
        return list(self._snapshot.datasets.values())

    def snapshot(self) -> Snapshot:
        """The current catalog view, for questions that span datasets and folders."""
        self.refresh()
        return self._snapshot

    def folder(self, folder_id: int) -> FolderEntry | None:
        self.refresh()
        return self._snapshot.folders.get(folder_id)

    def invalidate(self) -> None:
        """Poll the epoch on the next access (after this process changed something)."""
        self._checked = float("-inf")

    def lookup(self, organization: str, name: str) -> DatasetEntry | None:
        """``get``, but a miss reads the epoch at once (one one-row query) before it is
        believed: a job that registered a dataset commits the rows (and moves the
        epoch) before it reports success, so once a job says ``succeeded`` its
        dataset answers here, whichever process ran it."""
        entry = self.get(organization, name)
        if entry is None:
            self.refresh(catch_up=True)
            entry = self._snapshot.datasets.get((organization, name))
        return entry

    def refresh(self, force: bool = False, catch_up: bool = False) -> None:
        """Reload when the epoch moved, checked at most every ``refresh_seconds``
        (``catch_up``: checked now); ``force`` reloads whatever the epoch says."""
        now = time.monotonic()
        if not (force or catch_up) and now - self._checked < self._refresh_seconds:
            return
        with self._lock:
            if not (force or catch_up) and now - self._checked < self._refresh_seconds:
                return
            with self._factory() as session:
                epoch = read_epoch(session)
                if force or epoch != self._epoch:
                    self._snapshot = self._load(session)
                    self._epoch = epoch
                    for callback in self._listeners:
                        callback()
            self._checked = time.monotonic()

    def _load(self, session: Session) -> Snapshot:
        folder_teams = _pairs(session, FolderTeam.folder_id, FolderTeam.team_id)
        tree = FolderTree(
            FolderNode(row.id, row.organization_id, row.parent_id, row.name,
                       folder_teams.get(row.id, frozenset()))
            for row in session.scalars(select(Folder))
        )  # fmt: skip
        settings = {row.dataset_id: row for row in session.scalars(select(DatasetSettings))}
        dataset_teams = _pairs(session, DatasetTeam.dataset_id, DatasetTeam.team_id)
        tags = _pairs(session, DatasetTag.dataset_id, DatasetTag.tag)
        rows = session.execute(
            select(Dataset, Organization.name)
            .join(Organization)
            .options(selectinload(Dataset.layers))
        ).all()
        datasets = {
            (org, dataset.name): _entry(
                dataset,
                org,
                self._storage,
                self._remote,
                **_access_extra(
                    dataset,
                    tree,
                    settings.get(dataset.id),
                    dataset_teams.get(dataset.id, frozenset()),
                    tags.get(dataset.id, frozenset()),
                ),
            )
            for dataset, org in rows
        }
        return Snapshot(
            datasets=datasets,
            folders=_folder_entries(tree, list(datasets.values())),
            tree=tree,
            teams={
                team.id: TeamEntry(team.id, team.organization_id, team.name)
                for team in session.scalars(select(Team))
            },
            organizations=dict(session.execute(select(Organization.id, Organization.name)).all()),
            datastores=dict(session.execute(select(Datastore.id, Datastore.url)).all()),
            uploaders=dict(
                session.execute(
                    select(User.id, User.email).where(
                        User.id.in_({r.uploader_id for r in settings.values() if r.uploader_id})
                    )
                ).all()
            ),
        )
