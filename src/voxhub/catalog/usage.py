"""Remembering when a dataset was last opened, without a write per request."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from voxhub.catalog.datasets import touch
from voxhub.db.session import transaction

EVERY_SECONDS = 60.0


class UsageNotes:
    """Writes ``last_used`` at most once a minute per dataset from this process."""

    def __init__(
        self, sessions: sessionmaker[Session], every_seconds: float = EVERY_SECONDS
    ) -> None:
        self._sessions = sessions
        self._every = every_seconds
        self._noted: dict[int, float] = {}
        self._lock = threading.Lock()

    def note(self, dataset_id: int) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._noted.get(dataset_id, float("-inf")) < self._every:
                return
            self._noted[dataset_id] = now
        with transaction(self._sessions) as session:
            touch(session, dataset_id)
