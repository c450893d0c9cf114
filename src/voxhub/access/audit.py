"""The audit log: who changed a permission, a share, a role or deleted something, and when.

Entries name the actor and the target and never hold a secret (token values
are never passed here; ids and prefixes are).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxhub.access.principal import Principal
from voxhub.db.access_models import AuditEvent


def record(
    session: Session,
    actor: Principal,
    action: str,
    target: str,
    organization_id: int | None,
    **details: Any,
) -> AuditEvent:
    """Add one event in the caller's transaction (it is kept only if the change is)."""
    event = AuditEvent(
        organization_id=organization_id,
        actor_id=actor.user_id,
        actor=actor.email or "anonymous",
        action=action,
        target=target[:512],
        details=details,
    )
    session.add(event)
    return event


def events(
    session: Session, organization_id: int | None, limit: int = 100, offset: int = 0
) -> list[AuditEvent]:
    """Newest first; ``organization_id`` None means every organization."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
    if organization_id is not None:
        query = query.where(AuditEvent.organization_id == organization_id)
    return list(session.scalars(query))
