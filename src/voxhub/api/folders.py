"""``/api/v1/folders``: the folder tree of an organization, its teams, moves and deletes."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from voxhub.access.policy import can
from voxhub.access.principal import Principal
from voxhub.api.deps import (
    HubDep,
    PrincipalDep,
    authorize_folder,
    changing,
    require_login,
)
from voxhub.api.fields import Id
from voxhub.api.people import organization_for
from voxhub.catalog import folders as folder_service
from voxhub.catalog.index import FolderEntry, Snapshot
from voxhub.hub import Hub

router = APIRouter(prefix="/api/v1/folders", tags=["folders"])


class TeamRef(BaseModel):
    id: int
    name: str


class FolderOut(BaseModel):
    id: int
    name: str
    parentId: int | None
    path: str = Field(description="From the root, e.g. /projects/deep")
    allowedTeams: list[TeamRef]
    allowedTeamsCumulative: list[TeamRef]
    isEditable: bool


class FolderIn(BaseModel):
    parentId: Id
    name: str = Field(max_length=128)


class FolderPatch(BaseModel):
    name: str | None = Field(None, max_length=128)
    parentId: Id | None = Field(None, description="Move below this folder")


class TeamsIn(BaseModel):
    teamIds: list[Id] = Field(max_length=1000)


def team_refs(snapshot: Snapshot, team_ids: frozenset[int]) -> list[TeamRef]:
    teams = (snapshot.teams[t] for t in team_ids if t in snapshot.teams)
    return sorted((TeamRef(id=t.id, name=t.name) for t in teams), key=lambda t: t.name)


def describe(hub: Hub, principal: Principal, folder: FolderEntry) -> FolderOut:
    snapshot = hub.index.snapshot()
    return FolderOut(
        id=folder.id, name=folder.name, parentId=folder.parent_id,
        path="/" + snapshot.tree.path(folder.id),
        allowedTeams=team_refs(snapshot, folder.team_ids),
        allowedTeamsCumulative=team_refs(snapshot, folder.allowed_team_ids),
        isEditable=can(principal, "edit", folder),
    )  # fmt: skip


def _fresh(hub: Hub, principal: Principal, folder_id: int) -> FolderOut:
    return describe(hub, principal, authorize_folder(hub, principal, folder_id))


@router.get("/root", response_model=FolderOut)
def root(hub: HubDep, principal: PrincipalDep, organization: str | None = None) -> FolderOut:
    """The root folder of your organization."""
    with hub.transaction() as session:
        org = organization_for(session, principal, organization)
    root_id = hub.index.snapshot().tree.root(org.id)
    return _fresh(hub, principal, root_id if root_id is not None else -1)


@router.get("/tree", response_model=list[FolderOut])
def tree(hub: HubDep, principal: PrincipalDep, organization: str | None = None) -> list[FolderOut]:
    """Every folder you may see, parents before children."""
    with hub.transaction() as session:
        org = organization_for(session, principal, organization)
    snapshot = hub.index.snapshot()
    root_id = snapshot.tree.root(org.id)
    if root_id is None:
        return []
    entries = (snapshot.folders[i] for i in snapshot.tree.subtree(root_id))
    return [describe(hub, principal, f) for f in entries if can(principal, "view", f)]


@router.get("/{folder_id}", response_model=FolderOut)
def get_folder(folder_id: Id, hub: HubDep, principal: PrincipalDep) -> FolderOut:
    require_login(principal)
    return _fresh(hub, principal, folder_id)


@router.post("", response_model=FolderOut, status_code=201)
def create_folder(body: FolderIn, hub: HubDep, principal: PrincipalDep) -> FolderOut:
    """A new folder below ``parentId`` (needs edit access to the parent)."""
    require_login(principal)
    authorize_folder(hub, principal, body.parentId, "edit")
    with changing(hub) as session:
        parent = folder_service.get_folder(session, body.parentId)
        folder_id = folder_service.create_folder(session, principal, parent, body.name).id
    return _fresh(hub, principal, folder_id)


@router.patch("/{folder_id}", response_model=FolderOut)
def change_folder(
    folder_id: Id, body: FolderPatch, hub: HubDep, principal: PrincipalDep
) -> FolderOut:
    """Rename and/or move a folder (never into its own subtree)."""
    require_login(principal)
    authorize_folder(hub, principal, folder_id, "edit")
    if body.parentId is not None:
        authorize_folder(hub, principal, body.parentId, "edit")
    with changing(hub) as session:
        folder = folder_service.get_folder(session, folder_id)
        if body.name is not None:
            folder_service.rename_folder(session, principal, folder, body.name)
        if body.parentId is not None:
            new_parent = folder_service.get_folder(session, body.parentId)
            folder_service.move_folder(session, principal, folder, new_parent)
    return _fresh(hub, principal, folder_id)


@router.put("/{folder_id}/teams", response_model=FolderOut)
def set_teams(folder_id: Id, body: TeamsIn, hub: HubDep, principal: PrincipalDep) -> FolderOut:
    """Replace the teams allowed on the folder and everything below it."""
    require_login(principal)
    authorize_folder(hub, principal, folder_id, "edit")
    with changing(hub) as session:
        folder = folder_service.get_folder(session, folder_id)
        folder_service.set_folder_teams(session, principal, folder, body.teamIds)
    return _fresh(hub, principal, folder_id)


@router.delete("/{folder_id}", status_code=204)
def delete_folder(folder_id: Id, hub: HubDep, principal: PrincipalDep) -> Response:
    """Delete an empty folder."""
    require_login(principal)
    authorize_folder(hub, principal, folder_id, "edit")
    with changing(hub) as session:
        folder_service.delete_folder(
            session, principal, folder_service.get_folder(session, folder_id)
        )
    return Response(status_code=204)
