"""``datasource-properties.json``: read, replace (validated), compare with the disk, apply."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from voxhub.api.deps import (
    HubDep,
    PrincipalDep,
    authorize_dataset,
    changing,
    held_here,
)
from voxhub.catalog import datasource
from voxhub.catalog.datasets import find_dataset
from voxhub.catalog.index import DatasetEntry
from voxhub.storage.errors import NotOnThisStorage
from voxhub.storage.store import DataStore

router = APIRouter(prefix="/api/v1/datasets", tags=["dataset properties"])


class DiskOut(BaseModel):
    differs: bool
    catalog: dict[str, Any]
    disk: dict[str, Any] | None = Field(description="Null when the file cannot be read")
    error: str | None = Field(description="Why the disk version cannot be used")
    diff: list[dict[str, Any]] = Field(description="RFC 6902 JSON Patch from catalog to disk")


@router.get("/{organization}/{name}/properties")
def read_properties(
    organization: str, name: str, hub: HubDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The properties as the catalog has them."""
    authorize_dataset(hub, principal, organization, name)
    with hub.transaction() as session:
        return dict(find_dataset(session, organization, name).properties)


def _stored(entry: DatasetEntry) -> tuple[DataStore, str]:
    """Where the dataset's file and arrays are: the data folder or S3, under its key."""
    if entry.storage is None:
        raise NotOnThisStorage(f"dataset {entry.organization}/{entry.name} has no files here")
    return entry.storage, entry.key


@router.put("/{organization}/{name}/properties")
def replace_properties(
    organization: str,
    name: str,
    hub: HubDep,
    principal: PrincipalDep,
    document: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Replace the file; unknown element classes, boxes outside the data and duplicate
    layer names are refused and change nothing."""
    entry = held_here(authorize_dataset(hub, principal, organization, name, "edit"))
    with changing(hub) as session:
        dataset = find_dataset(session, organization, name)
        properties = datasource.replace_properties(
            session, principal, dataset, document, *_stored(entry)
        )
        return properties.to_json()


@router.get("/{organization}/{name}/properties/disk", response_model=DiskOut)
def disk_properties(organization: str, name: str, hub: HubDep, principal: PrincipalDep) -> DiskOut:
    """The catalog's and the disk's version side by side, with a JSON diff."""
    entry = held_here(authorize_dataset(hub, principal, organization, name, "edit"))
    with hub.transaction() as session:
        view = datasource.disk_view(find_dataset(session, organization, name), *_stored(entry))
    return DiskOut(
        differs=view.differs, catalog=view.catalog, disk=view.disk, error=view.error, diff=view.diff
    )


@router.post("/{organization}/{name}/properties/disk/apply")
def apply_disk_properties(
    organization: str, name: str, hub: HubDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Make the catalog take the version on disk (validated first)."""
    entry = held_here(authorize_dataset(hub, principal, organization, name, "edit"))
    with changing(hub) as session:
        dataset = find_dataset(session, organization, name)
        return datasource.apply_disk(session, principal, dataset, *_stored(entry)).to_json()
