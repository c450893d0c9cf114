"""Team grants on datasets and folders: one way to read and replace them.

Replacing applies the team managers' limits (``policy.team_grant_change``),
records what was added and removed in the audit log, and moves the access
epoch so every process reloads its index.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from voxhub.access import audit
from voxhub.access.policy import team_grant_change
from voxhub.access.principal import Principal
from voxhub.db.access_models import DatasetTeam, FolderTeam, Team
from voxhub.db.session import bump_epoch
from voxhub.errors import InvalidInput


@dataclass(frozen=True)
class GrantTable:
    model: type[DatasetTeam] | type[FolderTeam]
    owner: str  # the column naming what the teams are granted on

    def column(self) -> Any:
        return getattr(self.model, self.owner)


DATASET_GRANTS = GrantTable(DatasetTeam, "dataset_id")
FOLDER_GRANTS = GrantTable(FolderTeam, "folder_id")


def check_teams(session: Session, organization_id: int, team_ids: Iterable[int]) -> frozenset[int]:
    """``team_ids`` if all are teams of the organization; ``InvalidInput`` names the others."""
    wanted = frozenset(team_ids)
    found = set(
        session.scalars(
            select(Team.id).where(Team.id.in_(wanted), Team.organization_id == organization_id)
        )
    )
    missing = sorted(wanted - found)
    if missing:
        raise InvalidInput(f"no team {', '.join(map(str, missing))} in this organization")
    return wanted


def granted(session: Session, table: GrantTable, owner_id: int) -> frozenset[int]:
    return frozenset(session.scalars(select(table.model.team_id).where(table.column() == owner_id)))


def replace_grants(
    session: Session,
    actor: Principal,
    table: GrantTable,
    owner_id: int,
    organization_id: int,
    team_ids: Iterable[int],
    audit_as: tuple[str, str],
) -> frozenset[int]:
    """Make exactly ``team_ids`` allowed on the owner; ``audit_as`` is (action, target)."""
    wanted = check_teams(session, organization_id, team_ids)
    current = granted(session, table, owner_id)
    new = team_grant_change(actor, organization_id, current, wanted)
    if new == current:
        return current
    session.execute(delete(table.model).where(table.column() == owner_id))
    session.add_all(table.model(**{table.owner: owner_id, "team_id": t}) for t in sorted(new))
    session.flush()
    action, target = audit_as
    audit.record(session, actor, action, target, organization_id, **{table.owner: owner_id},
                 added=sorted(new - current), removed=sorted(current - new))  # fmt: skip
    bump_epoch(session)
    return new
