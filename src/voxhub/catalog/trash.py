"""Deleting a dataset moves it to ``<data>/.trash``; it can be restored until purged.

The folder moves through the ``DataStore`` (locally one rename on the same
filesystem, atomic; on S3 the marker goes first, then the objects are copied
under ``.trash/``), the catalog rows go, and a trash entry keeps what is
needed to restore the dataset with its settings (display name, description,
tags, teams, folder, public flag, view configuration, the ISA assays linked to
it). If the transaction does not
commit, the folder moves back.
Entries older than ``VOXHUB_TRASH_DAYS`` are purged. Sharing links do not
survive a deletion.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from voxhub.access import audit
from voxhub.access.principal import Principal, system_principal
from voxhub.catalog import datasets as dataset_settings
from voxhub.catalog import investigations
from voxhub.catalog.errors import ConfirmationMismatch, TrashNotFound
from voxhub.catalog.register import describe, upsert_dataset
from voxhub.db.access_models import DatasetTag, DatasetTeam, Folder, Team, TrashEntry
from voxhub.db.isa_models import AssayDataLink, Investigation
from voxhub.db.models import Dataset, Organization, utcnow
from voxhub.db.session import bump_epoch
from voxhub.errors import Conflict
from voxhub.storage.store import DataStore

SERVER = system_principal("voxhub")  # the actor of automatic purges in the audit log


def on_rollback(session: Session, undo: Callable[[], None]) -> None:
    """Run ``undo`` if this transaction rolls back instead of committing."""
    pending: list[Callable[[], None]] | None = session.info.get("undo_on_rollback")
    if pending is None:
        pending = session.info["undo_on_rollback"] = []

        def rolled_back(_session: Session) -> None:
            while pending:
                pending.pop()()

        event.listen(session, "after_rollback", rolled_back)
        event.listen(session, "after_commit", lambda _session: pending.clear())
    pending.append(undo)


def _snapshot(session: Session, dataset: Dataset) -> dict[str, Any]:
    row = dataset_settings.existing_settings_row(session, dataset)
    return {
        "organization": dataset.organization.name,
        "display_name": dataset.display_name,
        "description": dataset.description,
        "is_public": dataset.is_public,
        "created": dataset.created.isoformat(),
        "tags": dataset_settings.tags_of(session, dataset),
        "team_ids": sorted(dataset_settings.own_team_ids(session, dataset)),
        "folder_id": row.folder_id if row else None,
        "uploader_id": row.uploader_id if row else None,
        "view_configuration": dict(row.view_configuration) if row else {},
        "metadata_entries": list(row.metadata_entries or []) if row else [],
        "assay_links": [
            {"investigation_id": link.investigation_id, "assay": link.assay, "layer": link.layer}
            for link in _links_of(session, dataset)
        ],
    }


def _links_of(session: Session, dataset: Dataset) -> list[AssayDataLink]:
    return list(
        session.scalars(
            select(AssayDataLink)
            .where(AssayDataLink.dataset_id == dataset.id)
            .order_by(AssayDataLink.id)
        )
    )


def _restore_links(session: Session, dataset: Dataset, links: list[dict[str, Any]]) -> None:
    """Links whose investigation (and assay) still exist point at the dataset again."""
    for item in links:
        row = session.get(Investigation, item.get("investigation_id") or -1)
        if row is None or investigations.model_of(row).try_get_assay(item["assay"]) is None:
            continue
        session.add(
            AssayDataLink(
                investigation_id=row.id,
                assay=item["assay"],
                dataset_id=dataset.id,
                layer=item.get("layer", ""),
            )
        )


def delete_dataset(
    session: Session, actor: Principal, dataset: Dataset, confirm: str, storage: DataStore
) -> TrashEntry:
    """Move the dataset to the trash; ``confirm`` must equal its name."""
    if confirm != dataset.name:
        raise ConfirmationMismatch("to delete a dataset, confirm with its exact name")
    organization = dataset.organization.name
    source = f"{organization}/{dataset.name}"
    target = f".trash/{organization}/{dataset.name}.{uuid.uuid4().hex[:12]}"
    entry = TrashEntry(
        organization_id=dataset.organization_id,
        name=dataset.name,
        path=target,
        deleted_by=actor.email or "",
        snapshot=_snapshot(session, dataset),
    )
    session.add(entry)
    label = dataset_settings.label(dataset)
    for link in _links_of(session, dataset):  # kept in the snapshot, restored with it
        session.delete(link)
    session.delete(dataset)
    session.flush()
    audit.record(session, actor, "dataset.delete", label, entry.organization_id, trash_id=entry.id)
    bump_epoch(session)
    if storage.is_published(source):
        storage.trash(source, target)
        on_rollback(session, lambda: storage.untrash(target, source))
    return entry


def get_entry(session: Session, entry_id: int, organization_id: int | None = None) -> TrashEntry:
    entry = session.get(TrashEntry, entry_id)
    if entry is None or (organization_id is not None and entry.organization_id != organization_id):
        raise TrashNotFound(f"no trash entry {entry_id}")
    return entry


def list_entries(session: Session, organization_id: int | None) -> list[TrashEntry]:
    query = select(TrashEntry).order_by(TrashEntry.deleted.desc())
    if organization_id is not None:
        query = query.where(TrashEntry.organization_id == organization_id)
    return list(session.scalars(query))


def _apply_snapshot(session: Session, dataset: Dataset, snapshot: dict[str, Any]) -> None:
    dataset.display_name = snapshot.get("display_name", dataset.name)
    dataset.description = snapshot.get("description", "")
    dataset.is_public = bool(snapshot.get("is_public", False))
    teams = session.scalars(
        select(Team.id).where(
            Team.id.in_(snapshot.get("team_ids", [])),
            Team.organization_id == dataset.organization_id,
        )
    )
    session.add_all(DatasetTeam(dataset_id=dataset.id, team_id=t) for t in teams)
    session.add_all(DatasetTag(dataset_id=dataset.id, tag=t) for t in snapshot.get("tags", []))
    row = dataset_settings.settings_row(session, dataset)
    assert row is not None
    folder = session.get(Folder, snapshot.get("folder_id") or -1)
    row.folder_id = (
        folder.id if folder and folder.organization_id == dataset.organization_id else None
    )
    row.uploader_id = snapshot.get("uploader_id")
    row.view_configuration = snapshot.get("view_configuration", {})
    row.metadata_entries = snapshot.get("metadata_entries", [])
    _restore_links(session, dataset, snapshot.get("assay_links", []))


def restore(session: Session, actor: Principal, entry: TrashEntry, storage: DataStore) -> Dataset:
    """Move the folder back and register the dataset again with its settings."""
    organization = session.get(Organization, entry.organization_id)
    assert organization is not None
    target = f"{organization.name}/{entry.name}"
    if storage.is_published(target) or session.scalar(
        select(Dataset.id).where(
            Dataset.organization_id == organization.id, Dataset.name == entry.name
        )
    ):
        raise Conflict(f"a dataset {organization.name}/{entry.name} exists again; cannot restore")
    source = entry.path
    if not storage.in_trash(source):
        raise TrashNotFound(f"the trashed folder of {entry.name} is gone")
    storage.untrash(source, target)
    on_rollback(session, lambda: storage.trash(target, source))
    dataset = upsert_dataset(session, organization.name, entry.name, describe(storage, target))
    _apply_snapshot(session, dataset, entry.snapshot)
    audit.record(session, actor, "dataset.restore", f"{organization.name}/{entry.name}",
                 organization.id, trash_id=entry.id)  # fmt: skip
    session.delete(entry)
    session.flush()
    bump_epoch(session)
    return dataset


def purge(session: Session, actor: Principal, entry: TrashEntry, storage: DataStore) -> None:
    """Delete a trashed dataset for good."""
    audit.record(session, actor, "dataset.purge", entry.name, entry.organization_id,
                 trash_id=entry.id)  # fmt: skip
    session.delete(entry)
    session.flush()
    storage.purge(entry.path)


def purge_expired(session: Session, actor: Principal, storage: DataStore, days: float) -> int:
    """Purge every entry older than ``days``; returns how many."""
    cutoff = utcnow() - timedelta(days=days)
    expired = list(session.scalars(select(TrashEntry).where(TrashEntry.deleted < cutoff)))
    for entry in expired:
        purge(session, actor, entry, storage)
    return len(expired)
