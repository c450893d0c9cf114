"""An organization's stored credentials of remote sources: add, list, rotate, remove.

The rows live in ``remote_credentials`` (``db.remote_models``), sealed with the
server key for their organization (``access.vault``: a row moved to another
organization does not decrypt). Nothing here returns or logs a secret; a
``CredentialInfo`` is what may be shown. Every lookup is scoped to one
organization, so another organization's credentials are indistinguishable
from ones that do not exist. Every change moves the access epoch, so each
process drops the credentials it decrypted (``RemoteSources.forget``) within
seconds and a rotated or removed secret stops being sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxhub.access.vault import seal
from voxhub.db.models import Dataset
from voxhub.db.remote_models import RemoteCredential
from voxhub.db.session import bump_epoch
from voxhub.errors import Conflict, InvalidInput, NotFound
from voxhub.storage.fetch import Credentials
from voxhub.storage.remote import AllowedHosts, check_remote_url

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}")
MAX_PER_ORGANIZATION = 1000


class CredentialNotFound(NotFound):
    code = "credential_not_found"


class CredentialExists(Conflict):
    code = "credential_exists"


@dataclass(frozen=True)
class CredentialInfo:
    """What may be shown of a stored credential: never its secret."""

    id: int
    name: str
    kind: str
    url_prefix: str
    dataset: str | None  # the dataset's name when it applies to one dataset only
    created: datetime


def check_prefix(prefix: str, allowed: AllowedHosts) -> str:
    """``prefix`` as credentials are matched against it, after the SSRF guard's URL check.

    It always ends in ``/``, so it names whole path segments: ``https://host``
    would otherwise also match ``https://host.attacker.org/``, and a path-style
    bucket ``https://s3.example.org/lab`` also ``…/lab-other/``, handing the
    secret to someone else. Dot segments are refused, since the HTTP client
    would resolve them to a path outside the prefix.
    """
    check_remote_url(prefix, allowed)
    parts = urlsplit(prefix)
    if not parts.netloc or parts.query or parts.fragment:
        raise InvalidInput("a credential prefix is scheme://host/path, without query or fragment")
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        raise InvalidInput("a credential prefix may not hold . or .. segments")
    return prefix if prefix.endswith("/") else prefix + "/"


def check_credential_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise InvalidInput(
            "a credential name is 1-128 letters, digits, '_', '.' or '-', starting with a "
            "letter or digit"
        )
    return name


def _info(row: RemoteCredential, dataset: str | None) -> CredentialInfo:
    return CredentialInfo(row.id, row.name, row.kind, row.url_prefix, dataset, row.created)


def list_credentials(session: Session, organization_id: int) -> list[CredentialInfo]:
    """The organization's credentials (organization-wide and per dataset), by name."""
    rows = session.execute(
        select(RemoteCredential, Dataset.name)
        .outerjoin(Dataset, Dataset.id == RemoteCredential.dataset_id)
        .where(RemoteCredential.organization_id == organization_id)
        .order_by(RemoteCredential.name)
    ).all()
    return [_info(row, dataset) for row, dataset in rows]


def find_credential(
    session: Session, organization_id: int, credential: int | str
) -> RemoteCredential:
    """The organization's credential of this id (or name); another organization's is
    refused with the same words as a missing one."""
    column = RemoteCredential.id if isinstance(credential, int) else RemoteCredential.name
    row = session.scalar(
        select(RemoteCredential).where(
            RemoteCredential.organization_id == organization_id, column == credential
        )
    )
    if row is None:
        raise CredentialNotFound(f"credential {credential} not found")
    return row


def free_name(session: Session, organization_id: int, wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``… when the organization already uses it."""
    taken = set(
        session.scalars(
            select(RemoteCredential.name).where(
                RemoteCredential.organization_id == organization_id,
                RemoteCredential.name.startswith(wanted),
            )
        )
    )
    name, number = wanted, 1
    while name in taken:
        number += 1
        name = f"{wanted}-{number}"
    return name


def add_credential(
    session: Session,
    secret: bytes,
    organization_id: int,
    *,
    name: str,
    url_prefix: str,
    credentials: Credentials,
    dataset_id: int | None = None,
) -> RemoteCredential:
    """Store ``credentials`` sealed for the organization (``url_prefix`` already checked)."""
    check_credential_name(name)
    clash = session.scalar(
        select(RemoteCredential.id).where(
            RemoteCredential.organization_id == organization_id, RemoteCredential.name == name
        )
    )
    if clash is not None:
        raise CredentialExists(f"a credential named {name!r} exists; rotate or remove it")
    count = session.query(RemoteCredential).filter_by(organization_id=organization_id).count()
    if count >= MAX_PER_ORGANIZATION:
        raise InvalidInput(f"an organization may store at most {MAX_PER_ORGANIZATION} credentials")
    row = RemoteCredential(
        organization_id=organization_id,
        dataset_id=dataset_id,
        name=name,
        url_prefix=url_prefix,
        kind=credentials.kind,
        secret=seal(secret, organization_id, credentials.to_dict()),
    )
    session.add(row)
    session.flush()
    bump_epoch(session)
    return row


def rotate_credential(
    session: Session, secret: bytes, row: RemoteCredential, credentials: Credentials
) -> RemoteCredential:
    """Replace the secret (and so possibly the kind) of ``row``; prefix and name stay."""
    row.kind = credentials.kind
    row.secret = seal(secret, row.organization_id, credentials.to_dict())
    session.flush()
    bump_epoch(session)
    return row


def remove_credential(session: Session, row: RemoteCredential) -> None:
    session.delete(row)
    session.flush()
    bump_epoch(session)


def info_of(session: Session, row: RemoteCredential) -> CredentialInfo:
    dataset = session.get(Dataset, row.dataset_id) if row.dataset_id is not None else None
    return _info(row, dataset.name if dataset is not None else None)


__all__ = [
    "CredentialExists",
    "CredentialInfo",
    "CredentialNotFound",
    "add_credential",
    "check_credential_name",
    "check_prefix",
    "find_credential",
    "free_name",
    "info_of",
    "list_credentials",
    "remove_credential",
    "rotate_credential",
]
