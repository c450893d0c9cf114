"""The ``convert`` job kind: any supported input becomes a published, registered dataset.

Parameters (JSON): ``source`` (a path the worker can read), ``organization``,
``dataset``, and optionally ``voxel_size``, ``unit``, ``category``, ``layer``
(the name of a single layer) and ``options`` (``ImportOptions`` for raw
files). The dataset is written in staging and published once; a retry after
a crash between publishing and registering finds its own marker and only
registers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxhub.arrays.msi.store import MsiLayout
from voxhub.catalog.register import registration, upsert_dataset
from voxhub.db.models import Dataset, Organization
from voxhub.formats.dataset_import import import_dataset, published_marker
from voxhub.formats.layers import ImportOptions, open_layers
from voxhub.formats.msi_import import import_msi
from voxhub.formats.properties import DatasourceProperties
from voxhub.formats.registry import MSI, detect, kind
from voxhub.hub import Hub
from voxhub.jobs.context import JobContext
from voxhub.jobs.kinds import register_kind

OnNew = Callable[[Session, Dataset], None]


def _result(organization: str, dataset: str, properties: DatasourceProperties) -> dict[str, Any]:
    """A conversion job's result: where the dataset is and which layers it has."""
    return {
        "organization": organization,
        "dataset": dataset,
        "layers": [layer.name for layer in properties.data_layers],
    }


def register_published(
    hub: Hub,
    organization: str,
    dataset: str,
    properties: DatasourceProperties,
    on_new: OnNew | None = None,
) -> dict[str, Any]:
    """Index a dataset already published in the data folder; the job's result.

    ``on_new(session, row)`` runs in the same transaction when the row is new
    (not when a retry finds it registered), e.g. to give an upload its teams.
    """
    with hub.transaction() as session:
        existed = find_dataset_row(session, organization, dataset) is not None
        row = upsert_dataset(session, organization, dataset, properties)
        if on_new is not None and not existed:
            on_new(session, row)
    return _result(organization, dataset, properties)


def convert_into(
    ctx: JobContext,
    source: Path,
    organization: str,
    dataset: str,
    params: dict[str, Any],
    *,
    start: float = 0.0,
    on_new: OnNew | None = None,
) -> dict[str, Any]:
    """Convert ``source`` as job ``ctx`` (progress from ``start`` to 1) and register it."""
    hub = ctx.hub
    root = hub.data_root
    key = root.dataset_key(organization, dataset)
    marker = f"job-{ctx.job_id}"
    if root.exists(key) and published_marker(root, key) == marker:
        ctx.message("already published by an earlier attempt; registering")
        return register_published(hub, organization, dataset, root.read_properties(key), on_new)
    ctx.progress(start, 1.0, f"reading {source.name}")
    if kind(detect(source)) == MSI:
        return _convert_msi(ctx, source, organization, dataset, params, start, on_new)
    layers = open_layers(
        source, ImportOptions.from_json(params.get("options")), params.get("layer") or "color"
    )
    count = len(layers)

    def report(index: int, done: int, total: int) -> None:
        part = (index + (done / total if total else 1.0)) / count
        ctx.progress(start + (1.0 - start) * part, 1.0, f"layer {layers[index].name}")

    properties = import_dataset(
        hub.data_root,
        layers,
        organization=organization,
        dataset=dataset,
        default_category=params.get("category") or "color",
        voxel_size=params.get("voxel_size"),
        unit=params.get("unit"),
        layout=hub.layout,
        progress=report,
        marker=marker,
        register=registration(hub.sessions, organization, dataset, on_new),
    )
    return _result(organization, dataset, properties)


def _convert_msi(
    ctx: JobContext,
    source: Path,
    organization: str,
    dataset: str,
    params: dict[str, Any],
    start: float,
    on_new: OnNew | None,
) -> dict[str, Any]:
    """An MSI file (imzML, OpenMSI HDF5): every cube an MSI layer, no pyramid."""
    layer = params.get("layer") or "msi"

    def report(index: int, done: int, total: int) -> None:
        ctx.progress(start + (1.0 - start) * (done / total if total else 1.0), 1.0, "m/z cube")

    properties = import_msi(
        ctx.hub.data_root,
        source,
        organization=organization,
        dataset=dataset,
        layer="msi" if layer == "color" else layer,
        layout=MsiLayout(zarr_format=ctx.hub.settings.zarr_format),
        progress=report,
        marker=f"job-{ctx.job_id}",
    )
    return register_published(ctx.hub, organization, dataset, properties, on_new)


def find_dataset_row(session: Session, organization: str, name: str) -> Dataset | None:
    return session.scalar(
        select(Dataset)
        .join(Organization)
        .where(Organization.name == organization, Dataset.name == name)
    )


def run_convert(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    return convert_into(
        ctx, Path(params["source"]), params["organization"], params["dataset"], params
    )


register_kind("convert", run_convert)
