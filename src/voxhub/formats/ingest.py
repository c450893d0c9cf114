"""Turn a ``VolumeSource`` into a published dataset layer in the data folder.

A new dataset is built whole in a staging folder and published with one
rename; a layer added to an existing dataset is built in staging, renamed into
the dataset folder, and only then listed in its properties (atomic replace).

``register`` (given by callers that keep a catalog) is entered before the
rename and left after it: the catalog accepts the dataset first, and when it
refuses — or its commit fails — nothing stays published.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voxhub.arrays.downsample import default_method
from voxhub.arrays.layer import LayerLayout
from voxhub.arrays.progress import ProgressFn
from voxhub.arrays.pyramid import WrittenLayer, source_band, write_pyramid
from voxhub.errors import Conflict, InvalidInput, NotFound, UnreadableInput
from voxhub.formats.properties import (
    PROPERTIES_FILE,
    BoundingBox,
    DatasourceProperties,
    Layer,
    MagEntry,
    VoxelSize,
    parse_properties,
    read_properties,
    write_properties,
)
from voxhub.formats.source import VolumeSource
from voxhub.storage.local import check_name, staging_folder
from voxhub.storage.store import DataStore, LocalDataStore

AXIS_ORDER = {"c": 0, "z": 1, "y": 2, "x": 3}
# Registers a dataset's properties in a catalog around its publication (see above).
Register = Callable[[DatasourceProperties], AbstractContextManager[object]]
ELEMENT_CLASS = {"float32": "float", "float64": "double"}


@dataclass(frozen=True)
class DataRoot:
    """Where datasets live (``storage``: the data folder or S3) and where they are built
    (``staging``, always on this machine's disk)."""

    binary_data: Path
    staging: Path
    storage: DataStore | None = None

    @property
    def store(self) -> DataStore:
        return self.storage or LocalDataStore(self.binary_data, self.staging)

    def dataset_dir(self, organization: str, dataset: str) -> Path:
        check_name(organization, "organization name")
        check_name(dataset, "dataset name")
        return self.binary_data / organization / dataset

    def dataset_key(self, organization: str, dataset: str) -> str:
        check_name(organization, "organization name")
        check_name(dataset, "dataset name")
        return f"{organization}/{dataset}"

    def exists(self, key: str) -> bool:
        return self.store.is_published(key)

    def read_properties(self, key: str) -> DatasourceProperties:
        path = self.store.local_path(key)
        if path is not None:
            return read_properties(path)
        data = self.store.read(f"{key}/{PROPERTIES_FILE}")
        if data is None:
            raise UnreadableInput(f"{key}/{PROPERTIES_FILE}: missing")
        try:
            document = json.loads(data)
        except ValueError as exc:  # as read_properties says it of a file on disk
            raise UnreadableInput(f"{key}/{PROPERTIES_FILE}: not valid JSON ({exc})") from None
        return parse_properties(document, f"{key}/{PROPERTIES_FILE}")

    def write_properties(self, key: str, properties: DatasourceProperties) -> None:
        path = self.store.local_path(key)
        if path is not None:
            write_properties(path, properties)
        else:  # one PUT: readers see the old document or the new one
            document = json.dumps(properties.to_json(), indent=2).encode()
            self.store.write(f"{key}/{PROPERTIES_FILE}", document)


def layer_properties(written: WrittenLayer, category: str, zarr_format: int) -> Layer:
    sx, sy, sz = written.shape_xyz
    return Layer(
        name=written.name,
        category=category,
        bounding_box=BoundingBox(top_left=(0, 0, 0), width=sx, height=sy, depth=sz),
        element_class=ELEMENT_CLASS.get(written.dtype, written.dtype),
        data_format="zarr3" if zarr_format == 3 else "zarr",
        num_channels=written.channels,
        mags=[
            MagEntry(
                mag=tuple(m.to_list()),
                path=f"./{written.name}/{m.to_layer_name()}",
                axis_order=AXIS_ORDER,
            )
            for m in written.mags
        ],
        largest_segment_id=int(written.max_value) if category == "segmentation" else None,
    )


def _write_group_marker(folder: Path, zarr_format: int) -> None:
    """Make the dataset folder itself a Zarr group, so clients can list it."""
    if zarr_format == 3:
        (folder / "zarr.json").write_text(
            json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {}})
        )
    else:
        (folder / ".zgroup").write_text(json.dumps({"zarr_format": 2}))


def publish_registered(
    root: DataRoot,
    built: Path,
    key: str,
    properties: DatasourceProperties,
    register: Register | None,
) -> None:
    """Publish ``built`` as ``key`` inside ``register(properties)``; undone if that fails."""
    published = False
    try:
        with register(properties) if register is not None else nullcontext():
            root.store.publish(built, key)
            published = True
    except BaseException:
        if published:  # locally back into staging, which is removed with it
            root.store.unpublish(key, built)
        raise


def _check_source(source: VolumeSource, category: str) -> None:
    if category not in ("color", "segmentation"):
        raise InvalidInput(f"category must be color or segmentation, not {category!r}")
    if 0 in source.shape:
        raise InvalidInput(f"{source.path}: the volume is empty (shape {source.shape})")
    if category == "segmentation" and not np.issubdtype(source.dtype, np.integer):
        raise InvalidInput(f"{source.path}: segmentation needs integer voxels, not {source.dtype}")


def import_layer(
    root: DataRoot,
    source: VolumeSource,
    *,
    organization: str,
    dataset: str,
    layer: str = "color",
    category: str = "color",
    voxel_size: Sequence[float] | None = None,
    unit: str | None = None,
    layout: LayerLayout = LayerLayout(),
    add_to_existing: bool = False,
    progress: ProgressFn | None = None,
    register: Register | None = None,
) -> DatasourceProperties:
    """Write ``source`` as ``layer`` of ``organization/dataset`` and publish it."""
    key = root.dataset_key(organization, dataset)
    check_name(layer, "layer name")
    _check_source(source, category)
    size = tuple(voxel_size or source.voxel_size or (1.0, 1.0, 1.0))
    unit = unit or source.unit or "nanometer"
    if len(size) != 3 or any(v <= 0 for v in size):
        raise InvalidInput(f"voxel size must be three positive numbers, got {size}")
    existing: DatasourceProperties | None = None
    if add_to_existing:
        if not root.exists(key):
            raise NotFound(f"dataset {organization}/{dataset} does not exist")
        existing = root.read_properties(key)
        if existing.layer(layer) or root.store.list_dir(f"{key}/{layer}"):
            raise Conflict(f"dataset {organization}/{dataset} already has a layer {layer!r}")
        if voxel_size is None:
            size, unit = existing.scale.factor, existing.scale.unit
    elif root.exists(key):
        raise Conflict(f"dataset {organization}/{dataset} already exists (use --add-layer)")

    method = default_method(category)
    band = source_band(layout)
    with staging_folder(root.staging) as staging:
        folder = staging / dataset
        folder.mkdir()
        written = write_pyramid(
            source.to_dask(band),
            folder / layer,
            name=layer,
            voxel_size=size,
            unit=unit,
            method=method,
            layout=layout,
            progress=progress,
        )
        entry = layer_properties(written, category, layout.zarr_format)
        if existing is not None:
            before = existing.model_copy(deep=True)
            existing.data_layers.append(entry)
            published = False
            try:
                with register(existing) if register is not None else nullcontext():
                    root.store.publish(folder / layer, f"{key}/{layer}")
                    published = True
                    root.write_properties(key, existing)
            except BaseException:
                if published:
                    root.store.unpublish(f"{key}/{layer}", folder / layer)
                root.write_properties(key, before)
                raise
            return existing
        properties = DatasourceProperties(
            id={"name": dataset, "team": organization},
            scale=VoxelSize(factor=size, unit=unit),
            data_layers=[entry],
        )
        write_properties(folder, properties)
        _write_group_marker(folder, layout.zarr_format)
        publish_registered(root, folder, key, properties, register)
        return properties
