"""Query results as JSON, PNG, HDF5 or NPY bytes.

JSON keeps OpenMSI's shapes (nested lists; NaN and infinities become
``null`` so every browser parses it). PNG renders an image min-max scaled to
8 bits, greyscale or through a colormap; three-channel stacks become RGB,
other stacks are max-projected so one image always comes back, and a 1D
result is drawn as a line plot. HDF5 holds one dataset per result key; NPY
is the array in NumPy's own file format.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np
from PIL import Image, ImageDraw

from voxhub.openmsi.errors import UnsupportedFormat

FORMATS = ("JSON", "PNG", "HDF5", "NPY")
MEDIA_TYPES = {
    "JSON": "application/json",
    "PNG": "image/png",
    "HDF5": "application/x-hdf5",
    "NPY": "application/x-npy",
}
SUFFIXES = {"JSON": "json", "PNG": "png", "HDF5": "h5", "NPY": "npy"}
# Colormaps as control points (position 0..1, then R, G, B in 0..255).
COLORMAPS: dict[str, list[tuple[float, int, int, int]]] = {
    "gray": [(0.0, 0, 0, 0), (1.0, 255, 255, 255)],
    "hot": [(0.0, 0, 0, 0), (0.4, 230, 0, 0), (0.8, 255, 210, 0), (1.0, 255, 255, 255)],
    "viridis": [
        (0.0, 68, 1, 84),
        (0.25, 59, 82, 139),
        (0.5, 33, 145, 140),
        (0.75, 94, 201, 98),
        (1.0, 253, 231, 37),
    ],
    "jet": [
        (0.0, 0, 0, 128),
        (0.125, 0, 0, 255),
        (0.375, 0, 255, 255),
        (0.625, 255, 255, 0),
        (0.875, 255, 0, 0),
        (1.0, 128, 0, 0),
    ],
}


@dataclass(frozen=True)
class Encoded:
    body: bytes
    media_type: str
    filename: str


def parse_format(value: str | None) -> str:
    """``format`` (default JSON), case-insensitive."""
    if value is None or not value.strip():
        return "JSON"
    fmt = value.strip().upper()
    if fmt not in FORMATS:
        raise UnsupportedFormat(f"format: expected one of {', '.join(FORMATS)}, got {value!r}")
    return fmt


def check_colormap(name: str | None) -> str:
    name = (name or "gray").lower()
    if name not in COLORMAPS:
        raise UnsupportedFormat(f"colormap: expected one of {', '.join(COLORMAPS)}, got {name!r}")
    return name


def rounded(data: Any, precision: int | None) -> Any:
    """``data`` rounded to ``precision`` decimals (``None`` or negative: unchanged)."""
    if precision is None or precision < 0:
        return data
    if isinstance(data, Mapping):
        return {k: rounded(v, precision) for k, v in data.items()}
    if isinstance(data, np.ndarray) and data.dtype.kind in "fc":
        return np.around(data, precision)
    return data


def _no_complex(fmt: str) -> UnsupportedFormat:
    return UnsupportedFormat(
        f"format: {fmt} cannot hold complex numbers; ask for NPY or HDF5, or add a step "
        'such as {"transformation": "singleDataTransform", "operation": "abs"}'
    )


def plain(value: Any) -> Any:
    """JSON-ready Python values: arrays as nested lists, non-finite floats as None.

    Complex numbers have no JSON form: they raise ``UnsupportedFormat``.
    """
    if isinstance(value, complex | np.complexfloating) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "c"
    ):
        raise _no_complex("JSON")
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            finite = np.isfinite(value)
            value = value.astype(object)
            value[~finite] = None
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def json_bytes(value: Any) -> bytes:
    return json.dumps(plain(value), separators=(",", ":")).encode()


def _stretch(values: np.ndarray) -> np.ndarray:
    """Min-max to 0..1 over the finite values; constant or empty images become 0."""
    data = values.astype(np.float64)
    finite = np.isfinite(data)
    if not finite.any():
        return np.zeros(data.shape)
    low, high = data[finite].min(), data[finite].max()
    scale = high - low if high > low else 1.0
    return np.where(finite, (data - low) / scale, 0.0)


def _apply_colormap(unit: np.ndarray, name: str) -> np.ndarray:
    points = np.asarray(COLORMAPS[name], dtype=np.float64)
    channels = [np.interp(unit, points[:, 0], points[:, c]) for c in (1, 2, 3)]
    return np.stack(channels, axis=-1).round().astype(np.uint8)


def _plot(values: np.ndarray, width: int = 800, height: int = 300) -> Image.Image:
    """A spectrum as a black line on white, with a baseline."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    margin = 10
    unit = _stretch(values)
    xs = np.linspace(margin, width - margin, max(len(unit), 2))
    ys = height - margin - unit * (height - 2 * margin)
    draw.line([(margin, height - margin), (width - margin, height - margin)], fill="gray")
    if len(unit) == 1:
        ys = np.repeat(ys, 2)
    draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill="black", width=1)
    return image


def png_bytes(data: np.ndarray, colormap: str | None = None) -> bytes:
    """One PNG of ``data``: 2D image, RGB for (y, x, 3), max-projected stack, or 1D plot."""
    values = np.asarray(data)
    if values.dtype.kind == "c":
        raise _no_complex("PNG")
    if values.ndim == 3 and values.shape[2] == 3:
        rgb = np.stack([_stretch(values[..., c]) for c in range(3)], axis=-1)
        image = Image.fromarray((rgb * 255).round().astype(np.uint8))
    elif values.ndim in (2, 3):
        plane = values.max(axis=2) if values.ndim == 3 else values
        unit = _stretch(plane)
        name = check_colormap(colormap)
        if name == "gray":
            image = Image.fromarray((unit * 255).round().astype(np.uint8))
        else:
            image = Image.fromarray(_apply_colormap(unit, name))
    elif values.ndim == 1:
        image = _plot(values)
    else:
        raise UnsupportedFormat(f"format: PNG cannot show a result of shape {values.shape}")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def hdf5_bytes(values: Mapping[str, Any]) -> bytes:
    """An HDF5 file with one dataset per key (strings as attributes of the root)."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for key, value in values.items():
            if value is None:
                continue
            if isinstance(value, str):
                f.attrs[key] = value
                continue
            array = np.asarray(value)
            if array.dtype == object:  # ragged lists (per-spectrum peaks)
                group = f.create_group(key)
                for i, item in enumerate(value):
                    group.create_dataset(str(i), data=np.asarray(item, dtype=np.float64))
                continue
            f.create_dataset(key, data=array)
    return buffer.getvalue()


def npy_bytes(values: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(values), allow_pickle=False)
    return buffer.getvalue()


def encode(
    result: Mapping[str, Any] | np.ndarray,
    fmt: str,
    *,
    name: str,
    primary: str = "data",
    colormap: str | None = None,
) -> Encoded:
    """Bytes of ``result`` in ``fmt``; mappings show their ``primary`` key as PNG or NPY."""
    filename = f"{name}.{SUFFIXES[fmt]}"
    if fmt == "JSON":
        return Encoded(json_bytes(result), MEDIA_TYPES[fmt], filename)
    mapping = result if isinstance(result, Mapping) else {primary: result}
    if fmt == "HDF5":
        return Encoded(hdf5_bytes(mapping), MEDIA_TYPES[fmt], filename)
    extra = sorted(k for k, v in mapping.items() if k != primary and isinstance(v, list))
    if fmt == "NPY" and extra:
        raise UnsupportedFormat(
            f"format: NPY holds one array; {', '.join(extra)} need JSON or HDF5"
        )
    array = np.asarray(mapping[primary])
    if fmt == "NPY":
        return Encoded(npy_bytes(array), MEDIA_TYPES[fmt], filename)
    return Encoded(png_bytes(array, colormap), MEDIA_TYPES[fmt], filename)


__all__ = [
    "COLORMAPS",
    "FORMATS",
    "Encoded",
    "check_colormap",
    "encode",
    "json_bytes",
    "parse_format",
    "plain",
    "png_bytes",
    "rounded",
]
