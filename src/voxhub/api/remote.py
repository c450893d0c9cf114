"""``/api/v1/datasets/explore``: what a remote Zarr / N5 / precomputed source holds.

The first step of adding a remote dataset, as in WEBKNOSSOS: the server looks
at the URL (through the SSRF guard, with the credentials given) and proposes
a ``datasource-properties.json`` for the user to review. Exploring makes the
server fetch URLs a user names, so only those who may add datasets to their
organization (its managers) may do it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from voxhub.api.deps import HubDep, PrincipalDep, require, require_login
from voxhub.formats.explore import explore
from voxhub.storage.fetch import AllowedHosts, Credentials, GuardedFetcher

router = APIRouter(prefix="/api/v1/datasets", tags=["remote"])


class ExploreIn(BaseModel):
    url: str = Field(min_length=1, max_length=2048, description="http(s)://, s3:// or gs://")
    credentials: dict[str, str] | None = Field(
        None, description='{"username", "password"} or {"token"}; used for this request only'
    )
    name: str | None = Field(None, max_length=128, description="Dataset name to propose")


class ExploreOut(BaseModel):
    properties: dict[str, Any] = Field(description="Proposed datasource-properties.json")
    warnings: list[str]


@router.post("/explore", response_model=ExploreOut)
async def explore_remote(body: ExploreIn, hub: HubDep, principal: PrincipalDep) -> ExploreOut:
    """Look at a remote OME-Zarr, Zarr array, N5 or Neuroglancer precomputed source."""
    require_login(principal)
    require(principal, "edit", principal.organization_id, "the organization")
    settings = hub.settings
    fetcher = GuardedFetcher(
        AllowedHosts.parse(settings.remote_allowed_hosts),
        Credentials.parse(body.credentials),
        concurrency=settings.remote_concurrency,
    )
    async with fetcher:
        found = await explore(fetcher, body.url, body.name)
    return ExploreOut(
        properties=found.properties.model_dump(by_alias=True, exclude_none=True),
        warnings=found.warnings,
    )
