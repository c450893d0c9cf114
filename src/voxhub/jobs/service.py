"""Jobs as the API and CLI see them: submit, list, get, cancel, retry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from voxhub.access.policy import can
from voxhub.access.principal import Principal
from voxhub.db.jobs_models import Job
from voxhub.db.models import utcnow
from voxhub.jobs.errors import JobNotFound, JobStateConflict
from voxhub.jobs.kinds import get_kind

FINAL_STATES = ("succeeded", "failed", "cancelled")


def submit(
    session: Session,
    kind: str,
    params: dict[str, Any],
    *,
    owner_id: int | None = None,
    organization_id: int | None = None,
    dataset: str | None = None,
    max_attempts: int = 3,
) -> Job:
    """Queue a job of a registered ``kind``; any worker may pick it up."""
    get_kind(kind)  # refuse unknown kinds at submission, not when a worker finds them
    job = Job(
        kind=kind,
        params=params,
        owner_id=owner_id,
        organization_id=organization_id,
        dataset=dataset,
        max_attempts=max(1, max_attempts),
    )
    session.add(job)
    session.flush()
    return job


def may_manage(principal: Principal, job: Job) -> bool:
    """The owner, an admin of the job's organization, or a superuser."""
    if principal.user_id is not None and job.owner_id == principal.user_id:
        return True
    if job.organization_id is None:
        return can(principal, "admin", "server")
    return can(principal, "admin", job.organization_id)


def visible_jobs(
    session: Session, principal: Principal, state: str | None = None, limit: int = 200
) -> list[Job]:
    """Own jobs; every job of the organization for its admins; all for superusers."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if state:
        query = query.where(Job.state == state)
    if not principal.is_superuser:
        own = Job.owner_id == principal.user_id
        org = principal.organization_id
        if org is not None and can(principal, "admin", org):
            query = query.where(or_(own, Job.organization_id == org))
        else:
            query = query.where(own)
    return list(session.scalars(query))


def get_job(session: Session, principal: Principal, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None or not may_manage(principal, job):
        raise JobNotFound(f"job {job_id} not found")
    return job


def cancel(session: Session, principal: Principal, job_id: int) -> Job:
    """Queued jobs end at once; running ones stop at their next progress report."""
    job = get_job(session, principal, job_id)
    if job.state in FINAL_STATES:
        raise JobStateConflict(f"job {job_id} already {job.state}")
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(state="cancelled", finished=utcnow(), message="cancelled before it started")
    )
    session.execute(
        update(Job).where(Job.id == job_id, Job.state == "running").values(cancel_requested=True)
    )
    session.refresh(job)
    return job


def retry(session: Session, principal: Principal, job_id: int) -> Job:
    """Queue a failed or cancelled job again, with a fresh attempt budget."""
    job = get_job(session, principal, job_id)
    won = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.in_(("failed", "cancelled")))
        .values(
            state="queued",
            attempts=0,
            progress=0.0,
            message="queued again",
            result=None,
            error=None,
            error_code=None,
            worker=None,
            cancel_requested=False,
            started=None,
            finished=None,
            heartbeat=None,
        )
    ).rowcount  # type: ignore[attr-defined]
    if not won:
        raise JobStateConflict(f"job {job_id} is {job.state}; only failed or cancelled jobs retry")
    session.refresh(job)
    return job
