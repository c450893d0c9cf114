"""``/api/v1``: organizations, users (create or invite, role, deactivate, password reset), audit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from voxhub.access import audit
from voxhub.access.accounts import (
    create_organization,
    create_user,
    find_organization,
    get_user,
    list_users,
    set_active,
    set_role,
)
from voxhub.access.errors import Forbidden, Hidden
from voxhub.access.login import check_password_rules, create_invite, reset_password, set_password
from voxhub.access.passwords import hash_password
from voxhub.access.policy import can
from voxhub.access.principal import Principal
from voxhub.api.deps import (
    HubDep,
    PrincipalDep,
    changing,
    require,
    require_login,
)
from voxhub.api.fields import Id, Int64
from voxhub.db.access_models import Team, TeamMembership
from voxhub.db.models import Organization, User
from voxhub.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1", tags=["people"])
Role = Literal["admin", "dataset_manager", "member"]


class MembershipOut(BaseModel):
    id: int
    name: str
    isManager: bool


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    organization: str
    role: str
    isSuperuser: bool
    active: bool
    created: datetime
    teams: list[MembershipOut]


class NewUserOut(UserOut):
    inviteToken: str | None = Field(None, description="Shown once; the user sets a password")


class ChangedUserOut(UserOut):
    revokedTokens: int | None = Field(
        None, description="API tokens revoked by this deactivation (reactivation revives none)"
    )


class OrganizationIn(BaseModel):
    name: str = Field(max_length=128)
    displayName: str = Field("", max_length=256)


class OrganizationOut(BaseModel):
    id: int
    name: str
    displayName: str
    created: datetime


class UserIn(BaseModel):
    email: str = Field(max_length=256)
    name: str = Field("", max_length=256)
    role: Role = "member"
    password: str | None = Field(None, max_length=1024, description="Omit to invite instead")
    organization: str | None = Field(None, description="Superusers only; default: your own")


class UserPatch(BaseModel):
    role: Role | None = None
    active: bool | None = None


class PasswordResetIn(BaseModel):
    password: str | None = Field(
        None, max_length=1024, description="Omit to clear it and get an invitation token instead"
    )


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]


def describe_user(session: Session, user: User) -> UserOut:
    teams = session.execute(
        select(Team.id, Team.name, TeamMembership.is_manager)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.user_id == user.id)
        .order_by(Team.name)
    ).all()
    return UserOut(
        id=user.id, email=user.email, name=user.name, organization=user.organization.name,
        role=user.role, isSuperuser=user.is_superuser, active=user.active, created=user.created,
        teams=[MembershipOut(id=i, name=n, isManager=m) for i, n, m in teams],
    )  # fmt: skip


def organization_for(session: Session, principal: Principal, name: str | None) -> Organization:
    """The named organization (default: the caller's); others' are hidden from non-superusers."""
    require_login(principal)
    if name is None:
        if principal.organization_id is None:
            raise InvalidInput("name an organization")
        organization = session.get(Organization, principal.organization_id)
        assert organization is not None
        return organization
    try:
        organization = find_organization(session, name)
    except NotFound:
        raise Hidden(f"organization {name} not found") from None
    if not can(principal, "view", organization.id):
        raise Hidden(f"organization {name} not found")
    return organization


@router.get("/organizations", response_model=list[OrganizationOut])
def list_organizations(hub: HubDep, principal: PrincipalDep) -> list[dict]:
    """Your organization (superusers: all of them)."""
    require_login(principal)
    with hub.transaction() as session:
        rows = session.scalars(select(Organization).order_by(Organization.name))
        return [
            {"id": o.id, "name": o.name, "displayName": o.display_name, "created": o.created}
            for o in rows
            if can(principal, "view", o.id)
        ]


@router.post("/organizations", response_model=OrganizationOut, status_code=201)
def add_organization(body: OrganizationIn, hub: HubDep, principal: PrincipalDep) -> dict:
    """Create an organization (superusers only); it starts with a root folder."""
    require_login(principal)
    if not can(principal, "admin", "server"):
        raise Forbidden("only superusers create organizations")
    with changing(hub) as session:
        org = create_organization(session, principal, body.name, body.displayName)
        return {"id": org.id, "name": org.name, "displayName": org.display_name,
                "created": org.created}  # fmt: skip


@router.get("/users", response_model=list[UserOut])
def users(hub: HubDep, principal: PrincipalDep, organization: str | None = None) -> list[UserOut]:
    """Users of an organization: for its managers and team managers."""
    with hub.transaction() as session:
        org = organization_for(session, principal, organization)
        if not (can(principal, "manage", org.id) or principal.managed_team_ids):
            raise Forbidden("only admins, dataset managers and team managers list users")
        return [describe_user(session, user) for user in list_users(session, org.id)]


@router.post("/users", response_model=NewUserOut, status_code=201)
def add_user(body: UserIn, hub: HubDep, principal: PrincipalDep) -> NewUserOut:
    """Create a user with a password, or without one and get an invitation token."""
    with hub.transaction() as session:
        org = organization_for(session, principal, body.organization)
        require(principal, "admin", org.id, f"organization {org.name}")
        if body.password is not None:
            check_password_rules(body.password)
        user = create_user(
            session, email=body.email, organization=org, role=body.role, name=body.name,
            password_hash=hash_password(body.password) if body.password else None,
        )  # fmt: skip
        invite = None if body.password else create_invite(session, user)
        audit.record(session, principal, "user.create", user.email, org.id, role=user.role)
        return NewUserOut(**describe_user(session, user).model_dump(), inviteToken=invite)


@router.patch("/users/{user_id}", response_model=ChangedUserOut)
def change_user(
    user_id: Id, body: UserPatch, hub: HubDep, principal: PrincipalDep
) -> ChangedUserOut:
    """Change a user's role or (de)activate it.

    Deactivation ends its sessions and revokes its API tokens for good: activating
    it again revives none of them (``revokedTokens`` says how many were revoked).
    """
    require_login(principal)
    with changing(hub) as session:
        user = _administered_user(session, principal, user_id)
        if user.id == principal.user_id:
            raise InvalidInput("you cannot change your own role or deactivate yourself")
        if body.role is not None:
            set_role(session, principal, user, body.role)
        revoked = None
        if body.active is not None:
            revoked = set_active(session, principal, user, body.active)
        return ChangedUserOut(**describe_user(session, user).model_dump(), revokedTokens=revoked)


@router.post("/users/{user_id}/password", response_model=NewUserOut)
def reset_user_password(
    user_id: Id, body: PasswordResetIn, hub: HubDep, principal: PrincipalDep
) -> NewUserOut:
    """Reset a user's password (organization admins); every browser session of it ends.

    Without a password in the body the old one is cleared and the answer holds an
    invitation token with which the user chooses a new one. API tokens stay valid.
    """
    require_login(principal)
    with changing(hub) as session:
        user = _administered_user(session, principal, user_id)
        if user.id == principal.user_id:
            raise InvalidInput("change your own password with PATCH /api/v1/auth/me")
        invite = None
        if body.password is None:
            invite = reset_password(session, principal, user)
        else:
            set_password(session, principal, user, body.password)
        return NewUserOut(**describe_user(session, user).model_dump(), inviteToken=invite)


def _administered_user(session: Session, principal: Principal, user_id: int) -> User:
    """A user ``principal`` administers; superusers only by superusers (no escalation)."""
    org_filter = None if principal.is_superuser else principal.organization_id
    user = get_user(session, user_id, org_filter)
    require(principal, "admin", user.organization_id, f"user {user_id}")
    if user.is_superuser and not principal.is_superuser:
        raise Forbidden(f"only superusers change superuser {user.email}")
    return user


@router.get("/audit", response_model=list[AuditOut])
def audit_log(
    hub: HubDep,
    principal: PrincipalDep,
    organization: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> list[dict]:
    """Permission, sharing, membership and deletion changes, newest first (admins)."""
    with hub.transaction() as session:
        org = organization_for(session, principal, organization)
        require(principal, "admin", org.id, f"organization {org.name}")
        return [
            {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "target": e.target,
             "details": e.details}
            for e in audit.events(session, org.id, limit, offset)
        ]  # fmt: skip
