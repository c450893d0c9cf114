"""The importer registry: every input the CLI, the convert job and uploads accept.

Each format module offers ``matches(path)`` and either ``open_source`` (and
optionally ``open_layers``) for volumes, or, with ``KIND = "msi"``, the MSI
import (``voxhub.formats.msi_import``: an m/z cube in two chunk layouts).
Built-in formats register exactly as a third-party one would, with
``register(module)``; ``detect`` asks each in order and ``kind`` tells the
caller which import to run.
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
    msi_import,
    n5,
    nifti,
    omezarr,
    precomputed,
    raw,
    tiff,
    wkdataset,
    wkw,
    zarrarray,
)
from voxhub.formats.source import VolumeSource

VOLUME, MSI = "volume", "msi"
ACCEPTED = (
    "slice folders of .tif/.png/.jpg/.dm3/.dm4, TIFF/OME-TIFF, CZI, NIfTI, DM3/DM4, .raw, "
    "KNOSSOS cubes, WKW, a WEBKNOSSOS dataset, OME-Zarr, N5, Neuroglancer precomputed, "
    "imzML or OpenMSI HDF5"
)


class Importer(Protocol):
    __name__: str

    def matches(self, path: Path) -> bool: ...


IMPORTERS: list[Importer] = []


def register(importer: Importer | ModuleType, *, first: bool = False) -> None:
    """Add an importer; ``first`` puts it ahead of the built-ins."""
    if first:
        IMPORTERS.insert(0, importer)
    else:
        IMPORTERS.append(importer)


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
register(n5)
register(precomputed)
register(msi_import, first=True)  # an OpenMSI .h5 file is not a volume


def kind(importer: Importer | ModuleType) -> str:
    """``volume`` (``open_source``/``open_layers``) or ``msi`` (``msi_import``)."""
    return getattr(importer, "KIND", VOLUME)


def detect(path: Path) -> Importer:
    """The first importer that recognises ``path``."""
    if not path.exists():
        raise UnreadableInput(f"{path}: no such file or folder")
    for importer in IMPORTERS:
        if importer.matches(path):
            return importer
    raise UnreadableInput(f"{path}: not a recognised input ({ACCEPTED})")


def open_any(path: Path) -> VolumeSource:
    importer = detect(path)
    if kind(importer) != VOLUME:
        raise UnreadableInput(f"{path}: an MSI file; it imports as an MSI dataset")
    return importer.open_source(path)  # type: ignore[attr-defined]
