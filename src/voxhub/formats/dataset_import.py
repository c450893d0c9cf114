"""Write several layers as one new dataset, published with a single rename.

``import_layer`` publishes after its first layer; a multi-layer input (one
layer per slice folder, a WEBKNOSSOS dataset) must appear whole or not at
all, and a retried job must recognise the dataset its earlier attempt
published. Both are handled here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from voxhub.arrays.downsample import default_method
from voxhub.arrays.layer import LayerLayout
from voxhub.arrays.pyramid import source_band, write_pyramid
from voxhub.errors import Conflict, InvalidInput
from voxhub.formats.ingest import (
    DataRoot,
    Register,
    _check_source,
    _write_group_marker,
    layer_properties,
    publish_registered,
)
from voxhub.formats.layers import NamedSource
from voxhub.formats.properties import DatasourceProperties, VoxelSize, write_properties
from voxhub.storage.local import check_name, staging_folder

MARKER_FILE = ".voxhub-import.json"
LayerProgress = Callable[[int, int, int], None]  # (layer index, done, total)


def published_marker(root: DataRoot, key: str) -> str | None:
    """The marker an import left in a published dataset, if any."""
    try:
        return json.loads(root.store.read(f"{key}/{MARKER_FILE}") or b"").get("marker")
    except (OSError, ValueError, AttributeError):
        return None


def _voxel_size(
    layers: Sequence[NamedSource], voxel_size: Sequence[float] | None, unit: str | None
) -> tuple[tuple[float, ...], str]:
    first = layers[0].source
    size = tuple(voxel_size or first.voxel_size or (1.0, 1.0, 1.0))
    if len(size) != 3 or any(v <= 0 for v in size):
        raise InvalidInput(f"voxel size must be three positive numbers, got {size}")
    return size, unit or first.unit or "nanometer"


def import_dataset(
    root: DataRoot,
    layers: Sequence[NamedSource],
    *,
    organization: str,
    dataset: str,
    default_category: str = "color",
    voxel_size: Sequence[float] | None = None,
    unit: str | None = None,
    layout: LayerLayout = LayerLayout(),
    progress: LayerProgress | None = None,
    marker: str | None = None,
    register: Register | None = None,
) -> DatasourceProperties:
    """Write every layer with its full pyramid into staging, then publish the dataset
    (inside ``register``: the catalog accepts it before it appears, see ``ingest``)."""
    if not layers:
        raise InvalidInput("nothing to import: no layers found")
    key = root.dataset_key(organization, dataset)
    names = [check_name(layer.name, "layer name") for layer in layers]
    if len(set(names)) != len(names):
        raise InvalidInput(f"layer names must be unique, got {names}")
    for layer in layers:
        _check_source(layer.source, layer.category or default_category)
    if root.exists(key):
        raise Conflict(f"dataset {organization}/{dataset} already exists")
    size, unit = _voxel_size(layers, voxel_size, unit)
    band = source_band(layout)
    entries = []
    with staging_folder(root.staging) as staging:
        folder = staging / dataset
        folder.mkdir()
        for index, layer in enumerate(layers):
            category = layer.category or default_category

            def report(done: int, total: int, index: int = index) -> None:
                if progress is not None:
                    progress(index, done, total)

            written = write_pyramid(
                layer.source.to_dask(band),
                folder / layer.name,
                name=layer.name,
                voxel_size=size,
                unit=unit,
                method=default_method(category),
                layout=layout,
                progress=report,
            )
            entries.append(layer_properties(written, category, layout.zarr_format))
        properties = DatasourceProperties(
            id={"name": dataset, "team": organization},
            scale=VoxelSize(factor=size, unit=unit),
            data_layers=entries,
        )
        write_properties(folder, properties)
        _write_group_marker(folder, layout.zarr_format)
        if marker is not None:
            (folder / MARKER_FILE).write_text(json.dumps({"marker": marker}))
        publish_registered(root, folder, key, properties, register)
    return properties
