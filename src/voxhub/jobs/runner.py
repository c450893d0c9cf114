"""Workers: claim a job, run its function, beat its heartbeat, record the outcome.

A ``Worker`` runs one job at a time in the calling thread while a heartbeat
thread flushes progress and picks up cancel requests. ``WorkerPool`` runs
several workers as threads: ``voxhub serve`` starts one in-process, and
``voxhub worker`` runs one per process on any machine that reaches the
database and the data folder. Every worker also does the queue's
housekeeping (re-queueing jobs of dead workers, expiring idle uploads), so
no separate scheduler process is needed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from voxhub.errors import VoxhubError
from voxhub.hub import Hub
from voxhub.jobs import queue
from voxhub.jobs.context import JobContext
from voxhub.jobs.dask_env import connect
from voxhub.jobs.errors import JobCancelled, JobLost
from voxhub.jobs.kinds import get_kind, load_builtin_kinds
from voxhub.storage.local import staging_owned_by

log = logging.getLogger("voxhub.jobs")

Housekeeper = Callable[[Hub], object]  # what it returns is ignored
HOUSEKEEPERS: list[Housekeeper] = []


def add_housekeeper(task: Housekeeper) -> None:
    """Run ``task(hub)`` from every worker's idle loop (it must be safe to run concurrently)."""
    HOUSEKEEPERS.append(task)


def _requeue(hub: Hub) -> None:
    requeued, failed = queue.requeue_stale(hub.sessions, hub.settings.job_timeout_seconds)
    if requeued or failed:
        log.warning("jobs of silent workers: %d re-queued, %d ended", requeued, failed)


add_housekeeper(_requeue)


def worker_name(suffix: str = "") -> str:
    """``host:pid:random``, unique per worker so a finish can tell who owns a job."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}{suffix}"


class Worker:
    def __init__(
        self,
        hub: Hub,
        name: str | None = None,
        kinds: list[str] | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        load_builtin_kinds()
        self.hub = hub
        self.name = name or worker_name()
        self.kinds = kinds
        self.poll_seconds = poll_seconds
        self._last_housekeeping = 0.0

    def housekeeping(self, force: bool = False) -> None:
        interval = max(1.0, min(30.0, self.hub.settings.job_timeout_seconds / 3))
        if not force and time.monotonic() - self._last_housekeeping < interval:
            return
        self._last_housekeeping = time.monotonic()
        for task in HOUSEKEEPERS:
            try:
                task(self.hub)
            except Exception:  # housekeeping must never stop the worker
                log.exception("housekeeping task %s failed", getattr(task, "__name__", task))

    def run_once(self) -> int | None:
        """Claim and run one job; its id, or None when nothing was queued."""
        self.housekeeping()
        claimed = queue.claim_next(self.hub.sessions, self.name, self.kinds)
        if claimed is None:
            return None
        self._run(claimed)
        return claimed.id

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set, sleeping ``poll_seconds`` when the queue is empty."""
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                ran = self.run_once()
            except Exception:  # a broken database connection, say: wait and try again
                log.exception("worker %s: claiming failed", self.name)
                ran = None
            if ran is None:
                stop.wait(self.poll_seconds)
        log.info("worker %s stopped", self.name)

    def _run(self, claimed: queue.Claimed) -> None:
        ctx = JobContext(
            self.hub,
            claimed.id,
            claimed.kind,
            claimed.owner_id,
            claimed.organization_id,
            claimed.attempt,
        )
        done = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat, args=(ctx, done), name=f"heartbeat-{claimed.id}", daemon=True
        )
        beat.start()
        outcome: dict = {"state": "succeeded"}
        try:
            function = get_kind(claimed.kind)
            connect(self.hub.settings.dask_scheduler)
            with staging_owned_by(claimed.id):  # its staging folders name this job
                outcome["result"] = function(ctx, claimed.params)
            ctx.check_cancelled()  # a cancel seen at the very end still wins
        except JobLost:
            outcome = {"state": "lost"}
        except JobCancelled as exc:
            outcome = {"state": "cancelled", "message": exc.detail}
        except VoxhubError as exc:
            error = self._public(exc.detail)
            outcome = {"state": "failed", "error": error, "error_code": exc.code}
        except Exception as exc:
            log.exception("job %d (%s) crashed", claimed.id, claimed.kind)
            outcome = {
                "state": "failed",
                "error": self._public(f"{type(exc).__name__}: {exc}"),
                "error_code": "internal_error",
            }
        finally:
            done.set()
            beat.join()
        if outcome["state"] == "lost":
            log.warning("job %d was taken over by another worker; result dropped", claimed.id)
            return
        fraction, message = ctx.snapshot()
        written = queue.finish(
            self.hub.sessions,
            claimed.id,
            self.name,
            outcome["state"],
            result=outcome.get("result"),
            error=outcome.get("error"),
            error_code=outcome.get("error_code"),
            message=outcome.get("message", message),
        )
        if not written:
            log.warning("job %d finished here but another worker owns it now", claimed.id)

    def _public(self, text: str) -> str:
        """Job errors are shown to users: the server's data folder is not named in them."""
        data = self.hub.settings.data
        for form in sorted({str(data.resolve()), str(data.absolute())}, key=len, reverse=True):
            text = text.replace(form, "<data>")
        return text

    def _heartbeat(self, ctx: JobContext, done: threading.Event) -> None:
        interval = self.hub.settings.job_heartbeat_seconds
        while not done.wait(interval):
            fraction, message = ctx.snapshot()
            try:
                owned, cancel = queue.beat(
                    self.hub.sessions, ctx.job_id, self.name, fraction, message
                )
            except Exception:  # the database may be briefly away; the next beat retries
                log.exception("heartbeat of job %d failed", ctx.job_id)
                continue
            if not owned:
                ctx.request_cancel(lost=True)
            elif cancel:
                ctx.request_cancel()


class WorkerPool:
    """``count`` worker threads sharing one hub; ``stop()`` waits for running jobs."""

    def __init__(self, hub: Hub, count: int, poll_seconds: float = 1.0) -> None:
        self.hub = hub
        self.workers = [
            Worker(hub, worker_name(f"/{i}"), poll_seconds=poll_seconds) for i in range(count)
        ]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> WorkerPool:
        for worker in self.workers:
            thread = threading.Thread(
                target=worker.run, args=(self._stop,), name=f"voxhub-{worker.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Ask workers to stop after their current job (they cancel nothing)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def wait(self) -> None:
        for thread in self._threads:
            while thread.is_alive():
                thread.join(1.0)
