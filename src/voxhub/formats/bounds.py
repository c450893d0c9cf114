"""Declared sizes checked against the data before anything is read.

Every importer learns a volume's shape from a header (NIfTI, DM, CZI, TIFF,
PNG), a side file (``knossos.conf``, ``datasource-properties.json``) or pixel
coordinates (imzML); a header may declare 30000³ voxels on 32 kB of data.
``check_declared`` compares the bytes a shape declares with the bytes that
can hold them, before a band is allocated: an uncompressed payload must be
at least as large as what it declares, a compressed one may shrink it no
more than its codec can. Sparse formats (KNOSSOS cubes, WKW files: a missing
one reads as zero) count the bytes of the files present, of which at most
``SPARSE`` - 1 in ``SPARSE`` may be missing.

A ``datasource-properties.json`` bounding box may not reach past its arrays
either: at every mag the box, divided by the mag, must fit in the array's
x, y and z extent. Mag paths must stay in the dataset folder. Remote mags
(URLs) are not opened here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

import numpy as np
import zarr

from voxhub.errors import UnreadableInput
from voxhub.formats.paths import default_mag_path, mag_location
from voxhub.formats.properties import BadProperties, DatasourceProperties, Layer, MagEntry
from voxhub.storage.store import DataStore

DEFAULT_AXES = {"x": -1, "y": -2, "z": -3}
# How far each kind of payload can shrink what it holds (declared : stored).
UNCOMPRESSED = 1
# Deflate (gzip, zlib, PNG, TIFF/HDF5 deflate) codes at best a 258-byte match in
# 2 bits, plus block overhead: 1032:1 is its documented ceiling.
DEFLATE = 1032
# Any other codec (LZW, JPEG, JPEG-XR, zstd, blosc): zstd's run-length blocks
# store 128 KiB in 4 bytes (32768:1), the best of them; 65536 leaves margin.
ANY_CODEC = 65536
TIFF_DEFLATE = {8, 32946}  # TIFF's Adobe and old-style deflate compression codes
# Cubes or files absent from a sparse format (empty margins, unwritten regions).
SPARSE = 64


class DeclaredSizeMismatch(UnreadableInput):
    """A header declares more data than the file can hold."""

    code = "declared_size_mismatch"


def declared_bytes(shape: Sequence[int], dtype: np.dtype | type | str) -> int:
    """Bytes a shape of ``dtype`` declares (Python ints: no overflow)."""
    return math.prod(int(s) for s in shape) * np.dtype(dtype).itemsize


def tiff_ratio(compression: int) -> int:
    """How far a TIFF compression scheme (its tag value) may shrink a page."""
    if compression == 1:
        return UNCOMPRESSED
    return DEFLATE if compression in TIFF_DEFLATE else ANY_CODEC


def check_declared(
    path: Path,
    shape: Sequence[int],
    dtype: np.dtype | type | str,
    stored: int,
    *,
    ratio: int = UNCOMPRESSED,
    what: str = "",
) -> None:
    """Refuse ``shape`` × ``dtype`` when ``stored`` bytes (× ``ratio``) cannot hold it."""
    wanted = declared_bytes(shape, dtype)
    if wanted <= stored * ratio:
        return
    dims = "×".join(str(int(s)) for s in shape)
    how = "" if ratio == UNCOMPRESSED else f" (even at {ratio}:1 compression)"
    raise DeclaredSizeMismatch(
        f"{path.name}: {what or 'the header'} declares {dims} {np.dtype(dtype)} "
        f"({wanted} bytes), but only {stored} bytes hold it{how}: corrupt or truncated file"
    )


# A mag's array shape, or None when the mag is remote (URLs are not opened here).
ShapeOf = Callable[[Layer, MagEntry], tuple[int, ...] | None]


def _unreadable(layer: Layer, shown: str) -> BadProperties:
    return BadProperties(f"layer {layer.name}: no readable array at {shown} for its mag")


def folder_shapes(dataset_dir: Path) -> ShapeOf:
    """Shapes of the arrays in a dataset folder on disk (``./`` paths start at it)."""

    def shape(layer: Layer, entry: MagEntry) -> tuple[int, ...] | None:
        location = mag_location(dataset_dir, layer.name, entry.path or default_mag_path(entry.mag))
        if not isinstance(location, Path):
            return None
        try:
            return tuple(zarr.open_array(store=str(location), mode="r").shape)
        except Exception:  # any reason the array cannot be opened means the mag is not there
            raise _unreadable(layer, location.name) from None

    return shape


def store_shapes(store: DataStore, dataset_key: str) -> ShapeOf:
    """Shapes of the arrays of the dataset at ``dataset_key`` in ``store`` (disk or S3),
    through the same path check as a folder (the key stands in for the folder)."""

    def shape(layer: Layer, entry: MagEntry) -> tuple[int, ...] | None:
        relative = entry.path or default_mag_path(entry.mag)
        location = mag_location(Path(dataset_key), layer.name, relative)
        if not isinstance(location, Path):
            return None
        try:
            return tuple(store.open_array(PurePosixPath(location).as_posix()).shape)
        except Exception:  # any reason the array cannot be opened means the mag is not there
            raise _unreadable(layer, location.name) from None

    return shape


def check_layer(dataset: Path | ShapeOf, layer: Layer) -> None:
    """The layer's box lies inside its arrays at every mag (``dataset``: its folder, or
    the shapes of its arrays wherever they are)."""
    shape_of = folder_shapes(dataset) if isinstance(dataset, Path) else dataset
    box = layer.bounding_box
    if any(v < 0 for v in box.top_left):
        raise BadProperties(f"layer {layer.name}: boundingBox.topLeft may not be negative")
    for entry in layer.mags:
        shape = shape_of(layer, entry)
        if shape is None:
            continue
        axes = entry.axis_order or DEFAULT_AXES
        for axis, end, factor in zip("xyz", box.end_xyz, entry.mag, strict=True):
            index = axes.get(axis)
            if index is None or not -len(shape) <= index < len(shape):
                raise BadProperties(f"layer {layer.name}: axisOrder has no valid {axis!r}")
            have = shape[index]
            if math.ceil(end / factor) > have:
                raise BadProperties(
                    f"layer {layer.name}: boundingBox reaches {axis}={end}, outside the data "
                    f"(mag {'-'.join(map(str, entry.mag))} holds {have * factor} along {axis})"
                )


def check_against_data(properties: DatasourceProperties, dataset: Path | ShapeOf) -> None:
    """Raise ``BadProperties`` when a layer's bounding box lies outside its arrays."""
    shape_of = folder_shapes(dataset) if isinstance(dataset, Path) else dataset
    for layer in properties.data_layers:
        check_layer(shape_of, layer)
