"""External datastores, on the hub: admins create them; nodes register, beat and ask.

``/api/v1/datastores`` is for server admins (create a datastore and get its key
once, list, remove). ``/api/v1/datastore/…`` is for the nodes themselves,
authenticated by their key in ``X-Datastore-Key``: they register the datasets
they hold, beat, and ask whether the credentials a request presented may view
one of their datasets (the answer is the hub's own ``can()``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxhub.access import audit
from voxhub.access.errors import BadToken
from voxhub.access.policy import can
from voxhub.access.principal import ANONYMOUS
from voxhub.api.bodies import read_capped
from voxhub.api.credentials import session_cookies
from voxhub.api.deps import HubDep, PrincipalDep, changing, require
from voxhub.catalog import datastores
from voxhub.db.models import Dataset, Datastore
from voxhub.errors import InvalidInput, Unauthenticated
from voxhub.formats.properties import parse_properties
from voxhub.hub import Hub

router = APIRouter(tags=["datastores"])
KEY_HEADER = "X-Datastore-Key"
REGISTRATION_MAX_BYTES = 64 * 2**20


class BadDatastoreKey(Unauthenticated):
    code = "bad_datastore_key"


class DatastoreIn(BaseModel):
    name: str = Field(max_length=128)
    url: str = Field(max_length=2048, description="The node's public base URL")


class DatastoreOut(BaseModel):
    name: str
    url: str
    prefix: str = Field(description="The key's first characters, to recognise it by")
    created: datetime
    lastSeen: datetime | None
    reachable: bool
    datasets: int


class DatastoreCreated(DatastoreOut):
    key: str = Field(description="Shown only this once; the hub keeps its hash")


class Heartbeat(BaseModel):
    url: str | None = Field(None, max_length=2048, description="A changed public URL")


class HeartbeatOut(BaseModel):
    accessCacheSeconds: float
    heartbeatSeconds: float


class RegistrationOut(BaseModel):
    registered: list[str]
    removed: list[str]
    refused: dict[str, str]


class AccessQuestion(BaseModel):
    organization: str = Field(max_length=128)
    dataset: str = Field(max_length=128)
    token: str | None = Field(None, max_length=256, description="An API or sharing token")
    session: str | None = Field(None, max_length=1024, description="The session cookie's value")
    shareTokenHashes: list[str] = Field(default_factory=list, max_length=4)


class AccessAnswer(BaseModel):
    allowed: bool
    cacheSeconds: float


def _out(hub: Hub, row: Datastore, count: int) -> DatastoreOut:
    return DatastoreOut(
        name=row.name, url=row.url, prefix=row.prefix, created=row.created,
        lastSeen=row.last_seen, reachable=hub.heartbeats.reachable(row.id), datasets=count,
    )  # fmt: skip


def _count(session: Session, row: Datastore) -> int:
    return session.scalar(select(func.count(Dataset.id)).where(Dataset.datastore_id == row.id)) or 0


@router.post("/api/v1/datastores", response_model=DatastoreCreated, status_code=201)
def create_datastore(body: DatastoreIn, hub: HubDep, principal: PrincipalDep) -> DatastoreCreated:
    """Create a datastore; its key is in the answer, and only there."""
    require(principal, "admin", "server", "datastores")
    with changing(hub) as session:
        issued = datastores.create(session, body.name, body.url)
        audit.record(
            session, principal, "datastore.create", body.name, None, prefix=issued.row.prefix
        )
        out = _out(hub, issued.row, 0)
    return DatastoreCreated(**out.model_dump(), key=issued.key)


@router.get("/api/v1/datastores", response_model=list[DatastoreOut])
def list_datastores(hub: HubDep, principal: PrincipalDep) -> list[DatastoreOut]:
    """Every datastore, whether it beats, and how many datasets it registered."""
    require(principal, "admin", "server", "datastores")
    with hub.transaction() as session:
        rows = session.scalars(select(Datastore).order_by(Datastore.name)).all()
        return [_out(hub, row, _count(session, row)) for row in rows]


@router.delete("/api/v1/datastores/{name}", status_code=204)
def delete_datastore(name: str, hub: HubDep, principal: PrincipalDep) -> None:
    """Remove a datastore and its datasets from the catalog (its disk is untouched)."""
    require(principal, "admin", "server", "datastores")
    with changing(hub) as session:
        count = datastores.remove(session, name)
        audit.record(session, principal, "datastore.remove", name, None, datasets=count)


def _node(session: Session, key: str | None) -> Datastore:
    row = datastores.for_key(session, key)
    if row is None:
        raise BadDatastoreKey(f"send a valid datastore key in {KEY_HEADER}")
    return row


KeyDep = Annotated[str | None, Header(alias=KEY_HEADER, include_in_schema=True)]


@router.post("/api/v1/datastore/heartbeat", response_model=HeartbeatOut)
def heartbeat(body: Heartbeat, hub: HubDep, key: KeyDep = None) -> HeartbeatOut:
    """The node is alive; it learns how long it may reuse an access answer."""
    with hub.transaction() as session:
        datastores.beat(session, _node(session, key), body.url)
    hub.heartbeats.invalidate()
    return HeartbeatOut(
        accessCacheSeconds=hub.settings.access_cache_seconds,
        heartbeatSeconds=hub.settings.datastore_heartbeat_seconds,
    )


@router.put("/api/v1/datastore/datasets", response_model=RegistrationOut)
async def register_datasets(request: Request, hub: HubDep, key: KeyDep = None) -> RegistrationOut:
    """The complete list of datasets the node holds: ``{"datasets": [{"organization",
    "name", "properties"}]}``, ``properties`` being its ``datasource-properties.json``."""
    with hub.transaction() as session:
        _node(session, key)  # before a byte of the body is read
    try:
        document = json.loads(await read_capped(request, REGISTRATION_MAX_BYTES))
        items = document["datasets"]
        if not isinstance(items, list):
            raise TypeError
        listing = [
            (str(item["organization"]), str(item["name"]),
             parse_properties(item["properties"], f"{item['organization']}/{item['name']}"))
            for item in items
        ]  # fmt: skip
    except (ValueError, KeyError, TypeError, ValidationError):
        raise InvalidInput(
            'expected {"datasets": [{"organization", "name", "properties"}, …]}'
        ) from None
    with changing(hub) as session:
        result = datastores.register(session, _node(session, key), listing)
    hub.heartbeats.invalidate()
    return RegistrationOut(
        registered=result.registered, removed=result.removed, refused=result.refused
    )


@router.post("/api/v1/datastore/access", response_model=AccessAnswer)
def access(body: AccessQuestion, request: Request, hub: HubDep, key: KeyDep = None) -> AccessAnswer:
    """May the presented credentials view this dataset of the asking node? (``can()``)"""
    with hub.transaction() as session:
        node_id = _node(session, key).id
    answer = AccessAnswer(allowed=False, cacheSeconds=hub.settings.access_cache_seconds)
    entry = hub.index.lookup(body.organization, body.dataset)
    if entry is None or entry.datastore_id != node_id:
        return answer  # nodes learn nothing about datasets not theirs
    try:
        principal = hub.authenticator.from_token(body.token)
    except BadToken:
        return answer
    if not principal.is_authenticated and body.session:
        session_id = session_cookies(request).session_id(body.session)
        user = hub.authenticator.from_session(session_id) if session_id else None
        principal = user or ANONYMOUS.with_share_tokens(principal.share_token_hashes)
    principal = principal.with_share_tokens(frozenset(body.shareTokenHashes))
    answer.allowed = can(principal, "view", entry)
    return answer
