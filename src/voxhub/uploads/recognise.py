"""Uploaded folders that are usable as they are, and how to describe them.

Registered directly (moved into place, never re-encoded): a WEBKNOSSOS
dataset whose layers are Zarr, N5 or Neuroglancer precomputed; an OME-Zarr
image with axes (c, z, y, x) or a folder of them; a bare (c, z, y, x) Zarr
array (wrapped in NGFF metadata as its only mag); an N5 multiscale group; a
Neuroglancer precomputed volume. Anything else, including OME-Zarr and Zarr
arrays with other axes, goes to the converters, which give it voxhub's axes
and a full pyramid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zarr

from voxhub.arrays.mag import Mag
from voxhub.arrays.ngff import Axis, Multiscale, ScaleLevel, format_for_zarr
from voxhub.catalog.register import infer_properties
from voxhub.errors import UnreadableInput, VoxhubError
from voxhub.formats.ingest import AXIS_ORDER, ELEMENT_CLASS
from voxhub.formats.paths import check_layer_paths
from voxhub.formats.properties import (
    PROPERTIES_FILE,
    BoundingBox,
    DatasourceProperties,
    Layer,
    MagEntry,
    VoxelSize,
    read_properties,
)
from voxhub.formats.zarrarray import axes_of

DIRECT_FORMATS = {"zarr", "zarr3", "n5", "neuroglancerPrecomputed"}
VOXHUB_AXES = list(AXIS_ORDER)  # c, z, y, x
N5_TYPES = {"uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
            "float32", "float64"}  # fmt: skip

Arrange = Callable[[Path, str], DatasourceProperties]


@dataclass(frozen=True)
class Usable:
    """A recognised upload: ``arrange(dataset_folder, name)`` moves it in and describes it."""

    kind: str
    arrange: Arrange


def _json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _zarr_node(path: Path) -> str | None:
    """``array``/``group`` for a Zarr v2 or v3 node, None otherwise."""
    meta = _json(path / "zarr.json")
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
    attrs = (_json(path / "zarr.json") or {}).get("attributes") or _json(path / ".zattrs") or {}
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
    attributes = _json(root / "attributes.json")
    if attributes is not None and "n5" in attributes:
        return Usable("n5", lambda folder, name: _n5(root, folder))
    info = _json(root / "info")
    if info is not None and isinstance(info.get("scales"), list):
        return Usable("precomputed", lambda folder, name: _precomputed(root, folder, info))
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


def _n5(root: Path, folder: Path) -> DatasourceProperties:
    """Levels ``s0, s1, …`` (or one dataset at the root); N5 lists dimensions x first."""
    levels = sorted(
        (c for c in root.iterdir() if c.is_dir() and (c / "attributes.json").exists()),
        key=lambda c: (len(c.name), c.name),
    )
    if not levels and "dimensions" in (_json(root / "attributes.json") or {}):
        levels = [root]
    if not levels:
        raise UnreadableInput(f"{root.name}: an N5 container without datasets")
    base: list[int] | None = None
    mags: list[MagEntry] = []
    dtype = ""
    for level in levels:
        attrs = _json(level / "attributes.json") or {}
        dims = [int(d) for d in attrs.get("dimensions", [])][:3]
        if len(dims) < 2 or attrs.get("dataType") not in N5_TYPES:
            raise UnreadableInput(f"{level.name}: N5 dataset without usable dimensions/dataType")
        dims += [1] * (3 - len(dims))
        base = base or dims
        dtype = dtype or attrs["dataType"]
        factors = attrs.get("downsamplingFactors") or [
            max(1, round(b / d)) for b, d in zip(base, dims, strict=True)
        ]
        relative = level.relative_to(root).as_posix()
        mags.append(
            MagEntry(
                mag=Mag.parse(factors[:3]).to_list(),
                path=f"./color/{relative}" if relative != "." else "./color",
            )
        )  # type: ignore[arg-type]
    assert base is not None
    _move(root, folder / "color")
    return _single_layer(folder, "n5", dtype, base, mags, (1.0, 1.0, 1.0), 1, "color")


def _precomputed(root: Path, folder: Path, info: dict[str, Any]) -> DatasourceProperties:
    scales = info["scales"]
    try:
        first = scales[0]
        size = [int(v) for v in first["size"]]
        resolution = [float(v) for v in first["resolution"]]
        dtype = str(np.dtype(info["data_type"]))
        mags = [
            MagEntry(
                mag=tuple(
                    max(1, round(float(r) / b))
                    for r, b in zip(s["resolution"], resolution, strict=True)
                ),  # type: ignore[arg-type]
                path=f"./color/{s['key']}",
            )
            for s in scales
        ]
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise UnreadableInput(f"{root.name}/info: not a precomputed volume ({exc})") from None
    category = "segmentation" if info.get("type") == "segmentation" else "color"
    _move(root, folder / "color")
    return _single_layer(
        folder, "neuroglancerPrecomputed", dtype, size, mags, tuple(resolution),
        int(info.get("num_channels", 1)), category,
    )  # fmt: skip


def _single_layer(
    folder: Path,
    data_format: str,
    dtype: str,
    size_xyz: list[int],
    mags: list[MagEntry],
    voxel_size: tuple[float, ...],
    channels: int,
    category: str,
) -> DatasourceProperties:
    layer = Layer(
        name="color",
        category=category,  # type: ignore[arg-type]
        bounding_box=BoundingBox(
            top_left=(0, 0, 0), width=size_xyz[0], height=size_xyz[1], depth=size_xyz[2]
        ),
        element_class=ELEMENT_CLASS.get(dtype, dtype),
        data_format=data_format,
        num_channels=channels,
        mags=mags,
    )
    return DatasourceProperties(
        id={"name": folder.name, "team": folder.parent.name},
        scale=VoxelSize(factor=voxel_size, unit="nanometer"),  # type: ignore[arg-type]
        data_layers=[layer],
    )
