"""Deleting datasets into the trash, listing it, restoring, purging (admins, dataset managers)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from voxhub.access.principal import Principal
from voxhub.api.dataset_settings import fresh_dataset
from voxhub.api.datasets import DatasetOut
from voxhub.api.deps import (
    HubDep,
    PrincipalDep,
    authorize_dataset,
    changing,
    held_here,
    require,
)
from voxhub.api.fields import Id
from voxhub.api.people import organization_for
from voxhub.catalog import trash as trash_service
from voxhub.catalog.datasets import find_dataset
from voxhub.catalog.errors import ConfirmationMismatch
from voxhub.db.access_models import TrashEntry
from voxhub.db.models import Organization
from voxhub.hub import Hub

router = APIRouter(tags=["trash"])
Confirm = Annotated[str, Query(max_length=128, description="The dataset's name, to confirm")]


class TrashOut(BaseModel):
    id: int
    organization: str
    name: str
    deleted: datetime
    deletedBy: str
    purgeAfter: datetime


def _trash_out(hub: Hub, entry: TrashEntry, organization: str) -> TrashOut:
    return TrashOut(
        id=entry.id, organization=organization, name=entry.name, deleted=entry.deleted,
        deletedBy=entry.deleted_by,
        purgeAfter=entry.deleted + timedelta(days=hub.settings.trash_days),
    )  # fmt: skip


@router.delete("/api/v1/datasets/{organization}/{name}", response_model=TrashOut)
def delete_dataset(
    organization: str, name: str, confirm: Confirm, hub: HubDep, principal: PrincipalDep
) -> TrashOut:
    """Move the dataset to the trash (``?confirm=`` its name); restorable until purged."""
    held_here(authorize_dataset(hub, principal, organization, name, "manage"))
    with changing(hub) as session:
        dataset = find_dataset(session, organization, name)
        entry = trash_service.delete_dataset(session, principal, dataset, confirm, hub.storage)
        return _trash_out(hub, entry, organization)


def _entry(hub: Hub, principal: Principal, entry_id: int) -> tuple[TrashEntry, str]:
    with hub.transaction() as session:
        org_filter = None if principal.is_superuser else principal.organization_id
        entry = trash_service.get_entry(session, entry_id, org_filter)
        organization = session.get(Organization, entry.organization_id)
        assert organization is not None
    require(principal, "manage", entry.organization_id, f"trash entry {entry_id}")
    return entry, organization.name


@router.get("/api/v1/trash", response_model=list[TrashOut])
def list_trash(
    hub: HubDep, principal: PrincipalDep, organization: str | None = None
) -> list[TrashOut]:
    """Deleted datasets of an organization, newest first."""
    with hub.transaction() as session:
        org = organization_for(session, principal, organization)
        require(principal, "manage", org.id, f"organization {org.name}")
        trash_service.purge_expired(session, principal, hub.storage, hub.settings.trash_days)
        return [_trash_out(hub, e, org.name) for e in trash_service.list_entries(session, org.id)]


@router.post("/api/v1/trash/{entry_id}/restore", response_model=DatasetOut)
def restore(entry_id: Id, hub: HubDep, principal: PrincipalDep) -> DatasetOut:
    """Put a deleted dataset back, with its settings and teams."""
    _, organization = _entry(hub, principal, entry_id)
    with changing(hub) as session:
        entry = trash_service.get_entry(session, entry_id)
        name = trash_service.restore(session, principal, entry, hub.storage).name
    return fresh_dataset(hub, principal, organization, name)


@router.delete("/api/v1/trash/{entry_id}", status_code=204)
def purge(entry_id: Id, confirm: Confirm, hub: HubDep, principal: PrincipalDep) -> Response:
    """Delete a trashed dataset for good (``?confirm=`` its name)."""
    entry, _ = _entry(hub, principal, entry_id)
    if confirm != entry.name:
        raise ConfirmationMismatch("to purge a dataset, confirm with its exact name")
    with changing(hub) as session:
        trash_service.purge(
            session, principal, trash_service.get_entry(session, entry_id), hub.storage
        )
    return Response(status_code=204)
