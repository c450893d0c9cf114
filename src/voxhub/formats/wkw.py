"""WKW layers (webKnossos wrapper format) read with the ``wkw`` package.

A mag folder (holding ``header.wkw``) or a layer folder (holding ``1/``).
Without a bounding box from ``datasource-properties.json`` the extent is
that of the files present, which WKW allocates in whole file cubes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from voxhub.errors import UnreadableInput
from voxhub.formats.bounds import SPARSE, check_declared
from voxhub.formats.source import VolumeSource

HEADER = "header.wkw"
INDEX = re.compile(r"^[xyz](\d+)(\.wkw)?$")


def mag_folder(path: Path) -> Path | None:
    for candidate in (path, path / "1", path / "1-1-1"):
        if (candidate / HEADER).exists():
            return candidate
    return None


def matches(path: Path) -> bool:
    return path.is_dir() and mag_folder(path) is not None


def _open(folder: Path) -> Any:  # wkw.Dataset; the binding has no type hints
    import wkw

    try:
        return wkw.Dataset.open(str(folder))
    except Exception as exc:  # the wkw binding raises plain Exceptions for bad headers
        raise UnreadableInput(f"{folder}: not a readable WKW dataset ({exc})") from None


def _files(folder: Path) -> list[Path]:
    return list(folder.glob("z*/y*/x*.wkw"))


def _extent(folder: Path, file_side: int) -> tuple[int, int, int]:
    top = [0, 0, 0]
    for file in _files(folder):
        parts = (file.name, file.parent.name, file.parent.parent.name)  # x, y, z
        for i, name in enumerate(parts):
            match = INDEX.match(name)
            if match:
                top[i] = max(top[i], (int(match.group(1)) + 1) * file_side)
    return top[0], top[1], top[2]


def open_wkw(
    path: Path,
    top_left: tuple[int, int, int] = (0, 0, 0),
    size_xyz: tuple[int, int, int] | None = None,
) -> VolumeSource:
    """The finest mag of a WKW layer, from ``top_left`` over ``size_xyz`` (x, y, z)."""
    folder = mag_folder(path)
    if folder is None:
        raise UnreadableInput(f"{path}: no {HEADER} found")
    with _open(folder) as dataset:
        header = dataset.header
        dtype = np.dtype(header.voxel_type)
        channels = int(header.num_channels)
        side = int(header.block_len) * int(header.file_len)
    size = size_xyz or _extent(folder, side)
    files = len(_files(folder))
    if min(size) <= 0 or not files:
        raise UnreadableInput(f"{path}: the WKW layer holds no data files")
    x, y, z = size
    # Missing files read as zero, but a bounding box far beyond the files is no volume.
    check_declared(
        folder, (channels, z, y, x), dtype, files * side**3 * channels * dtype.itemsize,
        ratio=SPARSE, what=f"the bounding box (with {files} WKW files present)",
    )  # fmt: skip
    ox, oy, oz = top_left

    def read_band(z0: int, z1: int) -> np.ndarray:
        with _open(folder) as handle:
            try:
                block = handle.read((ox, oy, oz + z0), (x, y, z1 - z0))  # (c, x, y, z)
            except Exception as exc:  # see _open
                raise UnreadableInput(f"{folder}: cannot read z {z0}-{z1 - 1} ({exc})") from None
        return np.ascontiguousarray(block.transpose(0, 3, 2, 1))

    return VolumeSource(path, (channels, z, y, x), dtype, read_band)


def open_source(path: Path) -> VolumeSource:
    return open_wkw(path)
