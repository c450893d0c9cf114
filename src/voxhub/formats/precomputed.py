"""Neuroglancer precomputed volumes (a folder with an ``info`` file) read with tensorstore.

The finest scale is converted over its whole extent (``voxel_offset`` moves
to the origin); its ``resolution`` (nanometres) is the voxel size. Any
encoding tensorstore reads works (raw, jpeg, png, compressed_segmentation,
sharded). A ``segmentation`` volume becomes a segmentation layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voxhub.errors import UnreadableInput
from voxhub.formats._tensorstore import axis_names, open_store, volume, voxel_size
from voxhub.formats.source import VolumeSource, read_json


def _info(path: Path) -> dict[str, Any] | None:
    info = read_json(path / "info")
    if info is None or not isinstance(info.get("scales"), list) or "data_type" not in info:
        return None
    return info


def matches(path: Path) -> bool:
    return path.is_dir() and _info(path) is not None


def open_scale(base: Path, key: str | None = None) -> tuple[Any, list[str]]:
    """One scale (by ``key``; default the first, finest) and its axis names."""
    spec: dict[str, Any] = {
        "driver": "neuroglancer_precomputed",
        "kvstore": {"driver": "file", "path": str(base)},
    }
    if key is None:
        spec["scale_index"] = 0
    else:
        spec["scale_metadata"] = {"key": key}
    store = open_store(spec, base)
    return store, axis_names(store)


def open_source(path: Path) -> VolumeSource:
    if _info(path) is None:
        raise UnreadableInput(f"{path}: no Neuroglancer precomputed info file")
    store, names = open_scale(path)
    source = volume(path, store, names)
    found = voxel_size(store, names)
    if found is not None:
        source.voxel_size, source.unit = found
    if (_info(path) or {}).get("type") == "segmentation":
        source.extra["category"] = "segmentation"
    return source
