"""Uploaded folders that are usable as they are, and how to describe them.

Registered directly (moved into place, never re-encoded): a WEBKNOSSOS
dataset whose layers are all Zarr; an OME-Zarr image with axes (c, z, y, x)
or a folder of them; a bare (c, z, y, x) Zarr array (wrapped in NGFF
metadata as its only mag). Anything else, including N5 and Neuroglancer
precomputed (which voxhub's readers do not serve) and OME-Zarr and Zarr
arrays with other axes, goes to the converters, which give it voxhub's axes,
its voxel size and a full pyramid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import zarr

from voxhub.arrays.ngff import Axis, Multiscale, ScaleLevel, format_for_zarr
from voxhub.catalog.register import infer_properties
from voxhub.errors import VoxhubError
from voxhub.formats.ingest import AXIS_ORDER
from voxhub.formats.paths import check_layer_paths
from voxhub.formats.properties import (
    PROPERTIES_FILE,
    DatasourceProperties,
    read_properties,
)
from voxhub.formats.source import read_json
from voxhub.formats.zarrarray import axes_of

# Only Zarr layers are read in place; N5 and precomputed ones are converted (tensorstore).
DIRECT_FORMATS = {"zarr", "zarr3"}
VOXHUB_AXES = list(AXIS_ORDER)  # c, z, y, x

Arrange = Callable[[Path, str], DatasourceProperties]


@dataclass(frozen=True)
class Usable:
    """A recognised upload: ``arrange(dataset_folder, name)`` moves it in and describes it."""

    kind: str
    arrange: Arrange


def _zarr_node(path: Path) -> str | None:
    """``array``/``group`` for a Zarr v2 or v3 node, None otherwise."""
    meta = read_json(path / "zarr.json")
    if meta is not None:
        return meta.get("node_type")
    if (path / ".zarray").exists():
        return "array"
    if (path / ".zgroup").exists() or (path / ".zattrs").exists():
        return "group"
    return None


def _is_multiscale(path: Path) -> bool:
    """An OME-Zarr image with voxhub's axes (c, z, y, x); others are converted instead."""
    if _zarr_node(path) != "group":
        return False
    attrs = (
        (read_json(path / "zarr.json") or {}).get("attributes") or read_json(path / ".zattrs") or {}
    )
    multiscales = attrs.get("multiscales") or attrs.get("ome", {}).get("multiscales") or []
    if not multiscales:
        return False
    axes = [a.get("name") if isinstance(a, dict) else a for a in multiscales[0].get("axes", [])]
    return axes == VOXHUB_AXES


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source.rename(target)


def recognise(root: Path) -> Usable | None:
    """How to register ``root`` directly, or None when it must be converted."""
    if not root.is_dir():
        return None
    if (root / PROPERTIES_FILE).exists():
        properties = read_properties(root)
        check_layer_paths(properties, root, links=False)  # before anything is moved
        if all(layer.data_format in DIRECT_FORMATS for layer in properties.data_layers):
            return Usable("webknossos", lambda folder, name: _whole(root, folder, name))
        return None
    if _is_multiscale(root):
        return Usable("ome-zarr", lambda folder, name: _as_layers(root, folder, [("color", root)]))
    children = [c for c in sorted(root.iterdir()) if c.is_dir() and not c.name.startswith(".")]
    if children and all(_is_multiscale(c) for c in children):
        pairs = [(c.name, c) for c in children]
        return Usable("ome-zarr", lambda folder, name: _as_layers(root, folder, pairs))
    if _zarr_node(root) == "array" and _array_axes(root) == VOXHUB_AXES:
        return Usable("zarr-array", lambda folder, name: _zarr_array(root, folder))
    return None


def _whole(root: Path, folder: Path, name: str) -> DatasourceProperties:
    _move(root, folder)
    return read_properties(folder)


def _as_layers(root: Path, folder: Path, pairs: list[tuple[str, Path]]) -> DatasourceProperties:
    folder.mkdir(parents=True)
    for layer, path in pairs:
        _move(path, folder / layer)
    return infer_properties(folder)


def _array_axes(root: Path) -> list[str] | None:
    try:
        return axes_of(zarr.open_array(str(root), mode="r"))
    except (VoxhubError, OSError, ValueError, KeyError):
        return None


def _zarr_array(root: Path, folder: Path) -> DatasourceProperties:
    """A (c, z, y, x) array becomes mag 1 of a layer, wrapped in NGFF metadata."""
    array = zarr.open_array(str(root), mode="r")
    names = axes_of(array)
    zarr_format = array.metadata.zarr_format
    layer = folder / "color"
    axes = tuple(Axis(n, "channel" if n == "c" else "space") for n in names)
    multiscale = Multiscale(axes, (ScaleLevel("1", (1.0,) * len(names)),), "color")
    group = zarr.open_group(str(layer), mode="w", zarr_format=zarr_format)  # before the move:
    group.attrs.update(format_for_zarr(zarr_format).write(multiscale))  # "w" empties the folder
    _move(root, layer / "1")
    return infer_properties(folder)
