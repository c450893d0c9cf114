"""``/api/v1/investigations``: ISA metadata per organization, ARC/ISA-JSON in and out."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from voxhub.access.policy import can
from voxhub.access.principal import Principal
from voxhub.api.bodies import read_capped
from voxhub.api.deps import HubDep, PrincipalDep, authorize_dataset, require
from voxhub.api.fields import Id
from voxhub.api.people import organization_for
from voxhub.catalog import investigations as service
from voxhub.catalog.datasets import find_dataset
from voxhub.db.isa_models import AssayDataLink, Investigation
from voxhub.db.models import Organization
from voxhub.errors import InvalidInput, NotFound
from voxhub.hub import Hub
from voxhub.isa import ArcInvestigation
from voxhub.storage.archives import ZipLimits, inflation

router = APIRouter(prefix="/api/v1/investigations", tags=["isa"])
Format = Literal["isa-json", "arc-zip"]
MEDIA = {"isa-json": "application/json", "arc-zip": "application/zip"}


class LinkOut(BaseModel):
    id: int
    assay: str
    dataset: str
    layer: str


class InvestigationOut(BaseModel):
    organization: str
    identifier: str
    title: str
    description: str
    isPublic: bool
    studies: list[str]
    assays: dict[str, list[str]] = Field(description="assay identifier -> studies registering it")
    links: list[LinkOut]


class InvestigationIn(BaseModel):
    identifier: str = Field(min_length=1, max_length=256)
    title: str = ""
    description: str = ""
    organization: str | None = None
    isPublic: bool = False


class InvestigationPatch(BaseModel):
    title: str | None = None
    description: str | None = None
    isPublic: bool | None = None


class TableOut(BaseModel):
    name: str
    headers: list[str]
    rows: list[list[str]] = Field(description="Cell texts, row by row")


class LinkIn(BaseModel):
    dataset: str = Field(pattern=r"^[^/]+/[^/]+$", description="org/name")
    layer: str = ""


def _visible(
    session: Session, principal: Principal, organization: str, identifier: str, action: str
) -> Investigation:
    row = service.find(session, organization, identifier)
    require(principal, action, service.ref(row), f"investigation {organization}/{identifier}")  # type: ignore[arg-type]
    return row


def _visible_links(
    session: Session, row: Investigation, hub: Hub, principal: Principal
) -> list[tuple[AssayDataLink, str, str]]:
    """The investigation's links to datasets the caller may view (a public investigation
    must not name the private datasets it points at)."""
    found = []
    for link, org, name in service.links(session, row):
        entry = hub.index.get(org, name)
        if entry is not None and can(principal, "view", entry):
            found.append((link, org, name))
    return found


def _out(session: Session, row: Investigation, hub: Hub, principal: Principal) -> InvestigationOut:
    model = service.model_of(row)
    organization = session.get(Organization, row.organization_id)
    assert organization is not None
    return InvestigationOut(
        organization=organization.name,
        identifier=row.identifier,
        title=model.title,
        description=model.description,
        isPublic=row.is_public,
        studies=model.study_identifiers,
        assays={
            a.identifier: [s.identifier for s in model.studies_of(a.identifier)]
            for a in model.assays
        },
        links=[
            LinkOut(id=link.id, assay=link.assay, dataset=f"{org}/{name}", layer=link.layer)
            for link, org, name in _visible_links(session, row, hub, principal)
        ],
    )


@router.get("", response_model=list[InvestigationOut])
def list_investigations(hub: HubDep, principal: PrincipalDep) -> list[InvestigationOut]:
    """Every investigation the caller may view."""
    with hub.transaction() as session:
        rows = session.scalars(select(Investigation).order_by(Investigation.identifier)).all()
        return [
            _out(session, r, hub, principal) for r in rows if can(principal, "view", service.ref(r))
        ]


@router.post("", response_model=InvestigationOut, status_code=201)
def create_investigation(
    body: InvestigationIn, hub: HubDep, principal: PrincipalDep
) -> InvestigationOut:
    """A new, empty investigation in your organization (managers)."""
    with hub.transaction() as session:
        organization = organization_for(session, principal, body.organization)
        require(principal, "edit", organization.id, f"organization {organization.name}")
        model = ArcInvestigation(body.identifier, title=body.title, description=body.description)
        row = service.save_new(session, organization, model, body.isPublic)
        return _out(session, row, hub, principal)


@router.post("/import", response_model=InvestigationOut, status_code=201)
async def import_investigation(
    request: Request,
    hub: HubDep,
    principal: PrincipalDep,
    format: Format = "isa-json",
    organization: Annotated[str | None, Query()] = None,
) -> InvestigationOut:
    """Create from an uploaded ISA-JSON document or ARC zip (the request body)."""

    def authorize() -> int:
        with hub.transaction() as session:
            org = organization_for(session, principal, organization)
            require(principal, "edit", org.id, f"organization {org.name}")
            return org.id

    org_id = await run_in_threadpool(authorize)  # before a byte of the body is read
    model = await _parse_body(request, hub, format)

    def save() -> InvestigationOut:
        with hub.transaction() as session:
            org = session.get(Organization, org_id)
            assert org is not None
            return _out(session, service.save_new(session, org, model), hub, principal)

    return await run_in_threadpool(save)


async def _parse_body(request: Request, hub: Hub, format: Format) -> ArcInvestigation:
    """The body as a model: its size capped, and everything it inflates to as well."""
    data = await read_capped(request, hub.settings.isa_import_max_bytes)
    limits = ZipLimits(max_bytes=hub.settings.isa_import_max_unpacked_bytes, max_entries=10_000)

    def parse() -> ArcInvestigation:
        with inflation(limits):
            return service.parse_upload(data, format)

    return await run_in_threadpool(parse)


@router.get("/{organization}/{identifier}", response_model=InvestigationOut)
def get_investigation(
    organization: str, identifier: str, hub: HubDep, principal: PrincipalDep
) -> InvestigationOut:
    with hub.transaction() as session:
        row = _visible(session, principal, organization, identifier, "view")
        return _out(session, row, hub, principal)


@router.put("/{organization}/{identifier}", response_model=InvestigationOut)
async def replace_investigation(
    organization: str,
    identifier: str,
    request: Request,
    hub: HubDep,
    principal: PrincipalDep,
    format: Format = "isa-json",
) -> InvestigationOut:
    """Replace the whole model with an uploaded ISA-JSON document or ARC zip."""

    def authorize() -> None:
        with hub.transaction() as session:
            _visible(session, principal, organization, identifier, "edit")

    await run_in_threadpool(authorize)  # before a byte of the body is read
    model = await _parse_body(request, hub, format)

    def save() -> InvestigationOut:
        with hub.transaction() as session:
            row = _visible(session, principal, organization, identifier, "edit")
            service.replace(row, model)
            service.drop_links_of_removed_assays(session, row, model)
            return _out(session, row, hub, principal)

    return await run_in_threadpool(save)


@router.patch("/{organization}/{identifier}", response_model=InvestigationOut)
def update_investigation(
    organization: str,
    identifier: str,
    body: InvestigationPatch,
    hub: HubDep,
    principal: PrincipalDep,
) -> InvestigationOut:
    with hub.transaction() as session:
        row = _visible(session, principal, organization, identifier, "edit")
        model = service.model_of(row)
        model.title = body.title if body.title is not None else model.title
        model.description = body.description if body.description is not None else model.description
        service.replace(row, model)
        if body.isPublic is not None:
            row.is_public = body.isPublic
        return _out(session, row, hub, principal)


@router.delete("/{organization}/{identifier}", status_code=204)
def delete_investigation(
    organization: str, identifier: str, hub: HubDep, principal: PrincipalDep
) -> Response:
    with hub.transaction() as session:
        session.delete(_visible(session, principal, organization, identifier, "manage"))
    return Response(status_code=204)


@router.get("/{organization}/{identifier}/tables", response_model=list[TableOut])
def investigation_tables(
    organization: str,
    identifier: str,
    hub: HubDep,
    principal: PrincipalDep,
    study: str | None = None,
    assay: str | None = None,
) -> list[TableOut]:
    """The tables of one study or assay (``?study=`` or ``?assay=``) as header and cell texts."""
    with hub.transaction() as session:
        model = service.model_of(_visible(session, principal, organization, identifier, "view"))
    if (study is None) == (assay is None):
        raise InvalidInput("name one study or one assay")
    owner = model.try_get_study(study) if study is not None else model.try_get_assay(assay or "")
    if owner is None:
        raise NotFound(f"no {'study ' + study if study is not None else 'assay ' + str(assay)}")
    return [
        TableOut(
            name=table.name,
            headers=[str(h) for h in table.headers],
            rows=[[cell.text for cell in row] for row in table.iter_rows()],
        )
        for table in owner.tables
    ]


@router.get(
    "/{organization}/{identifier}/export", responses={200: {"content": {"application/zip": {}}}}
)
def export_investigation(
    organization: str,
    identifier: str,
    request: Request,
    hub: HubDep,
    principal: PrincipalDep,
    format: Format = "isa-json",
) -> Response:
    """The investigation as ISA-JSON or as an ARC (ISA-XLSX files and folders) zip."""
    with hub.transaction() as session:
        row = _visible(session, principal, organization, identifier, "view")
        base = hub.settings.public_url or str(request.base_url)
        links = [
            (link.assay, _dataset_url(base, org, name, link.layer))
            for link, org, name in _visible_links(session, row, hub, principal)
        ]
        data = service.export(row, format, links)
    suffix = "json" if format == "isa-json" else "zip"
    disposition = f'attachment; filename="{identifier}.{suffix}"'
    return Response(data, media_type=MEDIA[format], headers={"Content-Disposition": disposition})


def _dataset_url(base: str, organization: str, name: str, layer: str) -> str:
    """Where a linked dataset (or layer) streams from: its OME-Zarr URL."""
    url = f"{base.rstrip('/')}/zarr/{quote(organization)}/{quote(name)}"
    return f"{url}/{quote(layer)}" if layer else url


@router.post(
    "/{organization}/{identifier}/assays/{assay}/links", response_model=LinkOut, status_code=201
)
def link_dataset(
    organization: str,
    identifier: str,
    assay: str,
    body: Annotated[LinkIn, Body()],
    hub: HubDep,
    principal: PrincipalDep,
) -> LinkOut:
    """Point an assay's data at a voxhub dataset (or one of its layers) you may view."""
    dataset_org, dataset_name = body.dataset.split("/")
    authorize_dataset(hub, principal, dataset_org, dataset_name)
    with hub.transaction() as session:
        row = _visible(session, principal, organization, identifier, "edit")
        dataset = find_dataset(session, dataset_org, dataset_name)
        created = service.link(session, row, assay, dataset, body.layer)
        return LinkOut(id=created.id, assay=assay, dataset=body.dataset, layer=created.layer)


@router.delete("/{organization}/{identifier}/links/{link_id}", status_code=204)
def unlink_dataset(
    organization: str, identifier: str, link_id: Id, hub: HubDep, principal: PrincipalDep
) -> Response:
    with hub.transaction() as session:
        row = _visible(session, principal, organization, identifier, "edit")
        link = session.get(AssayDataLink, link_id)
        if link is None or link.investigation_id != row.id:
            raise NotFound(f"no link {link_id} in investigation {identifier}")
        session.delete(link)
    return Response(status_code=204)
