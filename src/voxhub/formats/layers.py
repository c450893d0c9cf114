"""Opening any input as named layers, with the options some formats need.

Most importers give one volume (``open_source``); some give several layers
(a folder of slice folders, a WEBKNOSSOS dataset) through ``open_layers``,
and some need parameters the file does not carry (raw: shape, dtype, order).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from voxhub.errors import InvalidInput, UnreadableInput
from voxhub.formats.source import VolumeSource


@dataclass(frozen=True)
class ImportOptions:
    """Parameters for inputs that do not describe themselves (raw files)."""

    shape_xyz: tuple[int, int, int] | None = None
    dtype: str | None = None
    order: Literal["F", "C"] = "F"
    header_bytes: int = 0

    def numpy_dtype(self) -> np.dtype:
        if self.dtype is None:
            raise InvalidInput("a dtype is needed (e.g. uint8, uint16, float32)")
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            raise InvalidInput(f"unknown dtype {self.dtype!r}") from None
        if dtype.kind not in "uif" or dtype.itemsize > 8:
            raise InvalidInput(f"unsupported dtype {self.dtype!r}: use an integer or float type")
        return dtype

    @classmethod
    def from_json(cls, data: dict | None) -> ImportOptions:
        data = data or {}
        shape = data.get("shape_xyz")
        return cls(
            shape_xyz=tuple(int(v) for v in shape) if shape else None,  # type: ignore[arg-type]
            dtype=data.get("dtype"),
            order=data.get("order", "F"),
            header_bytes=int(data.get("header_bytes", 0)),
        )

    def to_json(self) -> dict:
        return {
            "shape_xyz": list(self.shape_xyz) if self.shape_xyz else None,
            "dtype": self.dtype,
            "order": self.order,
            "header_bytes": self.header_bytes,
        }


@dataclass(frozen=True)
class NamedSource:
    """One layer to write: its name, its category (None: the caller's choice), its volume."""

    name: str
    category: str | None
    source: VolumeSource


def open_layers(
    path: Path, options: ImportOptions | None = None, default_name: str = "color"
) -> list[NamedSource]:
    """Every layer ``path`` holds, as detected by the importer registry."""
    # Imported here: importer modules import this one for NamedSource.
    from voxhub.formats.registry import VOLUME, detect, kind

    options = options or ImportOptions()
    importer = detect(path)
    if kind(importer) != VOLUME:
        raise UnreadableInput(f"{path}: an MSI file; it imports as an MSI dataset")
    several = getattr(importer, "open_layers", None)
    if several is not None:
        return several(path, options)
    source = importer.open_source(path)  # type: ignore[attr-defined]
    category = source.extra.get("category")  # a format may know (precomputed segmentation)
    return [NamedSource(default_name, category if isinstance(category, str) else None, source)]
