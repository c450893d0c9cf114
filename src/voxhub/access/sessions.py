"""Browser sessions: a random id in a signed, http-only, SameSite cookie.

The server keeps a row per session (only the id's hash), so logout and
deactivation end it everywhere. Every login draws a new id and ends the
session the browser presented, so an id planted before login never becomes
authenticated (no session fixation). The CSRF token is an HMAC of the id:
requests that authenticate with the cookie and change state must echo it.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from voxhub.access.secrets import derive
from voxhub.access.tokens import hash_token
from voxhub.db.access_models import BrowserSession
from voxhub.db.models import User, utcnow
from voxhub.db.session import bump_epoch

COOKIE = "voxhub_session"
CSRF_COOKIE = "voxhub_csrf"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class SessionCookies:
    """Signing and checking cookie values with the server secret."""

    secret: bytes
    max_age_seconds: float

    @property
    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt="voxhub-session")

    def sign(self, session_id: str) -> str:
        return self._serializer.dumps(session_id)

    def session_id(self, cookie: str | None) -> str | None:
        """The session id inside a cookie value, or None when forged or too old."""
        if not cookie:
            return None
        try:
            value = self._serializer.loads(cookie, max_age=int(self.max_age_seconds))
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def csrf_token(self, session_id: str) -> str:
        return derive(self.secret, "csrf", session_id)

    def csrf_ok(self, session_id: str, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(self.csrf_token(session_id), presented or "")


def start(session: Session, user: User, lifetime: timedelta, address: str) -> str:
    """A new session for ``user``; returns its id (put it in the cookie, signed)."""
    session_id = secrets.token_urlsafe(32)
    # expired rows are dead weight; logins are rare enough to sweep them here
    session.execute(delete(BrowserSession).where(BrowserSession.expires < utcnow()))
    session.add(
        BrowserSession(
            session_hash=hash_token(session_id),
            user_id=user.id,
            expires=utcnow() + lifetime,
            address=address[:64],
        )
    )
    session.flush()
    return session_id


def end(session: Session, session_id: str) -> bool:
    """Revoke one session; every process drops it within the cache interval."""
    result = session.execute(
        update(BrowserSession)
        .where(BrowserSession.session_hash == hash_token(session_id))
        .where(BrowserSession.revoked.is_(None))
        .values(revoked=utcnow())
    )
    if result.rowcount:  # type: ignore[attr-defined]
        bump_epoch(session)
        return True
    return False


def end_all(session: Session, user_id: int, keep: str | None = None) -> None:
    """Revoke every session of a user (deactivation, password change), but ``keep``'s."""
    query = update(BrowserSession).where(
        BrowserSession.user_id == user_id, BrowserSession.revoked.is_(None)
    )
    if keep is not None:
        query = query.where(BrowserSession.session_hash != hash_token(keep))
    session.execute(query.values(revoked=utcnow()))
    bump_epoch(session)


def user_for_session(
    session: Session, session_id: str, now: datetime | None = None
) -> tuple[User, BrowserSession] | None:
    """The active user of a live session, or None."""
    row = session.scalar(
        select(BrowserSession).where(BrowserSession.session_hash == hash_token(session_id))
    )
    now = now or utcnow()
    if row is None or row.revoked is not None or row.expires <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row
