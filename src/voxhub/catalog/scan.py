"""Find datasets under ``binaryData/<org>/<dataset>`` (any ``DataStore``) and sync the catalog.

New or changed folders are (re)registered, folders that vanished are marked
``missing``, unreadable ones ``error`` with the reason. Symlinked organisation,
dataset and layer folders are followed. Each folder is registered in its own
savepoint: one the catalog refuses (whatever the reason) is marked ``error``
and logged, and the others are registered all the same — a bad folder must
never stop ``voxhub serve`` from starting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxhub.catalog.register import describe, mark_status, upsert_dataset
from voxhub.db.models import Dataset, Organization
from voxhub.errors import VoxhubError
from voxhub.storage.remote import AllowedHosts
from voxhub.storage.store import DataStore

log = logging.getLogger("voxhub.scan")


@dataclass
class ScanReport:
    active: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def scan(
    session: Session,
    storage: DataStore,
    allowed: AllowedHosts | None = None,
    organization: str | None = None,
) -> ScanReport:
    """Sync the catalog with the store's datasets; ``allowed``: hosts remote layers may name.

    With ``organization``, only that organization's folder and datasets are looked at
    (an organization admin's scan neither registers nor marks anything of the others).
    """
    report = ScanReport()
    seen: set[tuple[str, str]] = set()
    elsewhere = set(  # names an external datastore holds: a local folder may not take them
        session.execute(
            select(Organization.name, Dataset.name)
            .join(Organization)
            .where(Dataset.datastore_id.is_not(None))
        ).all()
    )
    for org_name, name in storage.datasets():
        if organization is not None and org_name != organization:
            continue
        key = f"{org_name}/{name}"
        seen.add((org_name, name))
        if (org_name, name) in elsewhere:
            report.errors[key] = "an external datastore holds a dataset of that name"
            continue
        try:
            properties = describe(storage, key)
            with session.begin_nested():
                upsert_dataset(session, org_name, name, properties, allowed)
        except Exception as exc:  # noqa: BLE001  (one folder's failure is reported, not raised)
            detail = exc.detail if isinstance(exc, VoxhubError) else _reason(exc)
            log.warning("scan: %s cannot be registered: %s", key, detail)
            report.errors[key] = detail
            _mark_error(session, org_name, name, detail)
            continue
        report.active.append(key)
    query = (
        select(Dataset, Organization.name)
        .join(Organization)
        .where(Dataset.datastore_id.is_(None))  # a datastore's datasets live on its own disk
    )
    if organization is not None:
        query = query.where(Organization.name == organization)
    for dataset, org_name in session.execute(query).all():
        if (org_name, dataset.name) not in seen and dataset.status != "missing":
            mark_status(session, dataset, "missing", "the folder is gone from the data store")
            report.missing.append(f"{org_name}/{dataset.name}")
    return report


def _reason(exc: Exception) -> str:
    """One line saying why, without the SQL a database error carries along."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"the catalog refused it: {type(exc).__name__}: {text[0] if text else ''}"[:500]


def _mark_error(session: Session, organization: str, name: str, detail: str) -> None:
    """A registered dataset says ``error`` and why; a new folder stays unregistered
    (what it names was never checked), reported and logged."""
    with session.begin_nested():
        existing = _find(session, organization, name)
        if existing is not None:
            mark_status(session, existing, "error", detail)


def _find(session: Session, organization: str, name: str) -> Dataset | None:
    return session.scalar(
        select(Dataset)
        .join(Organization)
        .where(Organization.name == organization, Dataset.name == name)
    )
