"""The importer registry: each format module offers ``matches`` and ``open_source``.

Built-in formats register exactly as a third-party one would, with
``register(module)``; ``detect`` asks each in order.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Protocol

from voxhub.errors import UnreadableInput
from voxhub.formats import images, omezarr, tiff
from voxhub.formats.source import VolumeSource


class Importer(Protocol):
    __name__: str

    def matches(self, path: Path) -> bool: ...

    def open_source(self, path: Path) -> VolumeSource: ...


IMPORTERS: list[Importer] = []


def register(importer: Importer | ModuleType, *, first: bool = False) -> None:
    """Add an importer; ``first`` puts it ahead of the built-ins."""
    if first:
        IMPORTERS.insert(0, importer)  # type: ignore[arg-type]
    else:
        IMPORTERS.append(importer)  # type: ignore[arg-type]


for _module in (omezarr, tiff, images):
    register(_module)


def detect(path: Path) -> Importer:
    """The first importer that recognises ``path``."""
    if not path.exists():
        raise UnreadableInput(f"{path}: no such file or folder")
    for importer in IMPORTERS:
        if importer.matches(path):
            return importer
    raise UnreadableInput(
        f"{path}: not a recognised input (a folder of .tif/.png/.jpg slices, a TIFF/OME-TIFF "
        "file or an OME-Zarr image)"
    )


def open_any(path: Path) -> VolumeSource:
    return detect(path).open_source(path)
