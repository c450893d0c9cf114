"""``/api/v1/datasets``: listing (filtered, searched, paged), describing and reading datasets."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from voxhub.access.policy import can
from voxhub.access.principal import Principal
from voxhub.api.deps import (
    HubDep,
    PrincipalDep,
    authorize_dataset,
    elsewhere,
    layer_of,
)
from voxhub.api.fields import Id, Int64
from voxhub.api.folders import TeamRef, team_refs
from voxhub.arrays.box import Box, npy_header, plan_box
from voxhub.arrays.mag import Mag
from voxhub.arrays.render import layer_plane_png, thumbnail_key, thumbnail_plane
from voxhub.catalog.disk_usage import DiskUsage, Measured
from voxhub.catalog.index import DatasetEntry, Snapshot
from voxhub.catalog.levels import layer_box, open_level, thumbnail_level, warm, warm_box
from voxhub.catalog.listing import SORT_PATTERN, DatasetQuery, select_datasets
from voxhub.catalog.metadata_entries import MetadataEntry

router = APIRouter(prefix="/api/v1/datasets", tags=["datasets"])
BAND_BYTES = 16 * 2**20  # what one streamed box band holds at most
# A remote box read whose chunks are still on the way decodes up to this much ahead of
# the band being sent: each chunk of those bands is decoded as it arrives, so little is
# left to decode when the last chunk comes (bench_remote's cold 64 MB read at 256 in
# flight, medians of 4 at load 5: 0.85 s, 1.07 s one band ahead). A box whose chunks are
# all cached reads one band ahead: four bands decoded at once delay the first (0.79 s
# warm vs 0.27 s), while decoding the next band as one is sent overlaps the two
READ_AHEAD_BYTES = 64 * 2**20


class LayerOut(BaseModel):
    name: str
    category: str
    elementClass: str
    dataFormat: str
    numChannels: int
    boundingBox: dict
    mags: list[dict]
    largestSegmentId: int | None = None
    zarrUrl: str


class DatasetOut(BaseModel):
    organization: str
    name: str
    displayName: str
    description: str = Field(description="Markdown")
    tags: list[str]
    status: str
    isPublic: bool
    isEditable: bool
    folderId: int | None
    allowedTeams: list[TeamRef] = Field(description="Granted on the dataset itself")
    allowedTeamsCumulative: list[TeamRef] = Field(description="Also via its folder and ancestors")
    created: datetime | None
    lastUsed: datetime | None
    uploader: str | None = Field(description="Email of who uploaded it, when known")
    viewConfiguration: dict[str, Any]
    metadata: list[MetadataEntry] = Field(description="Key-value metadata, as WEBKNOSSOS has it")
    voxelSize: list[float]
    unit: str
    diskBytes: int | None = Field(
        None, description="Bytes in the data folder; null while being measured, or not stored here"
    )
    layers: list[LayerOut]
    zarrUrl: str = Field(description="Relative to this server, or absolute on a datastore")
    datastoreUrl: str | None = Field(
        None, description="The external datastore serving the data (its /zarr and data routes)"
    )


def _measured(entry: DatasetEntry) -> Measured:
    """What ``diskBytes`` measures: the dataset under its key in its ``DataStore`` (the data
    folder or S3); a dataset held by an external datastore: its folder name, not here."""
    if entry.storage is None:
        return entry.path
    return functools.partial(entry.storage.total_bytes, entry.key)


def describe(
    entry: DatasetEntry,
    principal: Principal,
    snapshot: Snapshot,
    disk: DiskUsage | None = None,
    reachable: Callable[[int], bool] = lambda _id: True,
) -> DatasetOut:
    """The dataset as the API shows it; ``reachable(datastore_id)`` says whether an
    external datastore beats (else its datasets show ``unreachable``)."""
    datastore = snapshot.datastores.get(entry.datastore_id) if entry.datastore_id else None
    base = f"{datastore or ''}/zarr/{entry.organization}/{entry.name}"
    status = entry.status
    if entry.datastore_id is not None and not reachable(entry.datastore_id):
        status = "unreachable"
    if datastore is not None:
        disk = None  # its bytes are on the datastore's disk, not measured here
    # Team names are the organization's business; others see none.
    insider = principal.is_superuser or principal.organization_id == entry.organization_id
    return DatasetOut(
        organization=entry.organization,
        name=entry.name,
        displayName=entry.display_name or entry.name,
        description=entry.description,
        tags=list(entry.tags),
        status=status,
        isPublic=entry.is_public,
        isEditable=can(principal, "edit", entry),
        folderId=entry.folder_id if insider else None,
        allowedTeams=team_refs(snapshot, entry.team_ids) if insider else [],
        allowedTeamsCumulative=team_refs(snapshot, entry.allowed_team_ids) if insider else [],
        created=entry.created,
        lastUsed=entry.last_used,
        uploader=snapshot.uploaders.get(entry.uploader_id or 0) if insider else None,
        viewConfiguration=dict(entry.view_configuration),
        metadata=[MetadataEntry.model_validate(m) for m in entry.metadata],
        voxelSize=list(entry.voxel_size),
        unit=entry.unit,
        diskBytes=disk.get(entry.id, entry.updated, _measured(entry)) if disk is not None else None,
        zarrUrl=f"{base}/",
        datastoreUrl=datastore,
        layers=[
            LayerOut(
                name=layer.name,
                category=layer.category,
                elementClass=layer.element_class,
                dataFormat=layer.data_format,
                numChannels=layer.num_channels,
                boundingBox=layer.bounding_box,
                mags=[m.to_json() for m in layer.mags],
                largestSegmentId=layer.largest_segment_id,
                zarrUrl=f"{base}/{layer.name}/",
            )
            for layer in entry.layers.values()
        ],
    )


@router.get("", response_model=list[DatasetOut])
def list_datasets(
    response: Response,
    hub: HubDep,
    principal: PrincipalDep,
    organization: str | None = None,
    folder: Annotated[Id | None, Query(description="Only datasets in this folder")] = None,
    includeSubfolders: bool = False,
    tags: Annotated[list[str], Query(description="Only datasets with all these tags")] = [],  # noqa: B006
    q: Annotated[str, Query(max_length=1000, description="Words that must all match")] = "",
    status: str | None = None,
    isPublic: bool | None = None,
    sort: Annotated[str, Query(pattern=SORT_PATTERN)] = "name",
    offset: Annotated[Int64, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> list[DatasetOut]:
    """The datasets the caller may view, filtered and paged (``X-Total-Count`` has the total)."""
    query = DatasetQuery(
        organization=organization, folder_id=folder, include_subfolders=includeSubfolders,
        tags=tuple(tags), search=q, status=status, is_public=isPublic, sort=sort,
        offset=offset, limit=limit,
    )  # fmt: skip
    snapshot = hub.index.snapshot()
    visible = (e for e in snapshot.datasets.values() if can(principal, "view", e))
    total, page = select_datasets(visible, query, snapshot.tree)
    response.headers["X-Total-Count"] = str(total)
    return [
        describe(e, principal, snapshot, hub.disk_usage, hub.heartbeats.reachable) for e in page
    ]


@router.get("/{organization}/{name}", response_model=DatasetOut)
def get_dataset(organization: str, name: str, hub: HubDep, principal: PrincipalDep) -> DatasetOut:
    entry = authorize_dataset(hub, principal, organization, name)
    hub.usage.note(entry.id)
    return describe(
        entry, principal, hub.index.snapshot(), hub.disk_usage, hub.heartbeats.reachable
    )


@router.get(
    "/{organization}/{name}/layers/{layer}/data",
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def read_data(
    request: Request,
    organization: str,
    name: str,
    layer: str,
    hub: HubDep,
    principal: PrincipalDep,
    x: Annotated[Int64, Query(description="left, in mag-1 voxels")] = 0,
    y: Annotated[Int64, Query(description="top, in mag-1 voxels")] = 0,
    z: Annotated[Int64, Query(description="first slice, in mag-1 voxels")] = 0,
    width: Annotated[Int64, Query(gt=0, description="in voxels of the mag")] = 1,
    height: Annotated[Int64, Query(gt=0)] = 1,
    depth: Annotated[Int64, Query(gt=0)] = 1,
    mag: str = "1",
    format: Literal["raw", "npy"] = "raw",
) -> Response:
    """An arbitrary box, reading only the chunks it touches.

    ``raw`` returns C-order bytes of shape (c, depth, height, width) (the
    ``X-Shape`` and ``X-Dtype`` headers say which); ``npy`` a NumPy file.
    Large boxes are streamed band by band, the next band read while one is sent
    (memory: two bands, not the box; a remote layer's next 64 MB of bands),
    and only ``VOXHUB_BOX_CONCURRENCY`` of them run at once per process.
    """
    entry = authorize_dataset(hub, principal, organization, name)
    if (moved := elsewhere(hub, entry, request)) is not None:
        return moved
    # a remote level not open yet: opened with the metadata kept at registration while the
    # source's is fetched, the box's chunks in flight meanwhile; confirmed before answering
    level = open_level(layer_of(entry, layer), mag, speculative=True)
    box = Box((x, y, z), (width, height, depth), Mag.parse(mag))
    settings = hub.settings
    plan = plan_box(level, box, settings.max_box_voxels, settings.max_box_bytes)
    arriving = warm_box(level, box) > 0
    if level.confirm():  # stale: what was read is dropped, the box is planned anew
        plan = plan_box(level, box, settings.max_box_voxels, settings.max_box_bytes)
        arriving = warm_box(level, box) > 0
    header = npy_header(plan.shape, plan.dtype) if format == "npy" else b""
    headers = {
        "X-Shape": ",".join(map(str, plan.shape)),
        "X-Dtype": str(plan.dtype),
        "Content-Length": str(len(header) + plan.nbytes),
    }
    media_type = "application/x-npy" if format == "npy" else "application/octet-stream"
    # a band is at most a quarter of the largest box, so the largest streams in pieces
    band_bytes = min(BAND_BYTES, max(1, settings.max_box_bytes // 4))
    if plan.nbytes <= band_bytes:
        # (a remote level's chunks went in flight above as one burst, not at the ordinary
        # bound that the parallel band requests of one client read share)
        return Response(header + plan.read().tobytes(), media_type=media_type, headers=headers)
    release = hub.box_slots.take()
    try:
        # bytes, not memoryviews: granian sends a memoryview several times slower
        ahead = max(1, READ_AHEAD_BYTES // band_bytes) if arriving else 1
        bands = plan.bytes_ahead(band_bytes, ahead)
        # the first band is read before answering: its errors (a source refusing access,
        # a corrupt chunk) are still JSON errors, not a stream cut short
        first = next(bands)
    except BaseException:
        release()
        raise

    def body() -> Iterator[bytes]:
        try:
            if header:
                yield header
            yield first
            yield from bands
        finally:  # also when the client goes away mid-stream
            bands.close()
            release()

    stream = body()
    weakref.finalize(stream, release)  # a stream dropped before its first band gives it back
    return StreamingResponse(stream, media_type=media_type, headers=headers)


@router.get(
    "/{organization}/{name}/layers/{layer}/thumbnail.png",
    responses={200: {"content": {"image/png": {}}}},
)
def thumbnail(
    request: Request,
    organization: str,
    name: str,
    layer: str,
    hub: HubDep,
    principal: PrincipalDep,
    size: Annotated[int, Query(ge=16, le=1024)] = 256,
) -> Response:
    """The middle slice at the coarsest mag still at least ``size`` pixels wide."""
    entry = authorize_dataset(hub, principal, organization, name)
    if (moved := elsewhere(hub, entry, request)) is not None:
        return moved
    target = layer_of(entry, layer)
    # as for boxes: a remote level not open yet is opened with its kept metadata, the
    # plane's chunks put in flight while the source's metadata is fetched and confirmed
    level = thumbnail_level(target, size, speculative=True)
    warm(level, thumbnail_key(level, layer_box(target), size))
    level.confirm()  # stale: the plane is planned anew below, with the fresh metadata
    plane = thumbnail_plane(level, layer_box(target), size)
    png = layer_plane_png(plane, target.category)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=60"})
