"""WEBKNOSSOS dataset folders (``datasource-properties.json``): every layer converted.

WKW layers are read with ``wkw`` and Zarr layers as OME-Zarr; layers that
are already usable (N5, Neuroglancer precomputed) are registered as they
are by an upload rather than converted here.
"""

from __future__ import annotations

from pathlib import Path

from voxhub.errors import UnreadableInput
from voxhub.formats import omezarr, wkw
from voxhub.formats.layers import ImportOptions, NamedSource
from voxhub.formats.paths import check_layer_paths, mag_location
from voxhub.formats.properties import PROPERTIES_FILE, Layer, read_properties
from voxhub.formats.source import VolumeSource


def matches(path: Path) -> bool:
    return path.is_dir() and (path / PROPERTIES_FILE).exists()


def _layer_source(root: Path, layer: Layer) -> VolumeSource:
    folder = root / layer.name
    finest = min(layer.mags, key=lambda m: m.mag[0] * m.mag[1] * m.mag[2], default=None)
    location = mag_location(root, layer.name, finest.path) if finest and finest.path else None
    mag_path = location if isinstance(location, Path) else folder
    box = layer.bounding_box
    if layer.data_format == "wkw":
        return wkw.open_wkw(mag_path if mag_path.is_dir() else folder, box.top_left, box.size_xyz)
    if layer.data_format in ("zarr", "zarr3"):
        return omezarr.open_source(folder)
    raise UnreadableInput(
        f"layer {layer.name}: {layer.data_format} layers are registered as they are, not converted"
    )


def open_layers(path: Path, options: ImportOptions) -> list[NamedSource]:
    properties = read_properties(path)
    check_layer_paths(properties, path)
    layers = []
    for layer in properties.data_layers:
        source = _layer_source(path, layer)
        source.voxel_size = tuple(properties.scale.factor)  # type: ignore[assignment]
        source.unit = properties.scale.unit
        layers.append(NamedSource(layer.name, layer.category, source))
    return layers


def open_source(path: Path) -> VolumeSource:
    return open_layers(path, ImportOptions())[0].source
