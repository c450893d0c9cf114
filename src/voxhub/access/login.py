"""Password login and invitations: the only places a password is checked or set."""

from __future__ import annotations

import functools
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from voxhub.access import audit, sessions
from voxhub.access.accounts import normalise_email
from voxhub.access.errors import BadCredentials, WrongPassword
from voxhub.access.passwords import hash_password, verify_password
from voxhub.access.principal import Principal
from voxhub.access.throttle import LoginThrottle
from voxhub.access.tokens import hash_token, new_token
from voxhub.db.access_models import Invite
from voxhub.db.models import User, utcnow
from voxhub.errors import InvalidInput

INVITE_PREFIX = "vxi_"
MIN_PASSWORD = 8


@functools.cache
def _decoy_hash() -> str:
    """Verified against when the account does not exist, so timing does not tell."""
    return hash_password("no account has this password")


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise InvalidInput("a password may have at most 1024 characters")


def login(
    factory: sessionmaker[Session],
    throttle: LoginThrottle,
    lifetime: timedelta,
    email: str,
    password: str,
    address: str,
    previous_session_id: str | None = None,
) -> tuple[User, str]:
    """A new session id for the user; ``BadCredentials`` or ``TooManyAttempts`` otherwise.

    A failure is committed before the error is raised, so it counts.
    """
    account = normalise_email(email)
    with factory() as session, session.begin():
        throttle.check(session, account, address)
        user = session.scalar(select(User).where(func.lower(User.email) == account))
        stored = user.password_hash if user is not None else _decoy_hash()
        ok = verify_password(stored, password) and user is not None and user.active
        if not ok:
            throttle.failed(session, account, address)
    if not ok:
        raise BadCredentials("wrong email or password")
    assert user is not None
    with factory() as session, session.begin():
        throttle.succeeded(session, account, address)
        if previous_session_id:
            sessions.end(session, previous_session_id)
        return user, sessions.start(session, user, lifetime, address)


def create_invite(session: Session, user: User, days: float = 7) -> str:
    """A one-time token with which ``user`` sets a password (shown once)."""
    token = new_token(INVITE_PREFIX)
    session.add(
        Invite(
            user_id=user.id, token_hash=hash_token(token), expires=utcnow() + timedelta(days=days)
        )
    )
    session.flush()
    return token


def accept_invite(session: Session, token: str, password: str) -> User:
    """Set the invited user's password; the invitation cannot be used again."""
    check_password_rules(password)
    invite = session.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
    if invite is None or invite.used is not None or invite.expires <= utcnow():
        raise BadCredentials("the invitation is invalid, used or expired")
    user = session.get(User, invite.user_id)
    if user is None or not user.active:
        raise BadCredentials("the invitation is invalid, used or expired")
    invite.used = utcnow()
    user.password_hash = hash_password(password)
    return user


def _void_invites(session: Session, user_id: int) -> None:
    """An outstanding invitation would let its holder choose the password later."""
    session.execute(
        update(Invite).where(Invite.user_id == user_id, Invite.used.is_(None)).values(used=utcnow())
    )


def set_password(
    session: Session,
    actor: Principal,
    user: User,
    password: str,
    keep_session_id: str | None = None,
) -> None:
    """Give ``user`` a new password and end its browser sessions (but ``keep_session_id``).

    Invitations still open are voided. API tokens stay: they are revoked on their own.
    """
    check_password_rules(password)
    user.password_hash = hash_password(password)
    _void_invites(session, user.id)
    sessions.end_all(session, user.id, keep=keep_session_id)
    audit.record(session, actor, "user.password", user.email, user.organization_id)


def reset_password(session: Session, actor: Principal, user: User) -> str:
    """An admin's reset: no password, no browser session; returns a new invitation (once)."""
    user.password_hash = None
    _void_invites(session, user.id)
    sessions.end_all(session, user.id)
    audit.record(session, actor, "user.password_reset", user.email, user.organization_id)
    return create_invite(session, user)


def change_own_password(
    factory: sessionmaker[Session],
    throttle: LoginThrottle,
    actor: Principal,
    old: str,
    new: str,
    address: str,
    session_id: str | None,
) -> None:
    """Change the caller's password after checking the old one (throttled like a login).

    A user without a password (an invited or token-only account) sets one with
    no old password. The caller's own session stays; every other one ends.
    """
    check_password_rules(new)
    assert actor.user_id is not None
    with factory() as session, session.begin():
        user = session.get(User, actor.user_id)
        assert user is not None
        account = user.email.lower()
        throttle.check(session, account, address)
        ok = user.password_hash is None or verify_password(user.password_hash, old)
        if not ok:
            throttle.failed(session, account, address)
    if not ok:
        raise WrongPassword("the old password is wrong")
    with factory() as session, session.begin():
        user = session.get(User, actor.user_id)
        assert user is not None
        throttle.succeeded(session, account, address)
        set_password(session, actor, user, new, keep_session_id=session_id)
