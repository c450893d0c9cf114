"""An existing OME-Zarr image (NGFF 0.4 or 0.5): its finest level is re-imported."""

from __future__ import annotations

from pathlib import Path

import dask.array as da
import numpy as np

from voxhub.arrays.errors import BadMetadata
from voxhub.arrays.layer import open_layer
from voxhub.errors import UnreadableInput
from voxhub.formats.source import VolumeSource


def matches(path: Path) -> bool:
    return path.is_dir() and ((path / "zarr.json").exists() or (path / ".zattrs").exists())


def open_source(path: Path) -> VolumeSource:
    try:
        layer = open_layer(path)
    except BadMetadata as exc:
        raise UnreadableInput(f"{path}: {exc.detail}") from None
    names = layer.multiscale.axis_names
    finest = layer.multiscale.datasets[0]
    array = da.from_zarr(layer.levels[next(iter(layer.levels))])
    missing = [a for a in ("y", "x") if a not in names]
    if missing:
        raise UnreadableInput(f"{path}: axes {names} lack {missing}")
    extra = [a for a in names if a not in ("c", "z", "y", "x")]
    for axis in extra:  # only singleton extra axes (e.g. t of length 1) can be dropped
        if array.shape[names.index(axis)] != 1:
            raise UnreadableInput(f"{path}: axis {axis!r} has length > 1; not supported")
    array = array[tuple(0 if n in extra else slice(None) for n in names)]
    kept = [n for n in names if n not in extra]
    for axis in ("c", "z"):
        if axis not in kept:
            array = array[None]
            kept.insert(0, axis)
    array = array.transpose([kept.index(a) for a in ("c", "z", "y", "x")])
    scale = dict(zip(names, finest.scale, strict=True))
    voxel = (scale.get("x", 1.0), scale.get("y", 1.0), scale.get("z", 1.0))
    shape = tuple(int(s) for s in array.shape)
    return VolumeSource(
        path,
        shape,  # type: ignore[arg-type]
        np.dtype(array.dtype),
        dask=array,
        voxel_size=voxel,
        unit=layer.multiscale.spatial_unit(),
    )
