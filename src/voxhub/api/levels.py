"""Opening a layer's levels as zarr arrays, cached per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import zarr

from voxhub.arrays.errors import MagNotFound
from voxhub.arrays.mag import Mag
from voxhub.catalog.index import LayerEntry
from voxhub.formats.paths import mag_location


def _level_path(layer: LayerEntry, mag: Mag) -> Path:
    for entry in layer.mags:
        if Mag.parse(entry["mag"]) == mag:
            location = mag_location(
                layer.path.parent, layer.name, entry.get("path") or mag.to_layer_name()
            )
            if isinstance(location, str):
                raise MagNotFound(f"mag {mag} of layer {layer.name} is remote ({location})")
            return location
    known = ", ".join(Mag.parse(e["mag"]).to_layer_name() for e in layer.mags)
    raise MagNotFound(f"mag {mag} does not exist in layer {layer.name} (available: {known})")


@lru_cache(maxsize=256)
def _open(path: str, _stamp: float) -> zarr.Array:
    return zarr.open_array(store=path, mode="r")


def open_level(layer: LayerEntry, mag: Mag) -> zarr.Array:
    path = _level_path(layer, mag)
    try:
        stamp = max(
            (path / name).stat().st_mtime
            for name in ("zarr.json", ".zarray")
            if (path / name).exists()
        )
    except ValueError:
        raise MagNotFound(f"mag {mag} of layer {layer.name} is missing on disk") from None
    return _open(str(path), stamp)


def pick_thumbnail_level(layer: LayerEntry, size: int) -> zarr.Array:
    mags = sorted((Mag.parse(e["mag"]) for e in layer.mags), key=lambda m: m.x * m.y * m.z)
    chosen = mags[0]
    for mag in mags:
        level = open_level(layer, mag)
        if min(level.shape[-1], level.shape[-2]) >= size:
            chosen = mag
    return open_level(layer, chosen)
