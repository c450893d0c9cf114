"""What the access-management commands share: the operator principal, names, datasets."""

from __future__ import annotations

import getpass

from sqlalchemy.orm import Session

from voxhub.access.accounts import find_organization
from voxhub.access.principal import Principal, system_principal
from voxhub.catalog.datasets import find_dataset
from voxhub.db.models import Dataset, Organization
from voxhub.errors import InvalidInput


def operator() -> Principal:
    """The person at the server's shell: may do everything; named in the audit log."""
    try:
        name = getpass.getuser()
    except Exception:  # no login name in some containers
        name = "unknown"
    return system_principal(f"cli:{name}")


def organization(session: Session, name: str) -> Organization:
    return find_organization(session, name)


def dataset_by_key(session: Session, key: str) -> Dataset:
    """``org/name`` to the dataset row."""
    org, _, name = key.partition("/")
    if not org or not name or "/" in name:
        raise InvalidInput(f"name datasets as ORG/NAME, not {key!r}")
    return find_dataset(session, org, name)
