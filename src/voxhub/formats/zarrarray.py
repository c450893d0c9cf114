"""A bare Zarr array (v2 or v3, no NGFF metadata): 2D, 3D or 4D, axes by name or by rank.

``open_region`` reads a box of a WEBKNOSSOS layer's mag array, its axes
given by the mag's ``axisOrder``.
"""

from __future__ import annotations

import json
from pathlib import Path

import dask.array as da
import numpy as np
import zarr

import voxhub.arrays  # noqa: F401  (installs the checked Blosc codecs zarr decodes with)
from voxhub.errors import UnreadableInput
from voxhub.formats.source import VolumeSource

RANK_AXES = {2: ["y", "x"], 3: ["z", "y", "x"], 4: ["c", "z", "y", "x"]}


def matches(path: Path) -> bool:
    if not path.is_dir():
        return False
    if (path / ".zarray").exists():
        return True
    try:
        return json.loads((path / "zarr.json").read_text()).get("node_type") == "array"
    except (OSError, ValueError, AttributeError):
        return False


def axes_of(array: zarr.Array) -> list[str]:
    """The array's axis names: its ``dimension_names`` when they are c/z/y/x, else by rank."""
    names = list(getattr(array.metadata, "dimension_names", None) or [])
    if len(names) == array.ndim and set(names) <= {"c", "z", "y", "x"} and "x" in names:
        return names
    if array.ndim not in RANK_AXES:
        raise UnreadableInput(f"a Zarr array of rank {array.ndim} is not a volume")
    return RANK_AXES[array.ndim]


def open_source(path: Path) -> VolumeSource:
    try:
        array = zarr.open_array(str(path), mode="r")
    except (OSError, ValueError, KeyError, zarr.errors.ArrayNotFoundError) as exc:
        raise UnreadableInput(f"{path}: not a readable Zarr array ({exc})") from None
    names = axes_of(array)
    data = da.from_zarr(array)
    for axis in ("c", "z", "y"):
        if axis not in names:
            data = data[None]
            names = [axis, *names]
    data = data.transpose([names.index(a) for a in ("c", "z", "y", "x")])
    shape = tuple(int(s) for s in data.shape)
    return VolumeSource(path, shape, np.dtype(data.dtype), dask=data)  # type: ignore[arg-type]


def _names_from_order(axis_order: dict[str, int], ndim: int, path: Path) -> list[str]:
    """``{"c": 0, "x": 1, …}`` as a list of names per array axis; unnamed axes are ``_``."""
    names = ["_"] * ndim
    for name, index in axis_order.items():
        if not -ndim <= index < ndim:
            raise UnreadableInput(f"{path}: axisOrder puts {name!r} on axis {index} of {ndim}")
        names[index] = name
    return names


def open_region(
    path: Path,
    offset_xyz: tuple[int, int, int],
    size_xyz: tuple[int, int, int],
    axis_order: dict[str, int] | None = None,
) -> VolumeSource:
    """The box ``offset_xyz`` + ``size_xyz`` of the array at ``path`` as a (c, z, y, x) volume.

    Only the box is read, band by band, whatever the array's (padded) shape;
    voxels of the box outside the array are zero, as in WEBKNOSSOS.
    """
    try:
        array = zarr.open_array(str(path), mode="r")
    except (OSError, ValueError, KeyError, zarr.errors.ArrayNotFoundError) as exc:
        raise UnreadableInput(f"{path}: not a readable Zarr array ({exc})") from None
    names = _names_from_order(axis_order, array.ndim, path) if axis_order else axes_of(array)
    if any(a not in names for a in "xyz"):
        raise UnreadableInput(f"{path}: the array has no x, y and z axes ({names})")
    extra = [i for i, n in enumerate(names) if n not in ("c", "x", "y", "z")]
    if any(array.shape[i] != 1 for i in extra):
        raise UnreadableInput(f"{path}: axes other than c, x, y, z must have length 1")
    channels = array.shape[names.index("c")] if "c" in names else 1
    x, y, z = size_xyz
    box = dict(zip("xyz", zip(offset_xyz, size_xyz, strict=True), strict=True))

    def read_band(z0: int, z1: int) -> np.ndarray:
        out = np.zeros((channels, z1 - z0, y, x), dtype=array.dtype)
        key: list[slice | int] = []
        target = [slice(None), slice(None), slice(None), slice(None)]
        for axis, name in enumerate(names):
            if name in box:
                start, length = box[name]
                if name == "z":
                    start, length = start + z0, z1 - z0
                stop = min(start + length, array.shape[axis])
                key.append(slice(start, max(start, stop)))
                target["czyx".index(name)] = slice(0, max(0, stop - start))
            else:
                key.append(slice(None) if name == "c" else 0)
        try:
            block = np.asarray(array[tuple(key)])
        except (OSError, ValueError, KeyError) as exc:
            raise UnreadableInput(f"{path}: cannot read z {z0}-{z1 - 1} ({exc})") from None
        kept = [n for n in names if n in ("c", "x", "y", "z")]
        if "c" not in kept:
            block, kept = block[None], ["c", *kept]
        out[tuple(target)] = block.transpose([kept.index(a) for a in "czyx"])
        return out

    return VolumeSource(path, (channels, z, y, x), np.dtype(array.dtype), read_band)
