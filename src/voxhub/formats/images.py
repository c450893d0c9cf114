"""A folder of 2D image slices (TIFF, PNG, JPEG, DM3/DM4), one slice per file, in natural order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile
from natsort import natsorted
from PIL import Image, UnidentifiedImageError

from voxhub.errors import UnreadableInput
from voxhub.formats import dm
from voxhub.formats.bounds import ANY_CODEC, DEFLATE, check_declared, tiff_ratio
from voxhub.formats.source import VolumeSource, as_czyx

SUFFIXES = {".tif", ".tiff", ".png", ".jpg", ".jpeg", *dm.SUFFIXES}
# Pillow refuses images above ~179 Mpixel as "decompression bombs", which large EM
# slices are not; ``check_declared`` bounds every slice by its file size instead.
Image.MAX_IMAGE_PIXELS = None
SAMPLE_BYTES = {"I;16": 2, "I;16B": 2, "I;16L": 2, "I": 4, "F": 4}


def slice_files(folder: Path) -> list[Path]:
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES]
    return natsorted(files, key=lambda p: p.name)


def matches(path: Path) -> bool:
    return (
        path.is_dir()
        and bool(slice_files(path))
        and not (path / "zarr.json").exists()
        and not (path / ".zattrs").exists()
    )


def _header(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from the file header, without decoding pixels."""
    if path.suffix.lower() in dm.SUFFIXES:
        return dm.header(path)
    try:
        if path.suffix.lower() in (".tif", ".tiff"):
            with tifffile.TiffFile(path) as tif:
                page = tif.pages[0]
                ratio = tiff_ratio(int(page.compression))
                if page.dtype is None:
                    raise UnreadableInput(f"{path}: a TIFF sample format numpy cannot hold")
                check_declared(path, page.shape, page.dtype, path.stat().st_size, ratio=ratio)
                return tuple(page.shape), np.dtype(page.dtype)
        with Image.open(path) as image:
            # Checked before anything is decoded (the probe decodes the whole image).
            samples = len(image.getbands()) * SAMPLE_BYTES.get(image.mode, 1)
            ratio = DEFLATE if image.format == "PNG" else ANY_CODEC
            shape = (image.height, image.width, samples)
            check_declared(path, shape, np.uint8, path.stat().st_size, ratio=ratio)
            probe = np.asarray(image.crop((0, 0, 1, 1)))
            shape = (image.height, image.width, *probe.shape[2:])
            return shape, probe.dtype
    except (OSError, ValueError, UnidentifiedImageError, tifffile.TiffFileError) as exc:
        raise UnreadableInput(f"{path}: cannot read image header ({exc})") from None


def _read_plane(path: Path) -> np.ndarray:
    if path.suffix.lower() in dm.SUFFIXES:
        return dm.read_plane(path)
    try:
        if path.suffix.lower() in (".tif", ".tiff"):
            return tifffile.imread(path, key=0)
        with Image.open(path) as image:
            return np.asarray(image)
    except (OSError, ValueError, UnidentifiedImageError, tifffile.TiffFileError) as exc:
        raise UnreadableInput(f"{path}: cannot read image ({exc})") from None


def open_source(path: Path) -> VolumeSource:
    files = slice_files(path)
    if not files:
        raise UnreadableInput(f"{path}: no .tif/.png/.jpg slices found")
    shape, dtype = _header(files[0])
    for other in files[1:]:
        other_shape, other_dtype = _header(other)
        if other_shape != shape or other_dtype != dtype:
            raise UnreadableInput(
                f"{other}: slice is {other_shape} {other_dtype}, but {files[0].name} is "
                f"{shape} {dtype}; all slices must match"
            )
    channels = shape[2] if len(shape) == 3 else 1

    def read_band(z0: int, z1: int) -> np.ndarray:
        return np.concatenate([as_czyx(_read_plane(f)) for f in files[z0:z1]], axis=1)

    return VolumeSource(path, (channels, len(files), shape[0], shape[1]), dtype, read_band)
