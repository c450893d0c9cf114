"""Remembering when a dataset was last opened, without a write per request."""

from __future__ import annotations

import threading
import time

from voxhub.catalog.datasets import touch
from voxhub.hub import Hub

EVERY_SECONDS = 60.0
_noted: dict[tuple[str, int], float] = {}
_lock = threading.Lock()


def note_use(hub: Hub, dataset_id: int) -> None:
    """Record a use at most once a minute per dataset and process."""
    now = time.monotonic()
    key = (hub.settings.resolved_database_url, dataset_id)
    with _lock:
        if now - _noted.get(key, float("-inf")) < EVERY_SECONDS:
            return
        _noted[key] = now
    with hub.transaction() as session:
        touch(session, dataset_id)
