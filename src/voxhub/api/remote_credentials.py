"""``/api/v1/remote-credentials``: an organization's stored credentials of remote sources.

Organization admins add credentials (HTTP basic, bearer token, S3 keys) for a
URL prefix — every dataset of the organization whose remote URLs start with
it, and explore / register requests without credentials of their own, use the
longest matching one — or for one dataset; they list, rotate (replace the
secret) and remove them. No answer ever carries a secret. Only the
organization's admins (and superusers, naming it) see them at all: a plain
member gets 403, anyone else the 404 of a credential that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from voxhub.access import audit
from voxhub.access.principal import Principal
from voxhub.api.deps import HubDep, UserDep, changing, target_organization
from voxhub.api.fields import Id
from voxhub.catalog.credentials import (
    CredentialInfo,
    add_credential,
    check_prefix,
    find_credential,
    info_of,
    list_credentials,
    remove_credential,
    rotate_credential,
)
from voxhub.catalog.datasets import find_dataset
from voxhub.errors import InvalidInput
from voxhub.hub import Hub
from voxhub.storage.fetch import Credentials

router = APIRouter(prefix="/api/v1/remote-credentials", tags=["remote"])

SecretFields = dict[str, Annotated[str, Field(max_length=4096)]]
SECRET_DESCRIPTION = (
    '{"username", "password"}, {"token"} or {"accessKeyId", "secretAccessKey", "region"}; '
    "stored encrypted with the server key, never returned"
)
OrganizationQuery = Annotated[
    str | None,
    Query(max_length=128, description="Organization (superusers); default: your own"),
]


class CredentialOut(BaseModel):
    id: int
    name: str
    kind: str = Field(description="basic, bearer or s3")
    urlPrefix: str
    dataset: str | None = Field(description="The one dataset it is for; null: organization-wide")
    created: datetime

    @classmethod
    def of(cls, info: CredentialInfo) -> CredentialOut:
        return cls(id=info.id, name=info.name, kind=info.kind, urlPrefix=info.url_prefix,
                   dataset=info.dataset, created=info.created)  # fmt: skip


class CredentialIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    urlPrefix: str = Field(min_length=1, max_length=2048, description="http(s)://, s3://, gs://")
    credentials: SecretFields = Field(max_length=6, description=SECRET_DESCRIPTION)
    dataset: str | None = Field(
        None, max_length=128, description="Only this dataset of the organization uses it"
    )


class RotateIn(BaseModel):
    credentials: SecretFields = Field(max_length=6, description=SECRET_DESCRIPTION)


def _organization(hub: Hub, principal: Principal, name: str | None) -> tuple[int, str]:
    """The organization whose credentials are asked for, once ``principal`` may admin it."""
    return target_organization(hub, principal, name, "admin")


def _secret(fields: dict[str, str]) -> Credentials:
    credentials = Credentials.parse(fields)
    if credentials is None:
        raise InvalidInput("give a username, a token, or accessKeyId and secretAccessKey")
    return credentials


@router.get("", response_model=list[CredentialOut])
def list_remote_credentials(
    hub: HubDep, principal: UserDep, organization: OrganizationQuery = None
) -> list[CredentialOut]:
    """The organization's credentials: names, kinds, prefixes, dates; never a secret."""
    org_id, _ = _organization(hub, principal, organization)
    with hub.sessions() as session:
        return [CredentialOut.of(info) for info in list_credentials(session, org_id)]


@router.post("", response_model=CredentialOut, status_code=201)
def add_remote_credential(
    body: CredentialIn, hub: HubDep, principal: UserDep, organization: OrganizationQuery = None
) -> CredentialOut:
    """Store credentials for a URL prefix of the organization (or for one of its datasets)."""
    org_id, org_name = _organization(hub, principal, organization)
    prefix = check_prefix(body.urlPrefix, hub.remote_allowed)
    credentials = _secret(body.credentials)
    with changing(hub) as session:
        dataset_id = None
        if body.dataset is not None:
            dataset_id = find_dataset(session, org_name, body.dataset).id
        row = add_credential(
            session, hub.remote.secret, org_id, name=body.name, url_prefix=prefix,
            credentials=credentials, dataset_id=dataset_id,
        )  # fmt: skip
        audit.record(session, principal, "credential.add", f"{org_name}:{row.name}", org_id,
                     kind=row.kind, urlPrefix=prefix, dataset=body.dataset)  # fmt: skip
        return CredentialOut.of(info_of(session, row))


@router.put("/{credential_id}", response_model=CredentialOut)
def rotate_remote_credential(
    credential_id: Id,
    body: RotateIn,
    hub: HubDep,
    principal: UserDep,
    organization: OrganizationQuery = None,
) -> CredentialOut:
    """Replace the secret of stored credentials (name, prefix and scope stay)."""
    org_id, org_name = _organization(hub, principal, organization)
    credentials = _secret(body.credentials)
    with changing(hub) as session:
        row = rotate_credential(
            session, hub.remote.secret, find_credential(session, org_id, credential_id), credentials
        )
        audit.record(session, principal, "credential.rotate", f"{org_name}:{row.name}", org_id,
                     kind=row.kind)  # fmt: skip
        return CredentialOut.of(info_of(session, row))


@router.delete("/{credential_id}", status_code=204)
def remove_remote_credential(
    credential_id: Id, hub: HubDep, principal: UserDep, organization: OrganizationQuery = None
) -> Response:
    """Remove stored credentials; datasets that used them read without (or with another)."""
    org_id, org_name = _organization(hub, principal, organization)
    with changing(hub) as session:
        row = find_credential(session, org_id, credential_id)
        audit.record(session, principal, "credential.remove", f"{org_name}:{row.name}", org_id)
        remove_credential(session, row)
    return Response(status_code=204)
