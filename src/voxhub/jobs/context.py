"""What a running job sees: its row's identity, progress reporting, cancellation."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voxhub.jobs.errors import JobCancelled, JobLost

if TYPE_CHECKING:
    from voxhub.hub import Hub


@dataclass
class JobContext:
    """Handed to a job function; progress is kept in memory and flushed by the heartbeat.

    ``progress()`` is cheap enough to call once per dask block: it writes no
    row itself, and raises ``JobCancelled`` as soon as a cancel was seen, so
    array work stops at the next finished block.
    """

    hub: Hub
    job_id: int
    kind: str
    owner_id: int | None
    organization_id: int | None
    attempt: int
    _fraction: float = 0.0
    _message: str = ""
    _cancel: threading.Event = field(default_factory=threading.Event)
    _lost: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def progress(self, done: float, total: float = 1.0, message: str | None = None) -> None:
        """Record ``done / total`` finished (clamped to 0..1) and check for a cancel."""
        with self._lock:
            if total > 0:
                self._fraction = min(1.0, max(0.0, done / total))
            if message is not None:
                self._message = message
        self.check_cancelled()

    def message(self, text: str) -> None:
        with self._lock:
            self._message = text

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            if self._lost:
                raise JobLost(f"job {self.job_id} was taken over after a missed heartbeat")
            raise JobCancelled(f"job {self.job_id} was cancelled")

    def snapshot(self) -> tuple[float, str]:
        with self._lock:
            return self._fraction, self._message

    def request_cancel(self, *, lost: bool = False) -> None:
        self._lost = self._lost or lost
        self._cancel.set()

    def progress_fn(self, start: float = 0.0, end: float = 1.0, message: str | None = None) -> Any:
        """A ``(done, total)`` callback mapping a sub-task onto ``start..end`` of this job."""

        def report(done: int, total: int) -> None:
            part = done / total if total else 1.0
            self.progress(start + (end - start) * part, 1.0, message)

        return report
