"""``POST /api/v1/scan``: register datasets placed in the data folder by hand, now.

The server scans on its own every ``VOXHUB_SCAN_INTERVAL`` seconds; this is the
"Scan disk" button of the web app for those who cannot wait. The data folder
holds every organization's datasets, so only superusers may scan it.
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
    """Scan the data folder now (superusers)."""
    require_login(principal)
    if not can(principal, "admin", "server"):
        raise Forbidden("only superusers scan the data folder")
    with changing(hub) as session:
        report = scan(session, hub.storage, hub.remote_allowed)
    return ScanOut(active=report.active, missing=report.missing, errors=report.errors)
