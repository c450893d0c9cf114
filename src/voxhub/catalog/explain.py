"""Who can read a dataset, and why: the access list shown to its editors.

Built from the same facts ``can()`` uses (roles, memberships, the index's
cumulative teams), and checked against ``can()`` for each user, so the
list cannot drift from the decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from voxhub.access.accounts import principal_for
from voxhub.access.policy import can
from voxhub.access.teams import team_fields_of
from voxhub.catalog.index import DatasetEntry, Snapshot
from voxhub.db.models import User


@dataclass(frozen=True)
class Reader:
    user_id: int
    email: str
    name: str
    reasons: tuple[str, ...]
    can_edit: bool


def _team_reasons(entry: DatasetEntry, snapshot: Snapshot, team_ids: frozenset[int]) -> list[str]:
    reasons = []
    for team_id in sorted(team_ids & entry.team_ids):
        reasons.append(f"team {snapshot.teams[team_id].name} is allowed on the dataset")
    if entry.folder_id is not None and entry.folder_id in snapshot.tree:
        for folder_id in snapshot.tree.ancestors(entry.folder_id):
            node = snapshot.tree.nodes[folder_id]
            for team_id in sorted(team_ids & node.team_ids):
                path = "/" + snapshot.tree.path(folder_id)
                reasons.append(f"team {snapshot.teams[team_id].name} is allowed on folder {path}")
    return reasons


def readers(session: Session, entry: DatasetEntry, snapshot: Snapshot) -> list[Reader]:
    """Every active user who may view the dataset (public and share-link access aside)."""
    users = list(
        session.scalars(
            select(User)
            .where(User.active.is_(True))
            .where(or_(User.organization_id == entry.organization_id, User.is_superuser.is_(True)))
            .order_by(User.email)
        )
    )
    memberships = team_fields_of(session, (user.id for user in users))
    found = []
    for user in users:
        fields = memberships[user.id]
        principal = principal_for(user, **fields)
        if not can(principal, "view", entry):
            continue
        reasons = []
        if user.is_superuser:
            reasons.append("superuser")
        if user.organization_id == entry.organization_id and user.role == "admin":
            reasons.append("admin of the organization")
        if user.organization_id == entry.organization_id and user.role == "dataset_manager":
            reasons.append("dataset manager of the organization")
        reasons += _team_reasons(entry, snapshot, fields["team_ids"])
        if not reasons and entry.is_public:
            continue  # public datasets: listing every user adds nothing
        found.append(
            Reader(user.id, user.email, user.name, tuple(reasons), can(principal, "edit", entry))
        )
    return found
