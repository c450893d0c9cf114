"""The importer registry: each format module offers ``matches`` and ``open_source``.

Built-in formats register exactly as a third-party one would, with
``register(module)``; ``detect`` asks each in order.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Protocol

from voxhub.errors import UnreadableInput
from voxhub.formats import (
    czi,
    dm,
    folders,
    images,
    knossos,
    nifti,
    omezarr,
    raw,
    tiff,
    wkdataset,
    wkw,
    zarrarray,
)
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
register(wkdataset, first=True)  # a dataset folder may also look like a Zarr group
register(zarrarray, first=True)  # a bare array also has a zarr.json
register(folders)
register(dm)
register(czi)
register(nifti)
register(raw)
register(knossos)
register(wkw)


def detect(path: Path) -> Importer:
    """The first importer that recognises ``path``."""
    if not path.exists():
        raise UnreadableInput(f"{path}: no such file or folder")
    for importer in IMPORTERS:
        if importer.matches(path):
            return importer
    raise UnreadableInput(
        f"{path}: not a recognised input (slice folders of .tif/.png/.jpg/.dm3/.dm4, "
        "TIFF/OME-TIFF, CZI, NIfTI, DM3/DM4, .raw, KNOSSOS cubes, WKW, a WEBKNOSSOS dataset "
        "or OME-Zarr)"
    )


def open_any(path: Path) -> VolumeSource:
    return detect(path).open_source(path)
