"""Several folders of image slices: one layer per folder, named after it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from voxhub.errors import UnreadableInput
from voxhub.formats import images
from voxhub.formats.layers import ImportOptions, NamedSource
from voxhub.formats.source import VolumeSource

LABEL_HINTS = ("seg", "label", "mask", "annotation")


def _subfolders(path: Path) -> list[Path]:
    return sorted(c for c in path.iterdir() if c.is_dir() and not c.name.startswith((".", "__")))


def matches(path: Path) -> bool:
    if not path.is_dir() or images.matches(path):
        return False
    children = _subfolders(path)
    return bool(children) and all(images.matches(c) for c in children)


def layer_name(folder: str) -> str:
    """A safe layer name from a folder name (spaces and the like become ``_``)."""
    name = re.sub(r"[^A-Za-z0-9_.\-]", "_", folder).lstrip("._-")
    return name[:128] or "layer"


def category_for(name: str, source: VolumeSource) -> str:
    """Integer layers named like labels are segmentations; the rest colour."""
    integer = np.issubdtype(source.dtype, np.integer)
    return "segmentation" if integer and any(h in name.lower() for h in LABEL_HINTS) else "color"


def open_layers(path: Path, options: ImportOptions) -> list[NamedSource]:
    layers = []
    for child in _subfolders(path):
        source = images.open_source(child)
        name = layer_name(child.name)
        layers.append(NamedSource(name, category_for(name, source), source))
    names = [layer.name for layer in layers]
    if len(set(names)) != len(names):
        raise UnreadableInput(f"{path}: folder names give duplicate layer names {names}")
    return layers


def open_source(path: Path) -> VolumeSource:
    layers = open_layers(path, ImportOptions())
    if len(layers) != 1:
        raise UnreadableInput(f"{path}: holds {len(layers)} slice folders; import it as layers")
    return layers[0].source
