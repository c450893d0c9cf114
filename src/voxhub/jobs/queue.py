"""The job queue in SQL: claim, heartbeat, finish, re-queue of silent jobs.

Every state change is one conditional UPDATE whose row count says whether it
won, so several workers (threads, processes, machines) can share one
database. On PostgreSQL the candidate row is also locked with ``FOR UPDATE
SKIP LOCKED`` so claimers never wait on each other; SQLite serialises
writers, and the ``state = 'queued'`` condition makes the loser's UPDATE
match nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from voxhub.db.jobs_models import Job
from voxhub.db.models import utcnow

CLAIM_TRIES = 5


@dataclass(frozen=True)
class Claimed:
    """What a worker needs to run a claimed job (read inside the claiming transaction)."""

    id: int
    kind: str
    params: dict[str, Any]
    owner_id: int | None
    organization_id: int | None
    attempt: int


def claim_next(
    factory: sessionmaker[Session], worker: str, kinds: list[str] | None = None
) -> Claimed | None:
    """Take the oldest queued job (of ``kinds``) for ``worker``; None when the queue is empty."""
    for _ in range(CLAIM_TRIES):
        with factory() as session, session.begin():
            query = select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1)
            if kinds is not None:
                query = query.where(Job.kind.in_(kinds))
            if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
                query = query.with_for_update(skip_locked=True)
            job_id = session.scalar(query)
            if job_id is None:
                return None
            now = utcnow()
            won = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == "queued")
                .values(
                    state="running",
                    worker=worker,
                    attempts=Job.attempts + 1,
                    started=now,
                    heartbeat=now,
                    progress=0.0,
                    cancel_requested=False,
                )
            ).rowcount  # type: ignore[attr-defined]
            if not won:
                continue  # another claimer was faster; try the next row
            job = session.get(Job, job_id)
            assert job is not None
            return Claimed(
                job.id, job.kind, dict(job.params), job.owner_id, job.organization_id, job.attempts
            )
    return None


def beat(
    factory: sessionmaker[Session], job_id: int, worker: str, progress: float, message: str
) -> tuple[bool, bool]:
    """Record liveness and progress; returns (still ours, cancel requested)."""
    with factory() as session, session.begin():
        owned = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.worker == worker, Job.state == "running")
            .values(heartbeat=utcnow(), progress=progress, message=message[:2000])
        ).rowcount  # type: ignore[attr-defined]
        if not owned:
            return False, True
        cancel = session.scalar(select(Job.cancel_requested).where(Job.id == job_id))
        return True, bool(cancel)


def finish(
    factory: sessionmaker[Session],
    job_id: int,
    worker: str,
    state: str,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    error_code: str | None = None,
    message: str | None = None,
) -> bool:
    """Write the outcome if this worker still owns the job; False when it was taken over."""
    values: dict[str, Any] = {
        "state": state,
        "finished": utcnow(),
        "result": result,
        "error": error,
        "error_code": error_code,
    }
    if state == "succeeded":
        values["progress"] = 1.0
    if message is not None:
        values["message"] = message[:2000]
    with factory() as session, session.begin():
        return bool(
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.worker == worker, Job.state == "running")
                .values(**values)
            ).rowcount  # type: ignore[attr-defined]
        )


def requeue_stale(factory: sessionmaker[Session], timeout_seconds: float) -> tuple[int, int]:
    """Jobs whose worker went silent: re-queued, or failed after their last attempt.

    Returns (re-queued, failed). A job cancelled while its worker was lost
    ends as cancelled rather than running again.
    """
    cutoff = utcnow() - timedelta(seconds=timeout_seconds)
    silent = (Job.state == "running", Job.heartbeat < cutoff)
    with factory() as session, session.begin():
        cancelled = session.execute(
            update(Job)
            .where(*silent, Job.cancel_requested.is_(True))
            .values(state="cancelled", finished=utcnow(), message="cancelled (worker lost)")
        ).rowcount  # type: ignore[attr-defined]
        failed = session.execute(
            update(Job)
            .where(*silent, Job.attempts >= Job.max_attempts)
            .values(
                state="failed",
                finished=utcnow(),
                error="the worker running this job stopped responding, on every attempt",
                error_code="worker_lost",
            )
        ).rowcount  # type: ignore[attr-defined]
        requeued = session.execute(
            update(Job)
            .where(*silent)
            .values(state="queued", worker=None, message="re-queued: the worker stopped responding")
        ).rowcount  # type: ignore[attr-defined]
    return requeued, failed + cancelled
