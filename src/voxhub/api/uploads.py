"""``/api/v1/uploads``: resumable uploads in the shape resumable.js (and WEBKNOSSOS) use.

Reserve an upload, point resumable.js at ``/api/v1/uploads/{id}/chunks``
(``testChunks`` sends GETs there, chunks are POSTed as multipart forms with
the ``resumable*`` fields and a ``file`` part), then finish it: the content
is registered directly or converted by a job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from voxhub.api.deps import HubDep, UserDep
from voxhub.api.fields import Id, Int64
from voxhub.db.jobs_models import Upload
from voxhub.uploads import service
from voxhub.uploads.chunks import Chunk

router = APIRouter(prefix="/api/v1/uploads", tags=["uploads"])


class ReserveIn(BaseModel):
    name: str
    organization: str
    totalFileCount: Int64 = Field(ge=1)
    totalBytes: Int64 = Field(ge=0)
    folderId: Id | None = Field(None, description="Folder of the new dataset (default: root)")
    initialTeams: list[Id] = Field(default_factory=list, description="Team ids allowed to view")
    voxelSize: tuple[float, float, float] | None = None
    unit: str | None = None
    category: str | None = None
    layerName: str | None = None
    options: dict[str, Any] | None = Field(None, description="raw input: shape_xyz, dtype, order")


class UploadOut(BaseModel):
    uploadId: str
    name: str
    organizationId: int
    state: str
    totalFileCount: int
    totalBytes: int
    receivedBytes: int
    jobId: int | None
    created: datetime

    @classmethod
    def of(cls, upload: Upload) -> UploadOut:
        return cls(
            uploadId=upload.id,
            name=upload.name,
            organizationId=upload.organization_id,
            state=upload.state,
            totalFileCount=upload.total_files,
            totalBytes=upload.total_bytes,
            receivedBytes=upload.received_bytes,
            jobId=upload.job_id,
            created=upload.created,
        )


def _chunk(number: int, size: int, total_size: int, total_chunks: int, relative_path: str) -> Chunk:
    return Chunk(relative_path, number, size, total_size, total_chunks)


@router.post("", response_model=UploadOut, status_code=201)
def reserve(body: ReserveIn, hub: HubDep, principal: UserDep) -> UploadOut:
    """Reserve an upload: name, organization, file count and bytes (checked against quotas)."""
    options = {
        "voxel_size": list(body.voxelSize) if body.voxelSize else None,
        "unit": body.unit,
        "category": body.category,
        "layer": body.layerName,
        "options": body.options,
    }
    with hub.transaction() as session:
        upload = service.reserve(
            hub, session, principal, organization=body.organization, name=body.name,
            total_files=body.totalFileCount, total_bytes=body.totalBytes, folder_id=body.folderId,
            team_ids=body.initialTeams, options=options,
        )  # fmt: skip
        return UploadOut.of(upload)


@router.get("", response_model=list[UploadOut])
def unfinished(hub: HubDep, principal: UserDep) -> list[UploadOut]:
    """Unfinished uploads that can be resumed or cancelled."""
    with hub.transaction() as session:
        return [UploadOut.of(u) for u in service.unfinished(session, principal)]


@router.get("/{upload_id}/chunks", status_code=200, responses={204: {"description": "absent"}})
def test_chunk(
    upload_id: str,
    hub: HubDep,
    principal: UserDep,
    resumableChunkNumber: Annotated[Int64, Query()],
    resumableChunkSize: Annotated[Int64, Query()],
    resumableTotalSize: Annotated[Int64, Query()],
    resumableTotalChunks: Annotated[Int64, Query()],
    resumableRelativePath: Annotated[str, Query()],
) -> Response:
    """200 when the chunk is already stored, 204 when resumable.js should send it."""
    chunk = _chunk(resumableChunkNumber, resumableChunkSize, resumableTotalSize,
                   resumableTotalChunks, resumableRelativePath)  # fmt: skip
    with hub.transaction() as session:
        present = service.has_chunk(hub, session, principal, upload_id, chunk)
    return Response(status_code=200 if present else 204)


@router.post("/{upload_id}/chunks")
async def send_chunk(
    upload_id: str,
    hub: HubDep,
    principal: UserDep,
    file: Annotated[UploadFile, File()],
    resumableChunkNumber: Annotated[Int64, Form()],
    resumableChunkSize: Annotated[Int64, Form()],
    resumableTotalSize: Annotated[Int64, Form()],
    resumableTotalChunks: Annotated[Int64, Form()],
    resumableRelativePath: Annotated[str, Form()],
) -> dict[str, bool]:
    """Store one chunk at its place in its file; repeats are accepted and ignored."""
    chunk = _chunk(resumableChunkNumber, resumableChunkSize, resumableTotalSize,
                   resumableTotalChunks, resumableRelativePath)  # fmt: skip
    chunk.check()
    data = await file.read(resumableChunkSize * 2 + 1)  # the last chunk may hold the remainder

    def store() -> bool:
        with hub.transaction() as session:
            return service.receive_chunk(hub, session, principal, upload_id, chunk, data)

    return {"stored": await run_in_threadpool(store)}


@router.post("/{upload_id}/finish", response_model=UploadOut)
def finish(upload_id: str, hub: HubDep, principal: UserDep) -> UploadOut:
    """Check completeness (and a zip's safety) and queue the import job (``jobId``)."""
    with hub.transaction() as session:
        return UploadOut.of(service.finish(hub, session, principal, upload_id))


@router.delete("/{upload_id}", response_model=UploadOut)
def cancel(upload_id: str, hub: HubDep, principal: UserDep) -> UploadOut:
    """Drop an unfinished upload and its bytes (also one whose import job died)."""
    with hub.transaction() as session:
        out = UploadOut.of(service.cancel(hub, session, principal, upload_id))
    if out.state == "finishing":  # its job runs: the stop request is committed by now
        raise service.still_importing(upload_id)
    return out
