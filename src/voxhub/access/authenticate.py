"""Turning presented credentials into a ``Principal``, with a short-lived cache.

Token lookups are cached by token hash and dropped whenever the catalog
index sees the access epoch move, so a revoked token stops working within
the index's refresh interval in every process.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from voxhub.access.accounts import principal_for, user_for_token
from voxhub.access.errors import BadToken
from voxhub.access.principal import ANONYMOUS, Principal
from voxhub.access.tokens import hash_token
from voxhub.catalog.index import CatalogIndex
from voxhub.db.models import utcnow

LAST_USED_EVERY = timedelta(minutes=1)


class Authenticator:
    def __init__(self, factory: sessionmaker[Session], index: CatalogIndex) -> None:
        self._factory = factory
        self._index = index
        self._cache: dict[str, tuple[Principal | None, datetime | None]] = {}
        self._lock = threading.Lock()
        self._loaders: list = []
        index.on_change(self.clear)

    def clear(self) -> None:
        with self._lock:
            self._cache = {}

    def add_principal_loader(self, loader) -> None:  # type: ignore[no-untyped-def]
        """``loader(session, user) -> dict`` of extra Principal fields (teams, …)."""
        self._loaders.append(loader)

    def from_token(self, token: str | None) -> Principal:
        """The principal for an API token; anonymous for None; ``BadToken`` otherwise."""
        if not token:
            return ANONYMOUS
        self._index.refresh()
        key = hash_token(token)
        cached = self._cache.get(key)
        if cached is None or (cached[1] is not None and cached[1] <= utcnow()):
            cached = self._load(token)
            with self._lock:
                self._cache[key] = cached
        principal = cached[0]
        if principal is None:
            raise BadToken("the token is invalid, expired or revoked")
        return principal

    def _load(self, token: str) -> tuple[Principal | None, datetime | None]:
        with self._factory() as session, session.begin():
            found = user_for_token(session, token)
            if found is None:
                return None, None
            user, row = found
            now = utcnow()
            if row.last_used is None or now - row.last_used > LAST_USED_EVERY:
                row.last_used = now
            extra: dict = {}
            for loader in self._loaders:
                extra.update(loader(session, user))
            return principal_for(user, **extra), row.expires
