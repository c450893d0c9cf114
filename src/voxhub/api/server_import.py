"""``/api/v1/import``: admins turn files on the server's disk into datasets, as jobs.

The web app's "Import from server folder": browse what ``VOXHUB_IMPORT_ROOTS``
hold, then queue an ``import`` job for a file or folder (any format an upload
accepts); ``/api/v1/jobs`` shows its progress. Reading the server's disk is an
admin's right, so both routes want the organization's admins (or superusers);
everyone else gets the same 404 as for a route that is not there.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, PositiveFloat

from voxhub.access.errors import Hidden
from voxhub.access.policy import can
from voxhub.access.principal import Principal
from voxhub.api.deps import HubDep, UserDep, require_login
from voxhub.api.fields import Id
from voxhub.api.jobs import JobOut
from voxhub.catalog.datasets import folder_of_org
from voxhub.catalog.grants import check_teams
from voxhub.db.models import Organization
from voxhub.errors import Conflict
from voxhub.jobs import service
from voxhub.jobs.server_import import list_import_folder
from voxhub.openmsi.importing import resolve_import_path
from voxhub.storage.local import check_name

router = APIRouter(prefix="/api/v1/import", tags=["import"])


class ImportEntryOut(BaseModel):
    name: str
    isDir: bool
    size: int | None = Field(description="Bytes of a file; null for a folder")


class ImportListingOut(BaseModel):
    path: str = Field(description="The folder listed, relative to the import folders")
    entries: list[ImportEntryOut]
    truncated: bool = Field(description="True when the folder holds more than were listed")


class ImportIn(BaseModel):
    path: str = Field(min_length=1, max_length=4096, description="Relative to an import folder")
    organization: str = Field(max_length=128)
    name: str = Field(max_length=128, description="Name of the new dataset")
    folderId: Id | None = Field(None, description="Folder of the new dataset (default: root)")
    teamIds: list[Id] = Field(default_factory=list, max_length=1000)
    voxelSize: tuple[PositiveFloat, PositiveFloat, PositiveFloat] | None = None
    unit: str | None = Field(None, max_length=32)


def _require_import_admin(principal: Principal, organization_id: int | None) -> None:
    require_login(principal)
    allowed = can(principal, "admin", organization_id) if organization_id else False
    if not (allowed or can(principal, "admin", "server")):
        raise Hidden("not found")


@router.get("/files", response_model=ImportListingOut)
def list_files(
    hub: HubDep,
    principal: UserDep,
    path: Annotated[
        str, Query(max_length=4096, description="Folder to list; empty: the roots")
    ] = "",
) -> ImportListingOut:
    """Files and folders in the import folders (admins), at most 1000 per listing."""
    _require_import_admin(principal, principal.organization_id)
    entries, truncated = list_import_folder(hub.settings.import_roots, path)
    return ImportListingOut(
        path=path.strip().strip("/"),
        entries=[ImportEntryOut(name=e.name, isDir=e.is_dir, size=e.size) for e in entries],
        truncated=truncated,
    )


@router.post("", response_model=JobOut, status_code=202)
def submit_import(body: ImportIn, hub: HubDep, principal: UserDep) -> JobOut:
    """Queue the conversion of a file or folder from the import folders into a new dataset."""
    with hub.transaction() as session:
        org = session.query(Organization).filter(Organization.name == body.organization).first()
        _require_import_admin(principal, org.id if org else None)
        if org is None:
            raise Hidden(f"organization {body.organization} not found")
        check_name(body.name, "dataset name")
        if hub.index.lookup(org.name, body.name) is not None:
            raise Conflict(f"dataset {org.name}/{body.name} already exists")
        source = resolve_import_path(hub.settings.import_roots, body.path)
        if body.folderId is not None:
            folder_of_org(session, body.folderId, org.id)
        teams = sorted(check_teams(session, org.id, body.teamIds))
        params = {
            "path": body.path.strip(),
            "source": str(source),
            "organization": org.name,
            "dataset": body.name,
            "folder_id": body.folderId,
            "team_ids": teams,
            "owner_id": principal.user_id,
            "voxel_size": list(body.voxelSize) if body.voxelSize else None,
            "unit": body.unit,
        }
        job = service.submit(
            session, "import", params, owner_id=principal.user_id, organization_id=org.id,
            dataset=f"{org.name}/{body.name}",
        )  # fmt: skip
        return JobOut.of(job)
