"""Uploads as the API sees them: reserve, receive chunks, finish, cancel, expire."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voxhub.access.errors import Forbidden
from voxhub.access.policy import can
from voxhub.access.principal import Principal
from voxhub.catalog.datasets import folder_of_org
from voxhub.catalog.grants import check_teams
from voxhub.db.jobs_models import Job, Upload
from voxhub.db.models import Organization, utcnow
from voxhub.errors import Conflict, InvalidInput
from voxhub.hub import Hub
from voxhub.jobs import service as jobs
from voxhub.storage.local import check_name
from voxhub.uploads.chunks import Chunk, UploadFolder
from voxhub.uploads.errors import BadChunk, QuotaExceeded, UploadClosed, UploadNotFound
from voxhub.uploads.unzip import ZipLimits, check_zip

OPEN_STATES = ("open",)
UNPACKED_KEY = "unpacked_bytes"  # in ``Upload.options``: what the finished zip unpacks to
UNFINISHED_STATES = ("open", "finishing", "failed")


def upload_folder(hub: Hub, upload_id: str) -> UploadFolder:
    return UploadFolder(hub.settings.data / ".uploads" / upload_id)


def zip_limits(hub: Hub) -> ZipLimits:
    return ZipLimits(max_bytes=hub.settings.upload_max_bytes)


def reserve(
    hub: Hub,
    session: Session,
    principal: Principal,
    *,
    organization: str,
    name: str,
    total_files: int,
    total_bytes: int,
    folder_id: int | None = None,
    team_ids: list[int] | None = None,
    options: dict[str, Any] | None = None,
) -> Upload:
    """Start an upload into ``organization``; checks names, quotas and the right to upload."""
    org = session.scalar(select(Organization).where(Organization.name == organization))
    # Any member may upload, as in WEBKNOSSOS; the dataset then belongs to the organization.
    if org is None or not can(principal, "view", org.id):
        raise Forbidden(f"you may not upload into organization {organization!r}")
    check_name(name, "dataset name")
    existing = hub.index.get(organization, name)
    if existing is not None and can(principal, "view", existing):
        raise Conflict(f"dataset {organization}/{name} already exists")
    # A dataset the caller may not see is not confirmed here: the upload fails at
    # publishing with the same words as any other name that is not available.
    if total_files < 1 or total_bytes < 0:
        raise InvalidInput("an upload needs at least one file and a byte count")
    limit = hub.settings.upload_max_bytes
    if total_bytes > limit:
        raise QuotaExceeded(f"{total_bytes} bytes exceed the per-upload limit of {limit}")
    _check_quota(hub, session, org, total_bytes)
    if folder_id is not None:
        folder_of_org(session, folder_id, org.id)
    teams = sorted(check_teams(session, org.id, team_ids or ()))
    upload = Upload(
        id=uuid.uuid4().hex,
        owner_id=principal.user_id,
        organization_id=org.id,
        name=name,
        folder=str(folder_id) if folder_id is not None else None,
        initial_teams=teams,
        options=dict(options or {}),
        total_files=total_files,
        total_bytes=total_bytes,
    )
    session.add(upload)
    session.flush()
    upload_folder(hub, upload.id).create()
    return upload


def pending_bytes(session: Session, organization_id: int, exclude: str | None = None) -> int:
    """Bytes of the organization's unfinished uploads: received files plus what zips unpack to."""
    rows = session.execute(
        select(Upload.id, Upload.total_bytes, Upload.options).where(
            Upload.organization_id == organization_id, Upload.state.in_(UNFINISHED_STATES)
        )
    ).all()
    return sum(
        total + int((options or {}).get(UNPACKED_KEY, 0))
        for upload_id, total, options in rows
        if upload_id != exclude
    )


def _check_quota(
    hub: Hub, session: Session, org: Organization, more: int, exclude: str | None = None
) -> None:
    pending = pending_bytes(session, org.id, exclude)
    quota = hub.settings.upload_org_quota_bytes
    if pending + more > quota:
        raise QuotaExceeded(
            f"organization {org.name} has {pending} bytes in unfinished uploads; "
            f"{more} more would exceed its quota of {quota}"
        )


def get_upload(session: Session, principal: Principal, upload_id: str) -> Upload:
    """The upload if ``principal`` started it (or administers its organization)."""
    upload = session.get(Upload, upload_id)
    if upload is None or not (
        upload.owner_id == principal.user_id or can(principal, "admin", upload.organization_id)
    ):
        raise UploadNotFound(f"upload {upload_id} not found")
    return upload


def has_chunk(
    hub: Hub, session: Session, principal: Principal, upload_id: str, chunk: Chunk
) -> bool:
    upload = get_upload(session, principal, upload_id)
    chunk.check()
    return upload_folder(hub, upload.id).has_chunk(chunk)


def receive_chunk(
    hub: Hub, session: Session, principal: Principal, upload_id: str, chunk: Chunk, data: bytes
) -> bool:
    """Store one chunk; counts its bytes against the upload's reserved total once."""
    upload = get_upload(session, principal, upload_id)
    folder = upload_folder(hub, upload.id)
    if folder.has_chunk(chunk):  # a retry after a lost answer: accepted and ignored
        chunk.check(len(data))
        return False
    if upload.state not in OPEN_STATES:
        raise UploadClosed(f"upload {upload_id} is {upload.state}")
    if folder.is_new_file(chunk.relative_path) and folder.file_count() >= upload.total_files:
        raise BadChunk(f"upload {upload_id} was reserved for {upload.total_files} files")
    claimed = session.execute(
        update(Upload)
        .where(Upload.id == upload.id, Upload.received_bytes + len(data) <= Upload.total_bytes)
        .values(received_bytes=Upload.received_bytes + len(data), updated=utcnow())
    ).rowcount  # type: ignore[attr-defined]
    if not claimed:
        raise QuotaExceeded(f"upload {upload_id} would exceed its {upload.total_bytes} bytes")
    if not folder.write(chunk, data):  # a repeat: give the bytes back
        session.execute(
            update(Upload)
            .where(Upload.id == upload.id)
            .values(received_bytes=Upload.received_bytes - len(data))
        )
        return False
    return True


def finish(hub: Hub, session: Session, principal: Principal, upload_id: str) -> Upload:
    """Check every chunk is there and a zip is safe, then queue the import job."""
    upload = get_upload(session, principal, upload_id)
    if upload.state != "open":
        raise UploadClosed(f"upload {upload_id} is {upload.state}")
    folder = upload_folder(hub, upload.id)
    files = folder.check_complete(upload.total_files)
    organization = session.get(Organization, upload.organization_id)
    assert organization is not None
    if len(files) == 1 and files[0].suffix.lower() == ".zip":
        unpacked = check_zip(files[0], zip_limits(hub))
        # What the zip unpacks to counts against the quota until the upload is done.
        _check_quota(hub, session, organization, upload.total_bytes + unpacked, upload.id)
        upload.options = {**upload.options, UNPACKED_KEY: unpacked}
    job = jobs.submit(
        session,
        "upload",
        {"upload_id": upload.id, "organization": organization.name, "dataset": upload.name},
        owner_id=upload.owner_id,
        organization_id=upload.organization_id,
        dataset=upload.name,
        max_attempts=hub.settings.job_max_attempts,
    )
    upload.state = "finishing"
    upload.job_id = job.id
    upload.updated = utcnow()
    return upload


def cancel(hub: Hub, session: Session, principal: Principal, upload_id: str) -> Upload:
    """Drop the upload; one whose job a live worker runs stays ``finishing`` (the job is
    asked to stop, and the API answers 409 after committing that request)."""
    upload = get_upload(session, principal, upload_id)
    if upload.state == "finishing" and not _stop_import(hub, session, upload):
        return upload
    if upload.state not in ("open", "failed", "finishing"):
        raise UploadClosed(f"upload {upload_id} is {upload.state}")
    upload.state = "cancelled"
    upload.updated = utcnow()
    upload_folder(hub, upload.id).remove()
    return upload


def still_importing(upload_id: str) -> UploadClosed:
    return UploadClosed(
        f"upload {upload_id} is being imported; its job was asked to stop: "
        "delete the upload again once the job has ended"
    )


def unfinished(session: Session, principal: Principal) -> list[Upload]:
    """Own unfinished uploads (every one of the organization for its admins)."""
    query = select(Upload).where(Upload.state.in_(UNFINISHED_STATES)).order_by(Upload.created)
    org = principal.organization_id
    if not (org is not None and can(principal, "admin", org)):
        query = query.where(Upload.owner_id == principal.user_id)
    elif not principal.is_superuser:
        query = query.where(Upload.organization_id == org)
    return list(session.scalars(query))


def _stop_import(hub: Hub, session: Session, upload: Upload) -> bool:
    """End the import job of a ``finishing`` upload; False while a live worker runs it.

    A queued job is cancelled; a job that already ended, or whose worker went
    silent (killed while unpacking, say), no longer holds the upload.
    """
    if upload.job_id is None:
        return True
    job = session.get(Job, upload.job_id)
    if job is None or job.state in ("failed", "cancelled", "succeeded"):
        return True
    silent = utcnow() - timedelta(seconds=hub.settings.job_timeout_seconds)
    stopped = session.execute(
        update(Job)
        .where(
            Job.id == job.id,
            (Job.state == "queued") | ((Job.state == "running") & (Job.heartbeat < silent)),
        )
        .values(state="cancelled", finished=utcnow(), message="the upload was deleted")
    ).rowcount  # type: ignore[attr-defined]
    if stopped:
        return True
    session.execute(update(Job).where(Job.id == job.id).values(cancel_requested=True))
    return False


def expire_idle(hub: Hub) -> int:
    """Remove uploads idle past ``upload_expiry_hours`` (never one whose job is running)."""
    cutoff = utcnow() - timedelta(hours=hub.settings.upload_expiry_hours)
    with hub.transaction() as session:
        idle = session.scalars(
            select(Upload).where(Upload.state.in_(UNFINISHED_STATES), Upload.updated < cutoff)
        ).all()
        stale = [u for u in idle if u.state != "finishing" or _stop_import(hub, session, u)]
        for upload in stale:
            upload.state = "expired"
            upload_folder(hub, upload.id).remove()
    return len(stale)
