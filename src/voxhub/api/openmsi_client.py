"""``/openmsi`` beyond queries: the browser viewer, analyses and server-side MSI imports as jobs.

The viewer is static HTML and JavaScript (``voxhub/web/static/openmsi-*``);
it reads everything through the query URLs, so it sees exactly what its
user may see. Analyses and imports are queued as jobs (``/api/v1/jobs``
shows their progress); their permission is checked here, when they are
submitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

import voxhub.web
from voxhub.access.errors import Hidden
from voxhub.access.policy import can
from voxhub.api.deps import UserDep, authorize_dataset
from voxhub.api.jobs import JobOut
from voxhub.api.openmsi import AddressDep, HubDep, split_file
from voxhub.db.models import Organization
from voxhub.errors import Conflict
from voxhub.jobs import service
from voxhub.openmsi.address import resolve
from voxhub.openmsi.analyses import check_analysable, list_analyses
from voxhub.openmsi.analysis_kinds import get_kind
from voxhub.openmsi.importing import resolve_import_path

router = APIRouter(prefix="/openmsi", tags=["openmsi"])
STATIC = Path(voxhub.web.__file__).parent / "static"
ASSETS = {
    "viewer.js": ("openmsi-viewer.js", "text/javascript"),
    "viewer.css": ("openmsi-viewer.css", "text/css"),
}


@router.get("/client/viewer/", response_class=FileResponse)
def viewer_page() -> FileResponse:
    """The viewer; its state (file, channels, cursors) lives in the query string."""
    return FileResponse(STATIC / "openmsi-viewer.html", media_type="text/html")


@router.get("/client/viewer/{asset}", response_class=FileResponse)
def viewer_asset(asset: str) -> FileResponse:
    if asset not in ASSETS:
        raise Hidden(f"no viewer file {asset!r}")
    name, media = ASSETS[asset]
    return FileResponse(STATIC / name, media_type=media)


class AnalysisIn(BaseModel):
    type: str = Field(description="tic_normalize, findpeaks_global, findpeaks_local or nmf")
    parameters: dict[str, Any] = Field(default_factory=dict)
    identifier: str | None = Field(None, min_length=1, max_length=200)


@router.post("/analyses", response_model=JobOut, status_code=202)
def submit_analysis(
    body: AnalysisIn, hub: HubDep, principal: UserDep, address: AddressDep, file: str | None = None
) -> JobOut:
    """Queue an analysis of ``file`` at the address (``dataIndex`` or an analysis output)."""
    organization, name = split_file(file)
    entry = authorize_dataset(hub, principal, organization, name, "edit")
    kind = get_kind(body.type)
    target = resolve(hub, entry, address)  # fail now, not in the worker, if it does not exist
    check_analysable(target)
    parameters = kind.check(body.parameters, tuple(target.array.shape))
    if body.identifier and any(a.identifier == body.identifier for a in list_analyses(hub, entry)):
        raise Conflict(f"identifier: an analysis {body.identifier!r} already exists")
    params = {
        "organization": entry.organization,
        "dataset": entry.name,
        "exp_index": address.exp_index,
        "data_index": target.description.get("dataIndex"),
        "ana_index": target.description.get("anaIndex"),
        "ana_data_name": target.description.get("anaDataName"),
        "parameters": parameters,
        "identifier": body.identifier,
    }
    with hub.transaction() as session:
        job = service.submit(
            session,
            f"openmsi.{body.type}",
            params,
            owner_id=principal.user_id,
            organization_id=entry.organization_id,
            dataset=f"{entry.organization}/{entry.name}",
        )
        return JobOut.of(job)


class ImportIn(BaseModel):
    path: str = Field(description="The file, relative to one of VOXHUB_IMPORT_ROOTS")
    organization: str
    name: str
    layer: str = "msi"
    tolerance_ppm: float = Field(5.0, gt=0)


@router.post("/import", response_model=JobOut, status_code=202)
def submit_import(body: ImportIn, hub: HubDep, principal: UserDep) -> JobOut:
    """Queue the import of an imzML or OpenMSI HDF5 file from the server's import folders."""
    with hub.transaction() as session:
        org = session.scalar(select(Organization).where(Organization.name == body.organization))
        allowed = can(principal, "edit", org.id) if org else can(principal, "admin", "server")
        if not allowed:
            raise Hidden(f"organization {body.organization} not found")
        path = resolve_import_path(hub.settings.import_roots, body.path)
        params = {**body.model_dump(), "path": str(path), "dataset": body.name}
        job = service.submit(
            session,
            "openmsi.import",
            params,
            owner_id=principal.user_id,
            organization_id=org.id if org else None,
            dataset=f"{body.organization}/{body.name}",
        )
        return JobOut.of(job)
