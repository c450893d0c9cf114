"""Teams and memberships: who belongs to which team, and who manages it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from voxhub.access import audit
from voxhub.access.errors import TeamNotFound
from voxhub.access.principal import Principal
from voxhub.db.access_models import Team, TeamMembership
from voxhub.db.models import Organization, User
from voxhub.db.session import bump_epoch
from voxhub.errors import Conflict, InvalidInput, NotFound
from voxhub.names import clean_label


@dataclass(frozen=True)
class Member:
    user: User
    is_manager: bool


def team_fields_of(
    session: Session, user_ids: Iterable[int]
) -> dict[int, dict[str, frozenset[int]]]:
    """For each user, ``team_ids`` and ``managed`` as ``principal_for`` takes them."""
    ids = list(user_ids)
    teams: dict[int, set[int]] = {user_id: set() for user_id in ids}
    managed: dict[int, set[int]] = {user_id: set() for user_id in ids}
    rows = session.execute(
        select(TeamMembership.user_id, TeamMembership.team_id, TeamMembership.is_manager).where(
            TeamMembership.user_id.in_(ids)
        )
    ).all()
    for user_id, team_id, is_manager in rows:
        teams[user_id].add(team_id)
        if is_manager:
            managed[user_id].add(team_id)
    return {
        user_id: {"team_ids": frozenset(teams[user_id]), "managed": frozenset(managed[user_id])}
        for user_id in ids
    }


def team_fields(session: Session, user: User) -> dict[str, frozenset[int]]:
    """``team_ids`` and ``managed_team_ids`` of a user, for its ``Principal``."""
    return team_fields_of(session, [user.id])[user.id]


def get_team(session: Session, team_id: int, organization_id: int | None = None) -> Team:
    team = session.get(Team, team_id)
    if team is None or (organization_id is not None and team.organization_id != organization_id):
        raise TeamNotFound(f"team {team_id} not found")
    return team


def find_team(session: Session, organization: Organization, name: str) -> Team:
    team = session.scalar(
        select(Team).where(Team.organization_id == organization.id, Team.name == name)
    )
    if team is None:
        raise TeamNotFound(f"no team {name!r} in {organization.name}")
    return team


def list_teams(session: Session, organization_id: int | None) -> list[Team]:
    query = select(Team).order_by(Team.organization_id, Team.name)
    if organization_id is not None:
        query = query.where(Team.organization_id == organization_id)
    return list(session.scalars(query))


def create_team(session: Session, actor: Principal, organization: Organization, name: str) -> Team:
    name = clean_label(name, "team name")
    if session.scalar(
        select(Team.id).where(Team.organization_id == organization.id, Team.name == name)
    ):
        raise Conflict(f"a team {name!r} already exists in {organization.name}")
    team = Team(organization_id=organization.id, name=name)
    session.add(team)
    session.flush()
    audit.record(session, actor, "team.create", name, organization.id, team_id=team.id)
    bump_epoch(session)
    return team


def delete_team(session: Session, actor: Principal, team: Team) -> None:
    """Remove a team with its memberships and every grant it had."""
    audit.record(session, actor, "team.delete", team.name, team.organization_id, team_id=team.id)
    session.delete(team)
    session.flush()
    bump_epoch(session)


def members(session: Session, team: Team) -> list[Member]:
    rows = session.execute(
        select(User, TeamMembership.is_manager)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team.id)
        .order_by(User.email)
    ).all()
    return [Member(user, manager) for user, manager in rows]


def set_member(
    session: Session, actor: Principal, team: Team, user: User, is_manager: bool = False
) -> TeamMembership:
    """Add ``user`` to ``team`` or change its manager flag."""
    if user.organization_id != team.organization_id:
        raise InvalidInput(f"{user.email} belongs to another organization than team {team.name}")
    row = session.get(TeamMembership, (team.id, user.id))
    if row is None:
        row = TeamMembership(team_id=team.id, user_id=user.id, is_manager=is_manager)
        session.add(row)
    elif row.is_manager == is_manager:
        return row
    row.is_manager = is_manager
    session.flush()
    audit.record(
        session, actor, "team.member.set", f"{team.name}:{user.email}", team.organization_id,
        team_id=team.id, user_id=user.id, is_manager=is_manager,
    )  # fmt: skip
    bump_epoch(session)
    return row


def remove_member(session: Session, actor: Principal, team: Team, user: User) -> None:
    result = session.execute(
        delete(TeamMembership).where(
            TeamMembership.team_id == team.id, TeamMembership.user_id == user.id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"{user.email} is not in team {team.name}")
    audit.record(
        session, actor, "team.member.remove", f"{team.name}:{user.email}", team.organization_id,
        team_id=team.id, user_id=user.id,
    )  # fmt: skip
    bump_epoch(session)
