"""``/api/v1/datasets``: changing datasets — settings, teams, sharing token, access list, moves.

Reading is in ``datasets.py``; deleting and the trash in ``trash.py``;
``datasource-properties.json`` in ``properties.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from voxhub.access.principal import Principal
from voxhub.access.secrets import server_secret
from voxhub.api.datasets import DatasetOut, describe
from voxhub.api.deps import (
    HubDep,
    PrincipalDep,
    authorize_dataset,
    authorize_folder,
    changing,
)
from voxhub.api.fields import Id
from voxhub.catalog import datasets as dataset_service
from voxhub.catalog import sharing
from voxhub.catalog.explain import readers
from voxhub.db.models import Dataset
from voxhub.errors import BadName
from voxhub.hub import Hub

router = APIRouter(prefix="/api/v1/datasets", tags=["dataset settings"])


class DatasetPatch(BaseModel):
    displayName: str | None = Field(None, max_length=256)
    description: str | None = Field(None, description="Markdown")
    tags: list[str] | None = Field(None, max_length=100)
    folderId: Id | None = None
    isPublic: bool | None = None
    viewConfiguration: dict[str, Any] | None = None
    metadata: list[dict[str, Any]] | None = Field(
        None, max_length=200, description='[{"key", "type": string|number|string[], "value"}]'
    )


class TeamsIn(BaseModel):
    teamIds: list[Id] = Field(max_length=1000)


class SharingOut(BaseModel):
    sharingToken: str | None
    url: str | None = Field(None, description="The dataset's Zarr URL carrying the token")


class ReaderOut(BaseModel):
    userId: int
    email: str
    name: str
    reasons: list[str]
    canEdit: bool


class AccessOut(BaseModel):
    isPublic: bool
    hasSharingToken: bool
    users: list[ReaderOut]


class MoveIn(BaseModel):
    datasets: list[str] = Field(min_length=1, max_length=1000, description='["org/name", …]')
    folderId: Id


PATCH_FIELDS = {
    "displayName": "display_name", "description": "description", "tags": "tags",
    "isPublic": "is_public", "viewConfiguration": "view_configuration", "metadata": "metadata",
}  # fmt: skip


def fresh_dataset(hub: Hub, principal: Principal, organization: str, name: str) -> DatasetOut:
    entry = authorize_dataset(hub, principal, organization, name)
    return describe(
        entry, principal, hub.index.snapshot(), hub.disk_usage, hub.heartbeats.reachable
    )


@contextmanager
def _editing(
    hub: Hub, principal: Principal, organization: str, name: str
) -> Iterator[tuple[Session, Dataset]]:
    """The dataset's row in a ``changing`` transaction, once the principal may edit it."""
    authorize_dataset(hub, principal, organization, name, "edit")
    with changing(hub) as session:
        yield session, dataset_service.find_dataset(session, organization, name)


@router.patch("/{organization}/{name}", response_model=DatasetOut)
def update_dataset(
    organization: str, name: str, body: DatasetPatch, hub: HubDep, principal: PrincipalDep
) -> DatasetOut:
    """Change display name, description, tags, folder, public flag or view configuration."""
    authorize_dataset(hub, principal, organization, name, "edit")
    given = body.model_dump(exclude_unset=True)
    if "folderId" in given:
        if body.folderId is None:
            raise BadName("folderId may not be null")
        authorize_folder(hub, principal, body.folderId, "edit")
    with changing(hub) as session:
        dataset = dataset_service.find_dataset(session, organization, name)
        changes = {PATCH_FIELDS[k]: v for k, v in given.items() if k in PATCH_FIELDS}
        if changes:
            dataset_service.update_dataset(session, principal, dataset, changes)
        if body.folderId is not None:
            folder = dataset_service.folder_of_org(session, body.folderId, dataset.organization_id)
            dataset_service.move(session, principal, [dataset], folder)
    return fresh_dataset(hub, principal, organization, name)


@router.put("/{organization}/{name}/teams", response_model=DatasetOut)
def set_teams(
    organization: str, name: str, body: TeamsIn, hub: HubDep, principal: PrincipalDep
) -> DatasetOut:
    """Replace the teams allowed on the dataset (team managers change only their teams)."""
    with _editing(hub, principal, organization, name) as (session, dataset):
        dataset_service.set_teams(session, principal, dataset, body.teamIds)
    return fresh_dataset(hub, principal, organization, name)


def _sharing_out(request: Request, organization: str, name: str, token: str | None) -> SharingOut:
    base = request.app.state.hub.settings.public_url or str(request.base_url)
    url = f"{base.rstrip('/')}/zarr/token/{token}/{organization}/{name}/" if token else None
    return SharingOut(sharingToken=token, url=url)


@router.get("/{organization}/{name}/sharing-token", response_model=SharingOut)
def get_sharing_token(
    organization: str, name: str, request: Request, hub: HubDep, principal: PrincipalDep
) -> SharingOut:
    """The current sharing token (null when the dataset has none)."""
    authorize_dataset(hub, principal, organization, name, "edit")
    with hub.transaction() as session:
        dataset = dataset_service.find_dataset(session, organization, name)
        token = sharing.current_token(session, server_secret(hub.settings), dataset)
    return _sharing_out(request, organization, name, token)


@router.post("/{organization}/{name}/sharing-token", response_model=SharingOut)
def renew_sharing_token(
    organization: str, name: str, request: Request, hub: HubDep, principal: PrincipalDep
) -> SharingOut:
    """A new sharing token; the previous one stops working."""
    with _editing(hub, principal, organization, name) as (session, dataset):
        token = sharing.renew(session, server_secret(hub.settings), principal, dataset,
                              dataset_service.label(dataset))  # fmt: skip
    return _sharing_out(request, organization, name, token)


@router.delete("/{organization}/{name}/sharing-token", status_code=204)
def revoke_sharing_token(
    organization: str, name: str, hub: HubDep, principal: PrincipalDep
) -> Response:
    """Remove the sharing token; links with it stop working within seconds."""
    with _editing(hub, principal, organization, name) as (session, dataset):
        sharing.revoke(session, principal, dataset, dataset_service.label(dataset))
    return Response(status_code=204)


@router.get("/{organization}/{name}/access", response_model=AccessOut)
def access_list(organization: str, name: str, hub: HubDep, principal: PrincipalDep) -> AccessOut:
    """Who can read the dataset, and why."""
    entry = authorize_dataset(hub, principal, organization, name, "edit")
    with hub.transaction() as session:
        found = readers(session, entry, hub.index.snapshot())
    return AccessOut(
        isPublic=entry.is_public,
        hasSharingToken=entry.sharing_token_hash is not None,
        users=[
            ReaderOut(userId=r.user_id, email=r.email, name=r.name, reasons=list(r.reasons),
                      canEdit=r.can_edit)
            for r in found
        ],
    )  # fmt: skip


@router.post("/move", response_model=list[DatasetOut])
def move_datasets(body: MoveIn, hub: HubDep, principal: PrincipalDep) -> list[DatasetOut]:
    """Move several datasets into one folder; all or none."""
    folder = authorize_folder(hub, principal, body.folderId, "edit")
    names = []
    for key in dict.fromkeys(body.datasets):
        organization, _, name = key.partition("/")
        authorize_dataset(hub, principal, organization, name, "edit")
        names.append((organization, name))
    with changing(hub) as session:
        datasets = [dataset_service.find_dataset(session, o, n) for o, n in names]
        target = dataset_service.folder_of_org(session, folder.id, folder.organization_id)
        dataset_service.move(session, principal, datasets, target)
    return [fresh_dataset(hub, principal, o, n) for o, n in names]
