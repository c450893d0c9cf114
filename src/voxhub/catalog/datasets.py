"""Dataset settings: names, description, tags, folder, public flag, teams, view configuration.

Each change that can alter who sees what bumps the access epoch (the index
reloads everywhere); permission, sharing and folder changes are audited.
Callers have already asked ``can()``; team managers' limits on team grants
are applied here through ``policy.team_grant_change``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from voxhub.access import audit
from voxhub.access.principal import Principal
from voxhub.catalog.errors import FolderNotFound
from voxhub.catalog.grants import DATASET_GRANTS, check_teams, granted, replace_grants
from voxhub.catalog.metadata_entries import parse_metadata_entries
from voxhub.catalog.view_config import parse_view_configuration
from voxhub.db.access_models import DatasetSettings, DatasetTag, DatasetTeam, Folder
from voxhub.db.models import Dataset, Organization, utcnow
from voxhub.db.session import bump_epoch
from voxhub.errors import BadName, InvalidInput, NotFound
from voxhub.names import clean_label, clean_tags

MAX_DESCRIPTION = 100_000
LAST_USED_EVERY = timedelta(minutes=1)


def find_dataset(session: Session, organization: str, name: str) -> Dataset:
    dataset = session.scalar(
        select(Dataset)
        .join(Organization)
        .where(Organization.name == organization, Dataset.name == name)
    )
    if dataset is None:
        raise NotFound(f"dataset {organization}/{name} not found")
    return dataset


def label(dataset: Dataset) -> str:
    """``org/name``, as audit entries and messages name a dataset."""
    return f"{dataset.organization.name}/{dataset.name}"


def existing_settings_row(session: Session, dataset: Dataset) -> DatasetSettings | None:
    return session.get(DatasetSettings, dataset.id)


def settings_row(session: Session, dataset: Dataset) -> DatasetSettings:
    """The dataset's settings row, created when it has none yet."""
    row = existing_settings_row(session, dataset)
    if row is None:
        row = DatasetSettings(dataset_id=dataset.id, view_configuration={})
        session.add(row)
        session.flush()
    return row


def own_team_ids(session: Session, dataset: Dataset) -> frozenset[int]:
    return granted(session, DATASET_GRANTS, dataset.id)


def tags_of(session: Session, dataset: Dataset) -> list[str]:
    rows = session.scalars(select(DatasetTag.tag).where(DatasetTag.dataset_id == dataset.id))
    return sorted(rows)


def folder_of_org(session: Session, folder_id: int, organization_id: int) -> Folder:
    folder = session.get(Folder, folder_id)
    if folder is None or folder.organization_id != organization_id:
        raise FolderNotFound(f"folder {folder_id} not found")
    return folder


def update_dataset(
    session: Session, actor: Principal, dataset: Dataset, changes: dict[str, Any]
) -> None:
    """Apply a partial update (display_name, description, tags, is_public, view_configuration,
    metadata)."""
    if "display_name" in changes:
        dataset.display_name = clean_label(changes["display_name"], "display name", 256)
    if "description" in changes:
        text = changes["description"]
        if not isinstance(text, str) or len(text) > MAX_DESCRIPTION:
            raise BadName(f"description must be text of at most {MAX_DESCRIPTION} characters")
        dataset.description = text
    if "tags" in changes:
        set_tags(session, dataset, changes["tags"])
    if "view_configuration" in changes:
        config = parse_view_configuration(
            changes["view_configuration"], (layer.name for layer in dataset.layers)
        )
        settings_row(session, dataset).view_configuration = config.to_json()
    if "metadata" in changes:
        entries = parse_metadata_entries(changes["metadata"])
        settings_row(session, dataset).metadata_entries = entries
    if "is_public" in changes and bool(changes["is_public"]) != dataset.is_public:
        dataset.is_public = bool(changes["is_public"])
        audit.record(session, actor, "dataset.public", label(dataset), dataset.organization_id,
                     is_public=dataset.is_public)  # fmt: skip
    dataset.updated = utcnow()
    bump_epoch(session)


def set_tags(session: Session, dataset: Dataset, tags: list[str]) -> list[str]:
    if not isinstance(tags, list):
        raise BadName("tags must be a list of text")
    cleaned = clean_tags(tags)
    session.execute(delete(DatasetTag).where(DatasetTag.dataset_id == dataset.id))
    session.add_all(DatasetTag(dataset_id=dataset.id, tag=tag) for tag in cleaned)
    session.flush()
    bump_epoch(session)
    return cleaned


def set_teams(
    session: Session, actor: Principal, dataset: Dataset, team_ids: Iterable[int]
) -> frozenset[int]:
    """Replace the dataset's own team grants (team managers: only their teams change)."""
    return replace_grants(
        session, actor, DATASET_GRANTS, dataset.id, dataset.organization_id, team_ids,
        ("dataset.teams", label(dataset)),
    )  # fmt: skip


def move(session: Session, actor: Principal, datasets: list[Dataset], folder: Folder) -> None:
    """Put every dataset in ``folder`` (all of one organization, checked by the caller)."""
    for dataset in datasets:
        if dataset.organization_id != folder.organization_id:
            raise InvalidInput(f"{label(dataset)} cannot move to another organization's folder")
        row = settings_row(session, dataset)
        assert row is not None
        if row.folder_id != folder.id:
            audit.record(session, actor, "dataset.move", label(dataset), dataset.organization_id,
                         old_folder=row.folder_id, new_folder=folder.id)  # fmt: skip
            row.folder_id = folder.id
    bump_epoch(session)


def set_initial_access(
    session: Session,
    dataset: Dataset,
    *,
    uploader_id: int | None = None,
    folder_id: int | None = None,
    team_ids: Iterable[int] = (),
) -> None:
    """For new datasets (uploads, imports): uploader, folder and initial teams.

    Without teams a new dataset is visible only to admins and dataset managers.
    """
    row = settings_row(session, dataset)
    assert row is not None
    row.uploader_id = uploader_id
    if folder_id is not None:
        row.folder_id = folder_of_org(session, folder_id, dataset.organization_id).id
    teams = check_teams(session, dataset.organization_id, team_ids)
    session.add_all(DatasetTeam(dataset_id=dataset.id, team_id=t) for t in sorted(teams))
    session.flush()
    bump_epoch(session)


def touch(session: Session, dataset_id: int) -> None:
    """Note that the dataset was opened (at most once a minute; no epoch bump)."""
    now = utcnow()
    result = session.execute(
        update(DatasetSettings)
        .where(DatasetSettings.dataset_id == dataset_id)
        .where(
            (DatasetSettings.last_used.is_(None))
            | (DatasetSettings.last_used < now - LAST_USED_EVERY)
        )
        .values(last_used=now)
    )
    if not result.rowcount and session.get(DatasetSettings, dataset_id) is None:  # type: ignore[attr-defined]
        session.add(DatasetSettings(dataset_id=dataset_id, view_configuration={}, last_used=now))
