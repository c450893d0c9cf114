"""A bare Zarr array (v2 or v3, no NGFF metadata): 2D, 3D or 4D, axes by name or by rank."""

from __future__ import annotations

import json
from pathlib import Path

import dask.array as da
import numpy as np
import zarr

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
