"""Password login and invitations: the only places a password is checked or set."""

from __future__ import annotations

import functools
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from voxhub.access import sessions
from voxhub.access.errors import BadCredentials
from voxhub.access.passwords import hash_password, verify_password
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
    account = email.strip().lower()
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
        throttle.succeeded(session, account)
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
