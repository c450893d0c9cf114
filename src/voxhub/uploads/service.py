"""Uploads as the API sees them: reserve, receive chunks, finish, cancel, expire."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from voxhub.access.errors import Forbidden
from voxhub.access.policy import can
from voxhub.access.principal import Principal
from voxhub.catalog.datasets import check_teams, folder_of_org
from voxhub.db.jobs_models import Upload
from voxhub.db.models import Organization, utcnow
from voxhub.errors import Conflict, InvalidInput
from voxhub.hub import Hub
from voxhub.jobs import service as jobs
from voxhub.storage.local import check_name
from voxhub.uploads.chunks import Chunk, UploadFolder
from voxhub.uploads.errors import BadChunk, QuotaExceeded, UploadClosed, UploadNotFound
from voxhub.uploads.unzip import ZipLimits, check_zip

OPEN_STATES = ("open",)
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
    if hub.data_root.dataset_dir(organization, name).exists():
        raise Conflict(f"dataset {organization}/{name} already exists")
    if total_files < 1 or total_bytes < 0:
        raise InvalidInput("an upload needs at least one file and a byte count")
    limit = hub.settings.upload_max_bytes
    if total_bytes > limit:
        raise QuotaExceeded(f"{total_bytes} bytes exceed the per-upload limit of {limit}")
    pending = session.scalar(
        select(func.coalesce(func.sum(Upload.total_bytes), 0)).where(
            Upload.organization_id == org.id, Upload.state.in_(UNFINISHED_STATES)
        )
    )
    quota = hub.settings.upload_org_quota_bytes
    if int(pending) + total_bytes > quota:
        raise QuotaExceeded(
            f"organization {organization} has {pending} bytes in unfinished uploads; "
            f"{total_bytes} more would exceed its quota of {quota}"
        )
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
    if upload.state not in OPEN_STATES:
        raise UploadClosed(f"upload {upload_id} is {upload.state}")
    folder = upload_folder(hub, upload.id)
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
    if len(files) == 1 and files[0].suffix.lower() == ".zip":
        check_zip(files[0], zip_limits(hub))
    organization = session.get(Organization, upload.organization_id)
    assert organization is not None
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
    upload = get_upload(session, principal, upload_id)
    if upload.state not in ("open", "failed"):
        raise UploadClosed(f"upload {upload_id} is {upload.state}")
    upload.state = "cancelled"
    upload.updated = utcnow()
    upload_folder(hub, upload.id).remove()
    return upload


def unfinished(session: Session, principal: Principal) -> list[Upload]:
    """Own unfinished uploads (every one of the organization for its admins)."""
    query = select(Upload).where(Upload.state.in_(UNFINISHED_STATES)).order_by(Upload.created)
    org = principal.organization_id
    if not (org is not None and can(principal, "admin", org)):
        query = query.where(Upload.owner_id == principal.user_id)
    elif not principal.is_superuser:
        query = query.where(Upload.organization_id == org)
    return list(session.scalars(query))


def expire_idle(hub: Hub) -> int:
    """Remove uploads idle past ``upload_expiry_hours`` (never one whose job is running)."""
    cutoff = utcnow() - timedelta(hours=hub.settings.upload_expiry_hours)
    with hub.transaction() as session:
        stale = session.scalars(
            select(Upload).where(Upload.state.in_(("open", "failed")), Upload.updated < cutoff)
        ).all()
        for upload in stale:
            upload.state = "expired"
            upload_folder(hub, upload.id).remove()
    return len(stale)
