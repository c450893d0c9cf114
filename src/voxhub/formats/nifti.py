"""NIfTI-1/2 volumes (``.nii``, ``.nii.gz``) read with nibabel; voxel size from the header.

NIfTI stores (x, y, z[, t|c]); a fourth axis becomes channels, more are refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from voxhub.errors import UnreadableInput
from voxhub.formats.bounds import DEFLATE, UNCOMPRESSED, check_declared
from voxhub.formats.source import VolumeSource

SUFFIXES = (".nii", ".nii.gz")
UNITS = {"mm": "millimeter", "micron": "micrometer", "meter": "meter"}


def matches(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(SUFFIXES)


def _load(path: Path) -> Any:  # a nibabel image of whichever NIfTI class the file is
    import nibabel

    try:
        return nibabel.load(str(path))
    except Exception as exc:  # nibabel raises ImageFileError, EOFError, zlib errors, …
        raise UnreadableInput(f"{path}: not a readable NIfTI file ({exc})") from None


def _check_size(path: Path, shape: tuple[int, ...], image: Any) -> None:
    """The voxels after ``vox_offset`` must fit in the file (gzip: at deflate's best ratio)."""
    gzipped = path.name.lower().endswith(".gz")
    offset = 0 if gzipped else int(getattr(image.dataobj, "offset", 0) or 0)
    check_declared(
        path, shape, image.get_data_dtype(), max(path.stat().st_size - offset, 0),
        ratio=DEFLATE if gzipped else UNCOMPRESSED, what="the NIfTI header",
    )  # fmt: skip


def open_source(path: Path) -> VolumeSource:
    image = _load(path)
    shape = tuple(int(s) for s in image.shape)
    if len(shape) > 4 and any(s != 1 for s in shape[4:]):
        raise UnreadableInput(f"{path}: {len(shape)}-dimensional NIfTI is not supported")
    x, y, z, c = (*shape, 1, 1, 1)[:4]
    proxy = image.dataobj
    _check_size(path, shape, image)
    slope, inter = getattr(proxy, "slope", 1.0), getattr(proxy, "inter", 0.0)
    scaled = slope not in (1.0, None) or bool(inter)
    dtype = np.dtype(np.float32) if scaled else np.dtype(image.get_data_dtype()).newbyteorder("=")
    zooms = [float(v) for v in image.header.get_zooms()[:3]] + [1.0, 1.0]
    unit = UNITS.get(image.header.get_xyzt_units()[0])
    voxel = tuple(v if v > 0 else 1.0 for v in zooms[:3])

    def read_band(z0: int, z1: int) -> np.ndarray:
        try:
            block = np.asarray(_load(path).dataobj[:, :, z0:z1, ...])
        except (OSError, ValueError, EOFError) as exc:
            raise UnreadableInput(f"{path}: cannot read slices {z0}-{z1 - 1} ({exc})") from None
        block = block.reshape(x, y, z1 - z0, c)
        return block.transpose(3, 2, 1, 0).astype(dtype, copy=False)

    return VolumeSource(
        path,
        (c, z, y, x),
        dtype,
        read_band,
        voxel_size=voxel if unit else None,  # type: ignore[arg-type]
        unit=unit,
    )
