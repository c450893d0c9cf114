"""An in-memory map of datasets and layers for the hot paths.

Chunk and slice requests resolve ``org/dataset/layer`` here without touching
the database. The map is rebuilt when the access epoch moves; the epoch is
polled at most every ``refresh_seconds``, so changes made by another process
(the CLI, a second API node) are seen within that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from voxhub.db.models import Dataset, Organization
from voxhub.db.session import read_epoch


@dataclass(frozen=True)
class LayerEntry:
    name: str
    category: str
    element_class: str
    data_format: str
    path: Path
    mags: tuple[dict[str, Any], ...]
    bounding_box: dict[str, Any]
    num_channels: int
    largest_segment_id: int | None


@dataclass(frozen=True)
class DatasetEntry:
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


def _entry(dataset: Dataset, organization: str, binary_data: Path) -> DatasetEntry:
    folder = binary_data / organization / dataset.name
    layers = {
        layer.name: LayerEntry(
            name=layer.name,
            category=layer.category,
            element_class=layer.element_class,
            data_format=layer.data_format,
            path=folder / layer.name,
            mags=tuple(layer.mags),
            bounding_box=dict(layer.bounding_box),
            num_channels=layer.num_channels,
            largest_segment_id=layer.largest_segment_id,
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
        allowed_team_ids=frozenset(getattr(dataset, "allowed_team_ids_cumulative", ()) or ()),
        sharing_token_hash=getattr(dataset, "sharing_token_hash", None),
    )


class CatalogIndex:
    """``(org, dataset) -> DatasetEntry``, kept fresh by polling the epoch."""

    def __init__(
        self, factory: sessionmaker[Session], binary_data: Path, refresh_seconds: float = 2.0
    ) -> None:
        self._factory = factory
        self._binary_data = binary_data
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], DatasetEntry] = {}
        self._epoch = -1
        self._checked = 0.0
        self._listeners: list[Any] = []

    def on_change(self, callback: Any) -> None:
        """Call ``callback()`` whenever the epoch moves (caches hang off this)."""
        self._listeners.append(callback)

    def get(self, organization: str, name: str) -> DatasetEntry | None:
        self.refresh()
        return self._entries.get((organization, name))

    def all(self) -> list[DatasetEntry]:
        self.refresh()
        return list(self._entries.values())

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < self._refresh_seconds:
            return
        with self._lock:
            if not force and now - self._checked < self._refresh_seconds:
                return
            with self._factory() as session:
                epoch = read_epoch(session)
                if force or epoch != self._epoch:
                    self._entries = self._load(session)
                    self._epoch = epoch
                    for callback in self._listeners:
                        callback()
            self._checked = time.monotonic()

    def _load(self, session: Session) -> dict[tuple[str, str], DatasetEntry]:
        rows = session.execute(
            select(Dataset, Organization.name)
            .join(Organization)
            .options(selectinload(Dataset.layers))
        ).all()
        return {
            (org, dataset.name): _entry(dataset, org, self._binary_data) for dataset, org in rows
        }
