"""The ``remote.copy`` job kind: "make local copy" of a remote dataset.

Remote layers are only referenced; a lab that wants the data hosted (faster,
independent of the source) asks for a copy explicitly. Parameters:
``organization``, ``dataset`` (the remote one) and ``target`` (the new
dataset's name). Each layer's finest level is read through the same path as
every reader (``open_level``: SSRF guard, credentials, parallel fetching)
and written as a hosted OME-Zarr layer with its own pyramid, all layers
published at once (a failed copy leaves nothing). The remote dataset stays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voxhub.catalog.datasets import set_initial_access
from voxhub.catalog.levels import layer_mags, open_level
from voxhub.catalog.register import registration
from voxhub.errors import NotFound
from voxhub.formats.dataset_import import import_dataset
from voxhub.formats.layers import NamedSource
from voxhub.formats.source import VolumeSource
from voxhub.jobs.context import JobContext
from voxhub.jobs.kinds import register_kind


def run_copy(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    hub = ctx.hub
    organization, name, target = params["organization"], params["dataset"], params["target"]
    entry = hub.index.lookup(organization, name)
    if entry is None:
        raise NotFound(f"dataset {organization}/{name} not found")
    sources = []
    for layer in entry.layers.values():
        level = open_level(layer, layer_mags(layer)[0])
        source = VolumeSource(
            path=Path(f"{organization}/{name}/{layer.name}"),
            shape=level.shape,
            dtype=level.dtype,
            dask=level.to_dask(),
            voxel_size=tuple(entry.voxel_size),  # type: ignore[arg-type]
            unit=entry.unit,
        )
        sources.append(NamedSource(layer.name, layer.category, source))
    count = len(sources)

    def report(index: int, done: int, total: int) -> None:
        part = (index + (done / total if total else 1.0)) / count
        ctx.progress(part, 1.0, f"copying layer {sources[index].name}")

    owner = params.get("owner_id")

    def on_new(session: Any, row: Any) -> None:
        set_initial_access(session, row, uploader_id=owner)

    properties = import_dataset(
        hub.data_root,
        sources,
        organization=organization,
        dataset=target,
        voxel_size=tuple(entry.voxel_size),
        unit=entry.unit,
        layout=hub.layout,
        progress=report,
        marker=f"job-{ctx.job_id}",
        register=registration(hub.sessions, organization, target, on_new),
    )
    hub.index.invalidate()
    return {
        "organization": organization,
        "dataset": target,
        "layers": [layer.name for layer in properties.data_layers],
    }


register_kind("remote.copy", run_copy)
