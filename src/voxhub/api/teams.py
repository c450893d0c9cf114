"""``/api/v1/teams``: teams of an organization and their members (with the manager flag)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from voxhub.access import teams as team_service
from voxhub.access.accounts import get_user
from voxhub.access.errors import Hidden
from voxhub.access.policy import Action
from voxhub.access.principal import Principal
from voxhub.api.deps import (
    HubDep,
    PrincipalDep,
    changing,
    require,
    require_login,
)
from voxhub.api.fields import Id
from voxhub.api.people import organization_for
from voxhub.catalog.index import TeamEntry
from voxhub.db.access_models import Team
from voxhub.errors import NotFound

router = APIRouter(prefix="/api/v1/teams", tags=["teams"])


class TeamIn(BaseModel):
    name: str = Field(max_length=128)
    organization: str | None = Field(None, description="Superusers only; default: your own")


class TeamOut(BaseModel):
    id: int
    name: str
    organization: str


class MemberIn(BaseModel):
    isManager: bool = False


class MemberOut(BaseModel):
    userId: Id
    email: str
    name: str
    isManager: bool


def _team(session: Session, principal: Principal, team_id: int, action: Action) -> Team:
    """The team if ``principal`` may ``action`` it: 404 when it may not see it, else 403."""
    require_login(principal)
    try:
        team = team_service.get_team(session, team_id)
    except NotFound:
        raise Hidden(f"team {team_id} not found") from None
    entry = TeamEntry(team.id, team.organization_id, team.name)
    require(principal, action, entry, f"team {team_id}")
    return team


@router.get("", response_model=list[TeamOut])
def list_teams(hub: HubDep, principal: PrincipalDep, organization: str | None = None) -> list:
    """The teams of your organization."""
    with hub.transaction() as session:
        org = organization_for(session, principal, organization)
        teams = team_service.list_teams(session, org.id)
        return [TeamOut(id=t.id, name=t.name, organization=org.name) for t in teams]


@router.post("", response_model=TeamOut, status_code=201)
def add_team(body: TeamIn, hub: HubDep, principal: PrincipalDep) -> TeamOut:
    """Create a team (admins)."""
    with changing(hub) as session:
        org = organization_for(session, principal, body.organization)
        require(principal, "admin", org.id, f"organization {org.name}")
        team = team_service.create_team(session, principal, org, body.name)
        return TeamOut(id=team.id, name=team.name, organization=org.name)


@router.delete("/{team_id}", status_code=204)
def delete_team(team_id: Id, hub: HubDep, principal: PrincipalDep) -> Response:
    """Delete a team, its memberships and every grant it had (admins)."""
    with changing(hub) as session:
        team_service.delete_team(session, principal, _team(session, principal, team_id, "admin"))
    return Response(status_code=204)


@router.get("/{team_id}/members", response_model=list[MemberOut])
def list_members(team_id: Id, hub: HubDep, principal: PrincipalDep) -> list[MemberOut]:
    with hub.transaction() as session:
        team = _team(session, principal, team_id, "view")
        return [
            MemberOut(
                userId=m.user.id, email=m.user.email, name=m.user.name, isManager=m.is_manager
            )
            for m in team_service.members(session, team)
        ]


@router.put("/{team_id}/members/{user_id}", response_model=MemberOut)
def set_member(
    team_id: Id, user_id: Id, body: MemberIn, hub: HubDep, principal: PrincipalDep
) -> MemberOut:
    """Add a user to the team or change its manager flag (team managers: members only)."""
    with changing(hub) as session:
        team = _team(session, principal, team_id, "manage" if body.isManager else "edit")
        user = get_user(session, user_id, team.organization_id)
        current = next(
            (m for m in team_service.members(session, team) if m.user.id == user_id), None
        )
        if current is not None and current.is_manager and not body.isManager:
            _team(session, principal, team_id, "manage")
        team_service.set_member(session, principal, team, user, body.isManager)
        return MemberOut(userId=user.id, email=user.email, name=user.name, isManager=body.isManager)


@router.delete("/{team_id}/members/{user_id}", status_code=204)
def remove_member(team_id: Id, user_id: Id, hub: HubDep, principal: PrincipalDep) -> Response:
    """Remove a user from the team (removing a manager takes an admin)."""
    with changing(hub) as session:
        team = _team(session, principal, team_id, "edit")
        user = get_user(session, user_id, team.organization_id)
        if any(m.user.id == user_id and m.is_manager for m in team_service.members(session, team)):
            _team(session, principal, team_id, "manage")
        team_service.remove_member(session, principal, team, user)
    return Response(status_code=204)
