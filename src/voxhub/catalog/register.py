"""Register dataset folders in the catalog: from their properties file or inferred."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from voxhub.arrays.errors import BadMetadata
from voxhub.arrays.layer import open_layer
from voxhub.db.models import Dataset, Layer, Organization, utcnow
from voxhub.db.session import bump_epoch, transaction
from voxhub.errors import UnreadableInput, VoxhubError
from voxhub.formats.ingest import AXIS_ORDER, ELEMENT_CLASS, DataRoot
from voxhub.formats.paths import check_layer_paths
from voxhub.formats.properties import (
    PROPERTIES_FILE,
    BoundingBox,
    DatasourceProperties,
    MagEntry,
    VoxelSize,
    read_properties,
)
from voxhub.formats.properties import (
    Layer as LayerProperties,
)
from voxhub.storage.remote import AllowedHosts
from voxhub.storage.store import DataStore

SEGMENTATION_HINTS = ("seg", "label", "mask", "annotation")


def ensure_organization(session: Session, name: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        org = Organization(name=name, display_name=name)
        session.add(org)
        session.flush()
    return org


def infer_properties(dataset_dir: Path) -> DatasourceProperties:
    """Describe a folder of OME-Zarr layers that has no ``datasource-properties.json``."""
    layers: list[LayerProperties] = []
    voxel: tuple[float, float, float] | None = None
    unit = "nanometer"
    for child in sorted(dataset_dir.iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        try:
            layer = open_layer(child)
        except (BadMetadata, VoxhubError):
            continue
        names = layer.multiscale.axis_names
        scale = dict(zip(names, layer.multiscale.datasets[0].scale, strict=True))
        voxel = voxel or (scale.get("x", 1.0), scale.get("y", 1.0), scale.get("z", 1.0))
        unit = layer.multiscale.spatial_unit() or unit
        finest = layer.finest
        dims = dict(zip(names, finest.shape, strict=True))
        dtype = np.dtype(finest.dtype)
        is_labels = np.issubdtype(dtype, np.integer) and (
            dtype.itemsize >= 4 or any(h in child.name.lower() for h in SEGMENTATION_HINTS)
        )
        axis_order = {n: i for i, n in enumerate(names) if n in AXIS_ORDER}
        layers.append(
            LayerProperties(
                name=child.name,
                category="segmentation" if is_labels else "color",
                bounding_box=BoundingBox(
                    top_left=(0, 0, 0),
                    width=dims.get("x", 1),
                    height=dims.get("y", 1),
                    depth=dims.get("z", 1),
                ),
                element_class=ELEMENT_CLASS.get(str(dtype), str(dtype)),
                data_format="zarr3" if layer.ngff_version == "0.5" else "zarr",
                num_channels=dims.get("c", 1),
                mags=[
                    MagEntry(
                        mag=tuple(m.to_list()),
                        path=f"./{child.name}/{d.path}",
                        axis_order=axis_order,
                    )
                    for m, d in zip(layer.levels, layer.multiscale.datasets, strict=True)
                ],
            )
        )
    if not layers:
        raise UnreadableInput(f"{dataset_dir}: no {PROPERTIES_FILE} and no OME-Zarr layers")
    return DatasourceProperties(
        id={"name": dataset_dir.name, "team": dataset_dir.parent.name},
        scale=VoxelSize(factor=voxel or (1.0, 1.0, 1.0), unit=unit),
        data_layers=layers,
    )


def describe(storage: DataStore, key: str) -> DatasourceProperties:
    """The properties of the dataset at ``key``: a folder on disk may lack them (they are
    inferred); an object-store dataset was published by voxhub, with them."""
    folder = storage.local_path(key)
    if folder is not None:
        return describe_folder(folder)
    return DataRoot(Path(), Path(), storage).read_properties(key)


def describe_folder(dataset_dir: Path) -> DatasourceProperties:
    if (dataset_dir / PROPERTIES_FILE).exists():
        return read_properties(dataset_dir)
    return infer_properties(dataset_dir)


def _layer_row(layer: LayerProperties) -> dict[str, Any]:
    return {
        "category": layer.category,
        "element_class": layer.element_class,
        "data_format": layer.data_format,
        "bounding_box": layer.bounding_box.model_dump(by_alias=True, mode="json"),
        "mags": [m.to_json() for m in layer.mags],
        "num_channels": layer.num_channels or 1,
        "largest_segment_id": layer.largest_segment_id,
    }


def upsert_dataset(
    session: Session,
    organization: str,
    name: str,
    properties: DatasourceProperties,
    allowed: AllowedHosts | None = None,
) -> Dataset:
    """Create or refresh the rows for one dataset folder; status becomes active.

    Every registration passes here, so every layer name and mag path that the
    catalog will ever resolve is checked here first (``formats.paths``);
    ``allowed`` are the hosts the operator lets remote layers name.
    """
    check_layer_paths(properties, allowed=allowed)
    org = ensure_organization(session, organization)
    dataset = session.scalar(
        select(Dataset).where(Dataset.organization_id == org.id, Dataset.name == name)
    )
    if dataset is None:
        dataset = Dataset(organization_id=org.id, name=name, display_name=name)
        session.add(dataset)
    document = properties.to_json()
    changed = dataset.status != "active" or dataset.properties != document
    dataset.status = "active"
    dataset.status_detail = ""
    dataset.voxel_size = list(properties.scale.factor)
    dataset.unit = properties.scale.unit
    dataset.properties = document
    if changed:
        dataset.updated = utcnow()
        existing = {layer.name: layer for layer in dataset.layers}
        wanted = {layer.name for layer in properties.data_layers}
        for layer_name, row in existing.items():
            if layer_name not in wanted:
                dataset.layers.remove(row)
        for layer in properties.data_layers:
            row = existing.get(layer.name) or Layer(name=layer.name)
            for key, value in _layer_row(layer).items():
                setattr(row, key, value)
            if layer.name not in existing:
                dataset.layers.append(row)
        bump_epoch(session)
    session.flush()
    return dataset


def registration(
    sessions: sessionmaker[Session],
    organization: str,
    name: str,
    on_new: Callable[[Session, Dataset], None] | None = None,
    allowed: AllowedHosts | None = None,
) -> Callable[[DatasourceProperties], AbstractContextManager[Dataset]]:
    """A ``register`` hook for importers: rows written (and checked by the database)
    before the dataset is published, committed after; ``on_new(session, row)`` runs
    in the same transaction when the row is new."""

    @contextmanager
    def register(properties: DatasourceProperties) -> Iterator[Dataset]:
        with transaction(sessions) as session:
            org = ensure_organization(session, organization)
            existed = session.scalar(
                select(Dataset.id).where(Dataset.organization_id == org.id, Dataset.name == name)
            )
            row = upsert_dataset(session, organization, name, properties, allowed)
            if on_new is not None and existed is None:
                on_new(session, row)
            yield row

    return register


def mark_status(session: Session, dataset: Dataset, status: str, detail: str = "") -> None:
    if dataset.status != status or dataset.status_detail != detail:
        dataset.status = status
        dataset.status_detail = detail
        dataset.updated = utcnow()
        bump_epoch(session)
