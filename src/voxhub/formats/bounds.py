"""Checking a ``datasource-properties.json`` against the arrays it describes.

A bounding box may not reach past the data: at every mag the box, divided by
the mag, must fit in the array's x, y and z extent. Mag paths must stay in
the dataset folder. Remote mags (URLs) are not opened here.
"""

from __future__ import annotations

import math
from pathlib import Path

import zarr

from voxhub.formats.paths import default_mag_path, mag_location
from voxhub.formats.properties import BadProperties, DatasourceProperties, Layer, MagEntry

DEFAULT_AXES = {"x": -1, "y": -2, "z": -3}


def _mag_path(dataset_dir: Path, layer: Layer, entry: MagEntry) -> Path | None:
    """Where a mag's array lives; None for remote ones. ``./`` paths start at the dataset."""
    location = mag_location(dataset_dir, layer.name, entry.path or default_mag_path(entry.mag))
    return location if isinstance(location, Path) else None


def _shape(path: Path, layer: Layer) -> tuple[int, ...]:
    try:
        return tuple(zarr.open_array(store=str(path), mode="r").shape)
    except Exception:  # any reason the array cannot be opened means the mag is not there
        raise BadProperties(
            f"layer {layer.name}: no readable array at {path.name} for its mag"
        ) from None


def check_layer(dataset_dir: Path, layer: Layer) -> None:
    box = layer.bounding_box
    if any(v < 0 for v in box.top_left):
        raise BadProperties(f"layer {layer.name}: boundingBox.topLeft may not be negative")
    for entry in layer.mags:
        path = _mag_path(dataset_dir, layer, entry)
        if path is None:
            continue
        shape = _shape(path, layer)
        axes = entry.axis_order or DEFAULT_AXES
        for axis, end, factor in zip("xyz", box.end_xyz, entry.mag, strict=True):
            index = axes.get(axis)
            if index is None or not -len(shape) <= index < len(shape):
                raise BadProperties(f"layer {layer.name}: axisOrder has no valid {axis!r}")
            have = shape[index]
            if math.ceil(end / factor) > have:
                raise BadProperties(
                    f"layer {layer.name}: boundingBox reaches {axis}={end}, outside the data "
                    f"(mag {'-'.join(map(str, entry.mag))} holds {have * factor} along {axis})"
                )


def check_against_data(properties: DatasourceProperties, dataset_dir: Path) -> None:
    """Raise ``BadProperties`` when a layer's bounding box lies outside its arrays."""
    for layer in properties.data_layers:
        check_layer(dataset_dir, layer)
