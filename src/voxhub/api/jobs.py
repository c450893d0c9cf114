"""``/api/v1/jobs``: watch, cancel and retry long-running work."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from voxhub.api.deps import HubDep, UserDep
from voxhub.api.fields import Id
from voxhub.db.jobs_models import Job
from voxhub.jobs import service

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])
State = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class JobOut(BaseModel):
    id: int
    kind: str
    state: str
    ownerId: int | None
    organizationId: int | None
    dataset: str | None
    params: dict[str, Any]
    progress: float
    message: str
    result: dict[str, Any] | None
    error: str | None
    errorCode: str | None
    attempts: int
    maxAttempts: int
    cancelRequested: bool
    created: datetime
    started: datetime | None
    finished: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state,
            ownerId=job.owner_id,
            organizationId=job.organization_id,
            dataset=job.dataset,
            params=job.params,
            progress=job.progress,
            message=job.message,
            result=job.result,
            error=job.error,
            errorCode=job.error_code,
            attempts=job.attempts,
            maxAttempts=job.max_attempts,
            cancelRequested=job.cancel_requested,
            created=job.created,
            started=job.started,
            finished=job.finished,
        )


@router.get("", response_model=list[JobOut])
def list_jobs(
    hub: HubDep,
    principal: UserDep,
    state: State | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[JobOut]:
    """Your jobs, newest first; organization admins see all of their organization's."""
    with hub.transaction() as session:
        return [JobOut.of(job) for job in service.visible_jobs(session, principal, state, limit)]


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: Id, hub: HubDep, principal: UserDep) -> JobOut:
    with hub.transaction() as session:
        return JobOut.of(service.get_job(session, principal, job_id))


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel_job(job_id: Id, hub: HubDep, principal: UserDep) -> JobOut:
    """Queued jobs end at once; running ones stop at their next finished block."""
    with hub.transaction() as session:
        return JobOut.of(service.cancel(session, principal, job_id))


@router.post("/{job_id}/retry", response_model=JobOut)
def retry_job(job_id: Id, hub: HubDep, principal: UserDep) -> JobOut:
    """Queue a failed or cancelled job again."""
    with hub.transaction() as session:
        return JobOut.of(service.retry(session, principal, job_id))
