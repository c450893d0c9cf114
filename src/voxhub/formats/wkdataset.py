"""WEBKNOSSOS dataset folders (``datasource-properties.json``): every layer converted.

Each layer is read from its finest mag, over its bounding box only: a layer
written by webknossos-libs is a Zarr array padded to whole shards (1024³ for
a 90×70×21 layer), and the box, not the array, says where the data is. The
mag's ``axisOrder`` (webknossos-libs writes c, x, y, z) maps its axes.

Layers keep their places relative to each other: every layer is read from
the dataset's common origin (the smallest ``topLeft``), so a segmentation
offset by (3, 4, 5) from its colour layer stays offset by that much. A
single layer, or layers that share a corner, are read over exactly their box.

WKW and Zarr layers are converted here, N5 and Neuroglancer precomputed
layers through tensorstore.
"""

from __future__ import annotations

import math
from pathlib import Path

from voxhub.errors import UnreadableInput
from voxhub.formats import _tensorstore, n5, precomputed, wkw, zarrarray
from voxhub.formats.bounds import check_layer
from voxhub.formats.layers import ImportOptions, NamedSource
from voxhub.formats.paths import check_layer_paths, default_mag_path, is_remote, mag_location
from voxhub.formats.properties import PROPERTIES_FILE, Layer, MagEntry, read_properties
from voxhub.formats.source import VolumeSource


def matches(path: Path) -> bool:
    return path.is_dir() and (path / PROPERTIES_FILE).exists()


def _finest(layer: Layer) -> MagEntry:
    if not layer.mags:
        raise UnreadableInput(f"layer {layer.name}: lists no mags")
    return min(layer.mags, key=lambda m: (math.prod(m.mag), m.mag))


def _mag_path(root: Path, layer: Layer, entry: MagEntry) -> Path:
    """Where the mag lives: its ``path`` (``./`` from the dataset), else ``<layer>/<mag>``."""
    relative = (
        [entry.path] if entry.path else [default_mag_path(entry.mag), "-".join(map(str, entry.mag))]
    )
    if is_remote(relative[0]):
        raise UnreadableInput(
            f"layer {layer.name}: mag {relative[0]} is remote; remote layers are registered, "
            "not converted"
        )
    for candidate in relative:
        path = mag_location(root, layer.name, candidate)
        if isinstance(path, Path) and path.exists():
            return path
    raise UnreadableInput(f"layer {layer.name}: mag {'-'.join(map(str, entry.mag))} is missing")


def _names(entry: MagEntry, names: list[str]) -> list[str]:
    """The mag's ``axisOrder`` when it gives one, else the store's own axis names."""
    if not entry.axis_order:
        return names
    by_index = {index % len(names): name for name, index in entry.axis_order.items()}
    return [by_index.get(i, names[i]) for i in range(len(names))]


def _region(
    origin: tuple[int, int, int], end: tuple[int, int, int], mag: tuple[int, int, int]
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """A mag-1 box as (offset, size) in voxels of ``mag`` (covering it whole)."""
    start = tuple(o // m for o, m in zip(origin, mag, strict=True))
    stop = tuple(-(-e // m) for e, m in zip(end, mag, strict=True))
    return start, tuple(b - a for a, b in zip(start, stop, strict=True))  # type: ignore[return-value]


def _layer_source(root: Path, layer: Layer, origin: tuple[int, int, int]) -> VolumeSource:
    entry = _finest(layer)
    offset, size = _region(origin, layer.bounding_box.end_xyz, entry.mag)
    if min(size) <= 0:
        raise UnreadableInput(f"layer {layer.name}: its bounding box is empty")
    path = _mag_path(root, layer, entry)
    if layer.data_format == "wkw":
        return wkw.open_wkw(path, offset, size)
    if layer.data_format in ("zarr", "zarr3"):
        check_layer(root, layer)  # the box must lie within the arrays at every mag
        return zarrarray.open_region(path, offset, size, entry.axis_order)
    if layer.data_format == "n5":
        store, names = n5.open_dataset(n5.finest(path))
        return _tensorstore.volume(path, store, _names(entry, names), offset, size)
    if layer.data_format == "neuroglancerPrecomputed":
        store, names = precomputed.open_scale(path.parent, path.name)
        return _tensorstore.volume(path, store, _names(entry, names), offset, size)
    raise UnreadableInput(f"layer {layer.name}: {layer.data_format} layers cannot be converted")


def open_layers(path: Path, options: ImportOptions) -> list[NamedSource]:
    properties = read_properties(path)
    check_layer_paths(properties, path)
    if not properties.data_layers:
        raise UnreadableInput(f"{path}: the dataset lists no layers")
    origin = tuple(min(layer.bounding_box.top_left[i] for layer in properties.data_layers)
                   for i in range(3))  # fmt: skip
    layers = []
    for layer in properties.data_layers:
        source = _layer_source(path, layer, origin)  # type: ignore[arg-type]
        mag = _finest(layer).mag
        source.voxel_size = tuple(s * m for s, m in zip(properties.scale.factor, mag, strict=True))  # type: ignore[assignment]
        source.unit = properties.scale.unit
        layers.append(NamedSource(layer.name, layer.category, source))
    return layers


def open_source(path: Path) -> VolumeSource:
    return open_layers(path, ImportOptions())[0].source
