"""A catalog layer's levels as ``LevelView``s: array, axis mapping, mag and voxel size.

Every reader of a registered layer — the box route, the thumbnail, OpenMSI
queries — opens its levels here, so the axis order is decided in one place:
the mag's ``axisOrder`` from ``datasource-properties.json`` when it has one,
else the array's own axis names (Zarr v3 ``dimension_names``, or the layer
group's NGFF axes), else NGFF's order for the array's rank. Opened arrays are
cached per process, keyed by a stamp of their metadata (its modification time
on disk, its ETag on S3) so a rewritten layer is seen at once. Arrays are
opened through the dataset's ``DataStore``: the data folder and S3 share this
code.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import zarr

from voxhub.arrays.box import Box
from voxhub.arrays.errors import MagNotFound
from voxhub.arrays.level import AxisMap, LevelView
from voxhub.arrays.mag import Mag
from voxhub.catalog.index import LayerEntry
from voxhub.formats.paths import is_remote, mag_location
from voxhub.formats.properties import MagEntry
from voxhub.storage.prefetch import prefetch
from voxhub.storage.store import DataStore


def layer_mags(layer: LayerEntry) -> list[Mag]:
    """The layer's mags, finest first."""
    return sorted((e.level for e in layer.mags), key=lambda m: (m.x * m.y * m.z, m))


def _mag_entry(layer: LayerEntry, mag: Mag) -> MagEntry:
    for entry in layer.mags:
        if entry.level == mag:
            return entry
    known = ", ".join(m.to_layer_name() for m in layer_mags(layer))
    raise MagNotFound(f"mag {mag} does not exist in layer {layer.name} (available: {known})")


def level_key(layer: LayerEntry, mag: Mag) -> str:
    """The store key of a mag's array, through the one path check (``./`` starts at the
    dataset, anything else at the layer)."""
    relative = _mag_entry(layer, mag).path or mag.to_layer_name()
    # The check works on names only: a dataset's key stands in for its folder.
    dataset_key = PurePosixPath(layer.key).parent
    location = mag_location(Path(dataset_key), layer.name, relative)
    if isinstance(location, str):
        raise MagNotFound(f"mag {mag} of layer {layer.name} is remote ({location})")
    return PurePosixPath(location).as_posix()


def level_path(layer: LayerEntry, mag: Mag) -> Path:
    """Where a mag's array lives on disk (data-folder storage only)."""
    path = _storage(layer).local_path(level_key(layer, mag))
    if path is None:
        raise MagNotFound(f"mag {mag} of layer {layer.name} is not on this machine's disk")
    return path


def _storage(layer: LayerEntry) -> DataStore:
    if layer.storage is None:
        raise MagNotFound(f"layer {layer.name} has no storage")
    return layer.storage


def _stamp(storage: DataStore, key: str, names: tuple[str, ...]) -> str | None:
    for name in names:  # zarr.json or .zarray/.zattrs: one of a kind per array or group
        stamp = storage.stamp(f"{key}/{name}")
        if stamp is not None:
            return f"{name}:{stamp}"
    return None


@lru_cache(maxsize=256)
def _open(storage: DataStore, key: str, _stamp: str) -> zarr.Array[Any]:
    return storage.open_array(key)


@lru_cache(maxsize=256)
def _group_axes(storage: DataStore, key: str, _stamp: str) -> tuple[str, ...] | None:
    """The NGFF axis names of the layer group at ``key`` (0.4 or 0.5), if it has any."""
    for name in ("zarr.json", ".zattrs"):
        try:
            attrs = json.loads(storage.read(f"{key}/{name}") or b"")
        except (OSError, ValueError):
            continue
        attrs = attrs.get("attributes", attrs) if name == "zarr.json" else attrs
        container = attrs.get("ome", attrs) if isinstance(attrs, dict) else {}
        try:
            axes = container["multiscales"][0]["axes"]
            return tuple(a if isinstance(a, str) else str(a["name"]) for a in axes)
        except (KeyError, IndexError, TypeError):
            continue
    return None


def _axis_names(array: zarr.Array[Any], storage: DataStore, group: str) -> tuple[str, ...] | None:
    names = getattr(array.metadata, "dimension_names", None)
    if names and all(names):
        return tuple(str(n) for n in names)
    stamp = _stamp(storage, group, ("zarr.json", ".zattrs"))
    return _group_axes(storage, group, stamp) if stamp is not None else None


def _open_remote(layer: LayerEntry, url: str, speculative: bool) -> tuple[Any, Any]:
    if layer.remote is None:
        raise MagNotFound(f"layer {layer.name} is remote ({url}) and cannot be read here")
    if speculative:
        return layer.remote.open_speculative(layer, url)  # type: ignore[no-any-return]
    return layer.remote.open_array(layer, url), None  # a zarr array, or an N5Array


def open_level(layer: LayerEntry, mag: Mag | str, speculative: bool = False) -> LevelView:
    """One level of ``layer`` as a (c, z, y, x) view, trimmed to the bounding box's end.

    A mag whose path is a URL (a remote layer) is read through the hub's remote
    sources (SSRF guard, credentials, parallel fetching), read-only. ``speculative``:
    a remote level not open yet may be opened with its metadata as kept at
    registration while the source's is fetched (``warm_box`` can put chunks in
    flight meanwhile); the view confirms it before the first value is read, and
    reads the fresh array when it changed (``LevelView.confirm``).
    """
    mag = Mag.parse(mag)
    entry = _mag_entry(layer, mag)
    order = entry.axis_order
    confirm = None
    remote = entry.path is not None and is_remote(entry.path)
    if entry.path is not None and remote:
        array, confirm = _open_remote(layer, entry.path, speculative)
        names = getattr(array.metadata, "dimension_names", None)
        axes = AxisMap.resolve(array.ndim, order, names if names and all(names) else None)
    else:
        storage = _storage(layer)
        key = level_key(layer, mag)
        stamp = _stamp(storage, key, ("zarr.json", ".zarray"))
        if stamp is None:
            raise MagNotFound(f"mag {mag} of layer {layer.name} is missing in the store")
        array = _open(storage, key, stamp)
        group = key.rsplit("/", 1)[0]
        axes = AxisMap.resolve(array.ndim, order, _axis_names(array, storage, group))
    box = layer_box(layer)
    end = tuple(t + s for t, s in zip(*box, strict=True)) if box is not None else None
    view = LevelView(array, axes, mag, layer.voxel_size, end, remote=remote)
    if confirm is not None:
        view.speculate(lambda: open_level(layer, mag) if confirm() else None)
    return view


def warm_box(level: LevelView, box: Box) -> int:
    """Before a remote level is read band by band, put all the box's chunk requests in
    flight at once (into the chunk cache); nothing for hosted levels. Chunks put in
    flight (0: hosted, or every chunk cached already)."""
    return warm(level, (slice(None), *box.level_slices()))


def warm(level: LevelView, key: tuple[Any, ...]) -> int:
    """``warm_box`` for a (c, z, y, x) key of ints and slices; a strided slice is left to
    the read (its chunks may be far fewer than its range's)."""
    if any(isinstance(k, slice) and k.step not in (None, 1) for k in key):
        return 0
    return prefetch(level.speculative_array, level.stored_key(key))


def layer_box(layer: LayerEntry) -> tuple[tuple[int, int, int], tuple[int, int, int]] | None:
    """The layer's bounding box (top-left, size) in mag-1 voxels; None when it is empty."""
    box = layer.bounding_box or {}
    try:
        top_left = tuple(int(v) for v in box["topLeft"])
        size = (int(box["width"]), int(box["height"]), int(box["depth"]))
    except (KeyError, TypeError, ValueError):
        return None
    if len(top_left) != 3 or min(size) <= 0:
        return None
    return top_left, size


def thumbnail_level(layer: LayerEntry, size: int, speculative: bool = False) -> LevelView:
    """The coarsest level whose x and y extent (of the bounding box) still reach ``size``
    (``speculative``: opened as ``open_level`` says)."""
    mags = layer_mags(layer)
    box = layer_box(layer)
    chosen = mags[0]
    for mag in mags[1:]:
        if box is not None:
            extent_xy = (box[1][0] // mag.x, box[1][1] // mag.y)
        else:
            level = open_level(layer, mag)
            extent_xy = level.shape_xyz[:2]
        if min(extent_xy) >= size:
            chosen = mag
    return open_level(layer, chosen, speculative)


__all__ = [
    "layer_box",
    "layer_mags",
    "level_key",
    "level_path",
    "open_level",
    "thumbnail_level",
    "warm",
    "warm_box",
]
