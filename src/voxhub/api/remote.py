"""``/api/v1/datasets/explore`` and ``/remote``: adding remote Zarr / N5 / precomputed data.

As in WEBKNOSSOS: the server looks at the URL (through the SSRF guard, with
the credentials given) and proposes a ``datasource-properties.json``; the
user reviews or edits it (layers may come from several sources) and
registers it with ``POST /remote``, optionally storing credentials (sealed
with the server key, never returned) for this dataset or for a URL prefix of
the organization. A request without credentials uses the organization's
stored ones for the URLs' prefixes (``/api/v1/remote-credentials``). Both
make the server fetch URLs a user names, so only those who may add datasets
to their organization (its managers) may do them.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from voxhub.api.deps import (
    HubDep,
    PrincipalDep,
    authorize_dataset,
    require,
    require_login,
    target_organization,
)
from voxhub.api.jobs import JobOut
from voxhub.api.zarr_remote import is_remote_layer
from voxhub.catalog.remote import CredentialGrant, check_sources, credential_prefix
from voxhub.errors import InvalidInput
from voxhub.formats.explore import explore
from voxhub.formats.properties import parse_properties
from voxhub.hub import Hub
from voxhub.jobs import service
from voxhub.storage.fetch import Credentials, GuardedFetcher
from voxhub.storage.local import check_name

router = APIRouter(prefix="/api/v1/datasets", tags=["remote"])


class ExploreIn(BaseModel):
    url: str = Field(min_length=1, max_length=2048, description="http(s)://, s3:// or gs://")
    credentials: dict[str, str] | None = Field(
        None, description='{"username", "password"} or {"token"}; used for this request only'
    )
    name: str | None = Field(None, max_length=128, description="Dataset name to propose")
    organization: str | None = Field(
        None, max_length=128, description="Organization (default: yours); its credentials apply"
    )


async def _fetcher(
    hub: Hub, organization_id: int, credentials: Credentials | None, url: str | None
) -> GuardedFetcher:
    """A fetcher with the credentials of the request, else the organization's stored
    ones whose prefix each URL starts with (the longest); never another organization's."""
    lookup = None
    if credentials is None:
        lookup = hub.remote.lookup(organization_id)
        if url:  # reads (and caches) the organization's rows off the event loop
            await asyncio.to_thread(lookup, url)
    return GuardedFetcher(
        hub.remote_allowed, credentials, lookup=lookup,
        concurrency=hub.settings.remote_concurrency,
    )  # fmt: skip


class ExploreOut(BaseModel):
    properties: dict[str, Any] = Field(description="Proposed datasource-properties.json")
    warnings: list[str]


@router.post("/explore", response_model=ExploreOut)
async def explore_remote(body: ExploreIn, hub: HubDep, principal: PrincipalDep) -> ExploreOut:
    """Look at a remote OME-Zarr, Zarr array, N5 or Neuroglancer precomputed source."""
    require_login(principal)
    org_id, _ = target_organization(hub, principal, body.organization, "edit")
    fetcher = await _fetcher(hub, org_id, Credentials.parse(body.credentials), body.url)
    async with fetcher:
        found = await explore(fetcher, body.url, body.name)
    return ExploreOut(
        properties=found.properties.model_dump(by_alias=True, exclude_none=True),
        warnings=found.warnings,
    )


class RemoteIn(BaseModel):
    name: str = Field(min_length=1, max_length=128, description="Name of the new dataset")
    organization: str | None = Field(
        None, max_length=128, description="Organization to hold it (default: your own)"
    )
    properties: dict[str, Any] | None = Field(
        None,
        description="The reviewed datasource-properties.json (mag paths are URLs; layers may "
        "come from several sources); explored from `url` when left out",
    )
    url: str | None = Field(None, max_length=2048, description="Source to explore if no properties")
    credentials: dict[str, str] | None = Field(
        None,
        description='{"username", "password"}, {"token"} or {"accessKeyId", "secretAccessKey", '
        '"region"}; stored encrypted, never returned',
    )
    credential_scope: Literal["dataset", "organization"] = Field(
        "dataset",
        alias="credentialScope",
        description="dataset: only this dataset uses them; organization: every dataset of the "
        "organization whose URLs start with credentialPrefix",
    )
    credential_prefix: str | None = Field(
        None,
        alias="credentialPrefix",
        max_length=2048,
        description="URL prefix the credentials apply to (default: the sources' common prefix)",
    )

    model_config = {"populate_by_name": True}


class RemoteOut(BaseModel):
    organization: str
    name: str
    layers: list[str]
    warnings: list[str]


@router.post("/remote", response_model=RemoteOut, status_code=201)
async def add_remote(body: RemoteIn, hub: HubDep, principal: PrincipalDep) -> RemoteOut:
    """Register a remote dataset (read-only, never copied) from reviewed properties."""
    require_login(principal)
    org_id, organization = target_organization(hub, principal, body.organization, "edit")
    credentials = Credentials.parse(body.credentials)
    warnings: list[str] = []
    fetcher = await _fetcher(hub, org_id, credentials, body.url)
    async with fetcher:
        if body.properties is None:
            if not body.url:
                raise InvalidInput("give the reviewed properties, or a url to explore")
            found = await explore(fetcher, body.url, body.name)
            properties, warnings = found.properties, found.warnings
        else:
            properties = parse_properties(body.properties, "properties")
        documents = await check_sources(fetcher, properties)
    grants = []
    if credentials is not None:
        prefix = body.credential_prefix or credential_prefix(properties, body.url)
        wide = body.credential_scope == "organization"
        grants.append(CredentialGrant(credentials, prefix, wide))
    await asyncio.to_thread(
        hub.remote.register, organization, body.name, properties, grants, principal.user_id,
        documents,
    )  # fmt: skip
    hub.index.invalidate()
    return RemoteOut(
        organization=organization,
        name=body.name,
        layers=[layer.name for layer in properties.data_layers],
        warnings=warnings,
    )


class CopyIn(BaseModel):
    target: str = Field(min_length=1, max_length=128, description="Name of the hosted copy")


@router.post("/{organization}/{name}/copy", response_model=JobOut, status_code=202)
def copy_remote(
    organization: str, name: str, body: CopyIn, hub: HubDep, principal: PrincipalDep
) -> JobOut:
    """Make a hosted copy of a remote dataset, as a job ("make local copy")."""
    require_login(principal)
    entry = authorize_dataset(hub, principal, organization, name, "edit")
    if not any(is_remote_layer(layer) for layer in entry.layers.values()):
        raise InvalidInput(f"dataset {organization}/{name} has no remote layer to copy")
    require(principal, "edit", entry.organization_id, "the organization")  # a new dataset
    check_name(body.target, "dataset name")
    params = {"organization": organization, "dataset": name, "target": body.target,
              "owner_id": principal.user_id}  # fmt: skip
    with hub.transaction() as session:
        job = service.submit(
            session, "remote.copy", params, owner_id=principal.user_id,
            organization_id=entry.organization_id, dataset=f"{organization}/{body.target}",
        )  # fmt: skip
        return JobOut.of(job)
