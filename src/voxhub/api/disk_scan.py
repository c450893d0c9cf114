"""``POST /api/v1/scan``: register datasets placed in the data folder by hand, now.

The server scans on its own every ``VOXHUB_SCAN_INTERVAL`` seconds; this is the
"Scan disk" button of the web app for those who cannot wait. Superusers scan the
whole data folder; an organization's admins scan only their organization's folder,
so they can neither register nor mark missing anything of another organization.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from voxhub.access.errors import Forbidden
from voxhub.access.policy import can
from voxhub.access.principal import Principal
from voxhub.api.deps import changing, get_hub, get_principal, require_login
from voxhub.catalog.scan import scan
from voxhub.db.models import Organization
from voxhub.hub import Hub

router = APIRouter(prefix="/api/v1", tags=["datasets"])


class ScanOut(BaseModel):
    active: list[str] = Field(description="org/name of every dataset found")
    missing: list[str] = Field(description="Registered datasets whose folder is gone")
    errors: dict[str, str] = Field(description="org/name -> why its folder cannot be read")


@router.post("/scan", response_model=ScanOut)
def scan_disk(
    hub: Annotated[Hub, Depends(get_hub)], principal: Annotated[Principal, Depends(get_principal)]
) -> ScanOut:
    """Scan the data folder now: all of it (superusers) or the admin's organization's part."""
    require_login(principal)
    whole = can(principal, "admin", "server")
    organization_id = principal.organization_id
    if not whole and (organization_id is None or not can(principal, "admin", organization_id)):
        raise Forbidden("only superusers and organization admins scan the data folder")
    with changing(hub) as session:
        scope = None
        if not whole:
            organization = session.get(Organization, organization_id)
            if organization is None:
                raise Forbidden("your organization no longer exists")
            scope = organization.name
        report = scan(session, hub.storage, hub.remote_allowed, organization=scope)
    return ScanOut(active=report.active, missing=report.missing, errors=report.errors)
