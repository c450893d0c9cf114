"""N5 containers (a dataset, or a multiscale group of ``s0``, ``s1``, …) read with tensorstore.

The finest level (``s0``, else the largest dataset) is converted. N5 lists
dimensions x first; an ``axes`` attribute names them otherwise. The voxel
size comes from ``resolution`` + ``units`` (on the dataset or its group) or
from n5-viewer's ``pixelResolution``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voxhub.errors import UnreadableInput
from voxhub.formats._tensorstore import UNITS, axis_names, open_store, volume, voxel_size
from voxhub.formats.source import VolumeSource, read_json

ATTRIBUTES = "attributes.json"


def _attributes(path: Path) -> dict[str, Any] | None:
    return read_json(path / ATTRIBUTES)


def _datasets(path: Path) -> list[Path]:
    return sorted(
        (c for c in path.iterdir() if c.is_dir() and "dimensions" in (_attributes(c) or {})),
        key=lambda c: (len(c.name), c.name),
    )


def matches(path: Path) -> bool:
    if not path.is_dir():
        return False
    attributes = _attributes(path)
    if attributes is None:
        return False
    return "dimensions" in attributes or "n5" in attributes or bool(_datasets(path))


def finest(path: Path) -> Path:
    """The dataset to convert: ``path`` itself, ``s0``, or the largest child dataset."""
    if "dimensions" in (_attributes(path) or {}):
        return path
    children = _datasets(path)
    if not children:
        raise UnreadableInput(f"{path}: an N5 container without datasets")
    by_name = {c.name: c for c in children}
    if "s0" in by_name:
        return by_name["s0"]
    return max(children, key=lambda c: _volume((_attributes(c) or {}).get("dimensions")))


def _volume(dimensions: Any) -> int:
    total = 1
    for d in dimensions or []:
        total *= int(d)
    return total


def _pixel_resolution(*attributes: dict[str, Any]) -> tuple[tuple[float, float, float], str] | None:
    """``resolution``/``units`` or n5-viewer's ``pixelResolution``, the first found."""
    for attrs in attributes:
        resolution = attrs.get("resolution")
        units = attrs.get("units") or ["nm"]
        pixel = attrs.get("pixelResolution")
        if isinstance(pixel, dict):
            resolution, units = pixel.get("dimensions"), [pixel.get("unit", "nm")]
        if isinstance(resolution, list) and len(resolution) >= 2:
            values = [float(v) for v in resolution[:3]] + [float(resolution[0])] * 2
            unit = str(units[0]) if isinstance(units, list) and units else "nm"
            return (values[0], values[1], values[2]), UNITS.get(unit, "nanometer")
    return None


def open_dataset(path: Path) -> tuple[Any, list[str]]:
    """The tensorstore of one N5 dataset and its axis names."""
    store = open_store({"driver": "n5", "kvstore": {"driver": "file", "path": str(path)}}, path)
    return store, axis_names(store)


def open_source(path: Path) -> VolumeSource:
    dataset = finest(path)
    store, names = open_dataset(dataset)
    source = volume(path, store, names)
    found = voxel_size(store, names) or _pixel_resolution(
        _attributes(dataset) or {}, _attributes(path) or {}
    )
    if found is not None:
        factors = (_attributes(dataset) or {}).get("downsamplingFactors") or [1, 1, 1]
        size = tuple(v * float(f) for v, f in zip(found[0], [*factors, 1, 1, 1][:3], strict=True))
        source.voxel_size, source.unit = size, found[1]  # type: ignore[assignment]
    return source
