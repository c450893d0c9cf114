"""Users and their API tokens: creation, lookup, revocation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voxhub.access import audit, sessions
from voxhub.access.principal import Principal
from voxhub.access.tokens import hash_token, new_token
from voxhub.db.models import ApiToken, Organization, User, utcnow
from voxhub.db.session import bump_epoch
from voxhub.errors import Conflict, InvalidInput, NotFound
from voxhub.storage.local import check_name

ROLES = ("admin", "dataset_manager", "member")


def create_user(
    session: Session,
    *,
    email: str,
    organization: Organization,
    role: str = "member",
    name: str = "",
    password_hash: str | None = None,
    is_superuser: bool = False,
) -> User:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    email = normalise_email(email)
    if "@" not in email or len(email) > 256:
        raise InvalidInput(f"not an email address: {email!r}")
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise Conflict(f"a user {email} already exists")
    user = User(
        email=email,
        name=name or email.split("@")[0],
        organization_id=organization.id,
        role=role,
        password_hash=password_hash,
        is_superuser=is_superuser,
    )
    try:
        with session.begin_nested():  # a concurrent twin hits the unique index
            session.add(user)
    except IntegrityError:
        raise Conflict(f"a user {email} already exists") from None
    return user


def normalise_email(email: str) -> str:
    """E-mail addresses are stored and compared in lower case, without surrounding blanks."""
    return email.strip().lower()


def find_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))
    if user is None:
        raise NotFound(f"no user {email}")
    return user


def get_user(session: Session, user_id: int, organization_id: int | None = None) -> User:
    """A user by id; one of another organization than ``organization_id`` is not found."""
    user = session.get(User, user_id)
    if user is None or (organization_id is not None and user.organization_id != organization_id):
        raise NotFound(f"no user {user_id}")
    return user


def list_users(session: Session, organization_id: int | None) -> list[User]:
    query = select(User).order_by(User.email)
    if organization_id is not None:
        query = query.where(User.organization_id == organization_id)
    return list(session.scalars(query))


def set_role(session: Session, actor: Principal, user: User, role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if user.role != role:
        audit.record(session, actor, "user.role", user.email, user.organization_id,
                     old=user.role, new=role)  # fmt: skip
        user.role = role
        bump_epoch(session)


def set_active(session: Session, actor: Principal, user: User, active: bool) -> int:
    """(De)activate ``user``; returns how many API tokens deactivation revoked.

    Deactivation revokes every API token and ends every browser session, so that
    activating the user again does not silently bring old credentials back to
    life: the user logs in again and creates new tokens.
    """
    if user.active == active:
        return 0
    revoked = 0
    if not active:
        result = session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked.is_(None))
            .values(revoked=utcnow())
        )
        revoked = result.rowcount or 0  # type: ignore[attr-defined]
        sessions.end_all(session, user.id)
    audit.record(session, actor, "user.activate" if active else "user.deactivate",
                 user.email, user.organization_id, tokens_revoked=revoked)  # fmt: skip
    user.active = active
    bump_epoch(session)
    return revoked


def create_organization(
    session: Session, actor: Principal, name: str, display_name: str = ""
) -> Organization:
    check_name(name, "organization name")
    if session.scalar(select(Organization.id).where(Organization.name == name)):
        raise Conflict(f"an organization {name} already exists")
    org = Organization(name=name, display_name=display_name or name)
    session.add(org)
    session.flush()
    audit.record(session, actor, "organization.create", name, org.id)
    bump_epoch(session)  # its root folder must reach the catalog index
    return org


def find_organization(session: Session, name: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        raise NotFound(f"no organization {name}")
    return org


@dataclass(frozen=True)
class IssuedToken:
    token: str
    row: ApiToken


def issue_token(
    session: Session, user: User, name: str = "", expires_in_days: float | None = None
) -> IssuedToken:
    """Create an API token; the clear text exists only in the return value."""
    token = new_token()
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    row = ApiToken(
        user_id=user.id, name=name, token_hash=hash_token(token), prefix=token[:8], expires=expires
    )
    session.add(row)
    session.flush()
    return IssuedToken(token, row)


def revoke_token(session: Session, token_id: int, user: User | None = None) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or (user is not None and row.user_id != user.id):
        raise NotFound(f"no token {token_id}")
    if row.revoked is None:
        row.revoked = utcnow()
        bump_epoch(session)
    return row


def principal_for(
    user: User, team_ids: frozenset[int] = frozenset(), managed: frozenset[int] = frozenset()
) -> Principal:
    return Principal(
        user_id=user.id,
        email=user.email,
        organization_id=user.organization_id,
        role=user.role,
        is_superuser=user.is_superuser,
        team_ids=team_ids,
        managed_team_ids=managed,
    )


def user_for_token(
    session: Session, token: str, now: datetime | None = None
) -> tuple[User, ApiToken] | None:
    """The active user behind a valid, unexpired, unrevoked API token."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    now = now or utcnow()
    if row is None or row.revoked is not None or (row.expires is not None and row.expires <= now):
        return None
    user = row.user
    if not user.active:
        return None
    return user, row
