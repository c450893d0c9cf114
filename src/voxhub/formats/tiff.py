"""Multi-page TIFF and OME-TIFF files (voxel size from OME or ImageJ metadata)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import tifffile

from voxhub.errors import UnreadableInput
from voxhub.formats.source import VolumeSource

SUFFIXES = (".tif", ".tiff", ".ome.tif", ".ome.tiff", ".btf")
OME_UNITS = {
    "nm": "nanometer",
    "µm": "micrometer",
    "um": "micrometer",
    "mm": "millimeter",
    "Å": "angstrom",
}


def matches(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(SUFFIXES)


def _ome_voxel_size(tif: tifffile.TiffFile) -> tuple[tuple[float, float, float], str] | None:
    if not tif.ome_metadata:
        return None
    root = ET.fromstring(tif.ome_metadata)
    pixels = next((el for el in root.iter() if el.tag.endswith("Pixels")), None)
    if pixels is None or "PhysicalSizeX" not in pixels.attrib:
        return None
    size = tuple(float(pixels.attrib.get(f"PhysicalSize{a}", 1.0)) for a in "XYZ")
    unit = OME_UNITS.get(pixels.attrib.get("PhysicalSizeXUnit", "µm"), "micrometer")
    return size, unit  # type: ignore[return-value]


def _imagej_voxel_size(tif: tifffile.TiffFile) -> tuple[tuple[float, float, float], str] | None:
    meta = tif.imagej_metadata
    page = tif.pages[0]
    if not meta or "XResolution" not in page.tags:
        return None
    xres = page.tags["XResolution"].value
    yres = page.tags["YResolution"].value
    x = xres[1] / xres[0] if xres[0] else 1.0
    y = yres[1] / yres[0] if yres[0] else 1.0
    unit = OME_UNITS.get(str(meta.get("unit", "")).replace("\\u00B5", "µ"), "micrometer")
    return (x, y, float(meta.get("spacing", 1.0))), unit


def open_source(path: Path) -> VolumeSource:
    """Series 0, level 0; axes mapped to (c, z, y, x) by the series' axes string."""
    try:
        tif = tifffile.TiffFile(path)
        if not tif.series:
            tif.close()
            raise UnreadableInput(f"{path}: the TIFF holds no images (truncated or empty file?)")
        series = tif.series[0]
        axes = series.axes.upper()
        shape = series.shape
        dtype = np.dtype(series.dtype)
        found = _ome_voxel_size(tif) or _imagej_voxel_size(tif)
    except (OSError, ValueError, IndexError, tifffile.TiffFileError, ET.ParseError) as exc:
        raise UnreadableInput(f"{path}: not a readable TIFF ({exc})") from None
    dims = dict(zip(axes, shape, strict=True))
    unsupported = set(dims) - set("ZYXCSQI") - {a for a in dims if dims[a] == 1}
    if unsupported:
        tif.close()
        raise UnreadableInput(f"{path}: axes {series.axes} not supported (time series?)")
    depth = dims.get("Z", 1) * dims.get("Q", 1) * dims.get("I", 1)
    channels = dims.get("C", 1) * dims.get("S", 1)
    height, width = dims["Y"], dims["X"]
    pages_per_z = channels if "C" in dims and axes.index("C") < axes.index("Y") else 1
    samples = "S" in dims
    tif.close()

    def read_band(z0: int, z1: int) -> np.ndarray:
        try:
            with tifffile.TiffFile(path) as handle:
                keys = range(z0 * pages_per_z, z1 * pages_per_z)
                data = handle.asarray(key=list(keys), series=0) if len(keys) else None
        except (OSError, ValueError, IndexError, tifffile.TiffFileError) as exc:
            raise UnreadableInput(f"{path}: cannot read slices {z0}-{z1 - 1} ({exc})") from None
        if data is None:
            raise UnreadableInput(f"{path}: no pages in slices {z0}-{z1 - 1}")
        data = data.reshape(z1 - z0, pages_per_z, height, width, -1 if samples else 1)
        # (z, c_pages, y, x, s) -> (c_pages * s, z, y, x)
        data = np.moveaxis(data, (1, 4), (0, 1)).reshape(-1, z1 - z0, height, width)
        return data

    voxel_size, unit = found if found else (None, None)
    return VolumeSource(
        path, (channels, depth, height, width), dtype, read_band, voxel_size=voxel_size, unit=unit
    )
