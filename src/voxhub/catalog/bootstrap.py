"""First start: the sample dataset on an empty store (the first admin: ``access.first_admin``)."""

from __future__ import annotations

from collections.abc import Callable

import dask.array as da
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxhub.arrays.layer import LayerLayout
from voxhub.catalog.register import upsert_dataset
from voxhub.db.models import Dataset
from voxhub.formats.ingest import DataRoot, import_layer
from voxhub.formats.source import VolumeSource
from voxhub.formats.synthetic import cells_volume

SAMPLE_ORGANIZATION = "sample_organization"
SAMPLE_DATASET = "sample_cells"


def store_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count(Dataset.id)))


def create_sample(
    session: Session,
    root: DataRoot,
    layout: LayerLayout,
    progress: Callable[[int, int], None] | None = None,
    shape_zyx: tuple[int, int, int] = (128, 512, 512),
) -> Dataset:
    """Write ``sample_organization/sample_cells`` (color + segmentation) and register it."""
    volume = cells_volume(shape_zyx)
    for layer, array, category in (
        ("color", volume.image, "color"),
        ("segmentation", volume.labels, "segmentation"),
    ):
        data = da.from_array(array[None], chunks=(1, layout.write_unit_zyx[0], *array.shape[1:]))
        source = VolumeSource(root.binary_data, tuple(data.shape), data.dtype, dask=data)
        properties = import_layer(
            root,
            source,
            organization=SAMPLE_ORGANIZATION,
            dataset=SAMPLE_DATASET,
            layer=layer,
            category=category,
            voxel_size=volume.voxel_size,
            layout=layout,
            add_to_existing=layer != "color",
            progress=progress,
        )
    return upsert_dataset(session, SAMPLE_ORGANIZATION, SAMPLE_DATASET, properties)
