"""Multi-page TIFF and OME-TIFF files (voxel size from OME or ImageJ metadata).

A TIFF series is a stack of pages: the page holds y, x and the samples
(``S``: RGB or planar channels); every axis before them (OME's
``DimensionOrder``, ImageJ's ``TZCYX``, tifffile's shaped series) only says
how the pages are ordered. The page number of each (channel, z) is therefore
computed from tifffile's series axes, whatever their order: OME-TIFF writes
CZYX as well as ZCYX.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tifffile

from voxhub.errors import UnreadableInput
from voxhub.formats.bounds import check_declared, tiff_ratio
from voxhub.formats.source import VolumeSource

SUFFIXES = (".tif", ".tiff", ".ome.tif", ".ome.tiff", ".btf")
OME_UNITS = {
    "nm": "nanometer",
    "µm": "micrometer",
    "um": "micrometer",
    "mm": "millimeter",
    "Å": "angstrom",
}
CHANNEL_AXES = "C"
DEPTH_AXES = "ZQI"  # Q (unknown) and I (generic page index) stack planes like Z
# Codec errors (imagecodecs.DeflateError and the like) are RuntimeErrors.
_ERRORS = (OSError, ValueError, IndexError, KeyError, RuntimeError, tifffile.TiffFileError)


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
    page = tif.pages.first
    if not meta or "XResolution" not in page.tags:
        return None
    xres = page.tags["XResolution"].value
    yres = page.tags["YResolution"].value
    x = xres[1] / xres[0] if xres[0] else 1.0
    y = yres[1] / yres[0] if yres[0] else 1.0
    unit = OME_UNITS.get(str(meta.get("unit", "")).replace("\\u00B5", "µ"), "micrometer")
    return (x, y, float(meta.get("spacing", 1.0))), unit


@dataclass(frozen=True)
class PageLayout:
    """Where each (channel, z) plane of a series lives.

    ``pages[c, z]`` is the page number (within the series) holding channel
    group ``c`` at depth ``z``; each page holds ``samples`` channels, stored
    along ``sample_axis`` of the page (0: planar, 2: interleaved, None: none).
    """

    pages: np.ndarray
    samples: int
    sample_axis: int | None
    height: int
    width: int

    @property
    def shape(self) -> tuple[int, int, int, int]:
        groups, depth = self.pages.shape
        return (groups * self.samples, depth, self.height, self.width)


def page_layout(axes: str, shape: tuple[int, ...], page_axes: str, path: Path) -> PageLayout:
    """The page numbers of a series with ``axes``/``shape`` whose pages have ``page_axes``."""
    axes, page_axes = axes.upper(), page_axes.upper()
    if set(page_axes) - set("YXS") or not axes.endswith(page_axes):
        raise UnreadableInput(f"{path}: TIFF pages with axes {page_axes} are not supported")
    dims = dict(zip(axes, shape, strict=True))
    index_axes = axes[: len(axes) - len(page_axes)]
    index_shape = [dims[a] for a in index_axes]
    unsupported = [a for a in index_axes if a not in CHANNEL_AXES + DEPTH_AXES and dims[a] > 1]
    if unsupported:
        what = "time series" if "T" in unsupported else f"axes {''.join(unsupported)}"
        raise UnreadableInput(f"{path}: TIFF series with axes {axes} ({what}) is not supported")
    # Page numbers in storage order, then regrouped as (channel axes…, depth axes…).
    numbers = np.arange(math.prod(index_shape), dtype=np.int64).reshape(index_shape)
    channel = [i for i, a in enumerate(index_axes) if a in CHANNEL_AXES]
    depth = [i for i, a in enumerate(index_axes) if a in DEPTH_AXES]
    rest = [i for i in range(len(index_axes)) if i not in channel + depth]  # all of length 1
    numbers = numbers.transpose(channel + depth + rest)
    groups = math.prod(index_shape[i] for i in channel)
    pages = numbers.reshape(groups, -1)
    return PageLayout(
        pages=pages,
        samples=dims.get("S", 1),
        sample_axis=page_axes.index("S") if "S" in page_axes else None,
        height=dims["Y"],
        width=dims["X"],
    )


def _layout(tif: tifffile.TiffFile, path: Path) -> tuple[PageLayout, np.dtype]:
    if not tif.series:
        raise UnreadableInput(f"{path}: the TIFF holds no images (truncated or empty file?)")
    series = tif.series[0]
    keyframe = series.keyframe
    if getattr(keyframe, "imagedepth", 1) > 1:
        raise UnreadableInput(f"{path}: volumetric (tiled in z) TIFF pages are not supported")
    layout = page_layout(series.axes, tuple(series.shape), keyframe.axes, path)
    ratio = tiff_ratio(int(keyframe.compression))
    files = {Path(page.parent.filehandle.path) for page in series.pages if page is not None}
    stored = sum(f.stat().st_size for f in files | {path} if f.exists())
    check_declared(path, series.shape, series.dtype, stored, ratio=ratio)
    return layout, np.dtype(series.dtype)


def open_source(path: Path) -> VolumeSource:
    """Series 0, level 0, as (c, z, y, x): channels are C (outer) × S (inner)."""
    try:
        with tifffile.TiffFile(path) as tif:
            layout, dtype = _layout(tif, path)
            found = _ome_voxel_size(tif) or _imagej_voxel_size(tif)
    except (*_ERRORS, ET.ParseError) as exc:
        raise UnreadableInput(f"{path}: not a readable TIFF ({exc})") from None

    def read_band(z0: int, z1: int) -> np.ndarray:
        keys = layout.pages[:, z0:z1]
        try:
            with tifffile.TiffFile(path) as handle:
                data = handle.asarray(key=[int(k) for k in keys.ravel()], series=0)
        except _ERRORS as exc:
            raise UnreadableInput(f"{path}: cannot read slices {z0}-{z1 - 1} ({exc})") from None
        page = (layout.height, layout.width)
        if layout.sample_axis is None:
            data = data.reshape(*keys.shape, 1, *page)
        elif layout.sample_axis == 0:
            data = data.reshape(*keys.shape, layout.samples, *page)
        else:  # interleaved samples last: (group, z, y, x, s) -> (group, z, s, y, x)
            data = np.moveaxis(data.reshape(*keys.shape, *page, layout.samples), -1, 2)
        # (group, z, s, y, x) -> (group * s, z, y, x): channel = group * samples + sample
        data = np.moveaxis(data, 2, 1)
        return data.reshape(-1, z1 - z0, *page)

    voxel_size, unit = found if found else (None, None)
    return VolumeSource(path, layout.shape, dtype, read_band, voxel_size=voxel_size, unit=unit)
