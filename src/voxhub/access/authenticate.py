"""Turning presented credentials into a ``Principal``, with a short-lived cache.

API-token and session lookups are cached by the credential's hash and
dropped whenever the catalog index sees the access epoch move, so a revoked
token or ended session stops working within the index's refresh interval
in every process. Sharing tokens need no lookup: the principal just carries
their hash, which ``can()`` compares with the dataset's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from voxhub.access.accounts import principal_for, user_for_token
from voxhub.access.errors import BadToken
from voxhub.access.principal import ANONYMOUS, Principal
from voxhub.access.sessions import user_for_session
from voxhub.access.teams import team_fields
from voxhub.access.tokens import hash_token, is_share_token
from voxhub.db.models import User, utcnow

LAST_USED_EVERY = timedelta(minutes=1)
MAX_CACHED = 50_000  # random bad tokens must not grow the cache without bound
Loaded = tuple[Principal | None, datetime | None]


class EpochWatch(Protocol):
    """What the authenticator needs of the catalog index (which sits above ``access``)."""

    def refresh(self) -> None: ...

    def on_change(self, callback: Callable[[], None]) -> None: ...


class Authenticator:
    def __init__(self, factory: sessionmaker[Session], index: EpochWatch) -> None:
        self._factory = factory
        self._index = index
        self._cache: dict[str, Loaded] = {}
        self._lock = threading.Lock()
        self._loaders: list[Callable[[Session, User], dict[str, Any]]] = [team_fields]
        index.on_change(self.clear)

    def clear(self) -> None:
        with self._lock:
            self._cache = {}

    def add_principal_loader(self, loader: Callable[[Session, User], dict[str, Any]]) -> None:
        """``loader(session, user) -> dict`` of extra Principal fields (teams, …)."""
        self._loaders.append(loader)

    def from_token(self, token: str | None) -> Principal:
        """The principal for an API or sharing token; anonymous for None; ``BadToken`` otherwise."""
        if not token:
            return ANONYMOUS
        if is_share_token(token):
            return ANONYMOUS.with_share_token(hash_token(token))
        principal = self._cached("t:" + hash_token(token), lambda: self._load_token(token))
        if principal is None:
            raise BadToken("the token is invalid, expired or revoked")
        return principal

    def from_session(self, session_id: str) -> Principal | None:
        """The principal of a live browser session, or None."""
        return self._cached("s:" + hash_token(session_id), lambda: self._load_session(session_id))

    def _cached(self, key: str, load: Callable[[], Loaded]) -> Principal | None:
        self._index.refresh()
        cached = self._cache.get(key)
        if cached is None or (cached[1] is not None and cached[1] <= utcnow()):
            cached = load()
            with self._lock:
                if len(self._cache) >= MAX_CACHED:
                    self._cache = {}
                self._cache[key] = cached
        return cached[0]

    def _principal(self, session: Session, user: User) -> Principal:
        extra: dict[str, Any] = {}
        for loader in self._loaders:
            extra.update(loader(session, user))
        return principal_for(user, **extra)

    def _load_token(self, token: str) -> Loaded:
        with self._factory() as session, session.begin():
            found = user_for_token(session, token)
            if found is None:
                return None, None
            user, row = found
            now = utcnow()
            if row.last_used is None or now - row.last_used > LAST_USED_EVERY:
                row.last_used = now
            return self._principal(session, user), row.expires

    def _load_session(self, session_id: str) -> Loaded:
        with self._factory() as session:
            found = user_for_session(session, session_id)
            if found is None:
                return None, None
            user, row = found
            return self._principal(session, user), row.expires
