"""How many bytes each dataset folder holds, measured in the background and remembered.

A dataset folder can hold millions of chunk files, so walking it while a
listing waits is out of the question. ``DiskUsage.get`` answers from memory;
a miss (a dataset never measured, or changed since: its ``updated`` moved)
queues the folder for one background thread and answers ``None`` until the
walk is done, which the dashboard shows as "measuring…" until its next poll.
Walks run one at a time so a burst of new datasets never takes more than a
core. Remote layers live elsewhere and are not counted. The data folder is
walked; an S3-hosted dataset is measured by listing its objects with their
sizes (``DataStore.total_bytes``), one request per thousand objects.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from voxhub.storage.local import folder_bytes

Key = tuple[int, datetime | None]  # dataset id and the ``updated`` it was measured at


# What a miss measures: a folder on disk, or a function that counts (``DataStore.total_bytes``).
Measured = Path | Callable[[], int | None]


def measure(where: Measured) -> int | None:
    return folder_bytes(where) if isinstance(where, Path) else where()


class DiskUsage:
    """Per-process memory of dataset sizes; ``stats`` counts walks and hits for tests."""

    def __init__(self, max_queue: int = 10_000) -> None:
        self._sizes: dict[int, tuple[Key, int | None]] = {}
        self._queued: dict[int, tuple[Key, Measured]] = {}
        self._order: deque[int] = deque()
        self._max_queue = max_queue  # bounded: a flood of misses never grows memory without end
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._busy = False
        self.stats = {"hits": 0, "misses": 0, "walks": 0}

    def get(self, dataset_id: int, updated: datetime | None, folder: Measured) -> int | None:
        """The dataset's size if known for this version of it; else queue a measurement."""
        key = (dataset_id, updated)
        with self._lock:
            known = self._sizes.get(dataset_id)
            if known is not None and known[0] == key:
                self.stats["hits"] += 1
                return known[1]
            self.stats["misses"] += 1
            if dataset_id not in self._queued and len(self._queued) < self._max_queue:
                self._order.append(dataset_id)
            if dataset_id in self._queued or len(self._queued) < self._max_queue:
                self._queued[dataset_id] = (key, folder)
            self._start()
        self._wake.set()
        return known[1] if known is not None else None  # the older size beats none at all

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until every queued walk is done (tests); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._queued and not self._busy:
                    return True
            time.sleep(0.01)
        return False

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="disk-usage", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(60)
            self._wake.clear()
            while True:
                with self._lock:
                    if not self._order:
                        break
                    dataset_id = self._order.popleft()
                    key, folder = self._queued.pop(dataset_id)
                    self._busy = True
                try:
                    size = measure(folder)
                finally:
                    with self._lock:
                        self._sizes[dataset_id] = (key, size)
                        self.stats["walks"] += 1
                        self._busy = False


__all__ = ["DiskUsage", "Measured", "folder_bytes", "measure"]
