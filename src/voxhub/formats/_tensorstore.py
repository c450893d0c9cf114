"""Volumes read through tensorstore: N5 and Neuroglancer precomputed (local folders).

tensorstore names each dimension (precomputed: x, y, z, channel; N5 when its
``axes`` attribute says so) and carries the voxel size as dimension units
(precomputed ``resolution``, N5 ``resolution`` + ``units``). A volume is read
in z bands over a box of its domain, whose origin may be non-zero
(precomputed ``voxel_offset``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voxhub.errors import UnreadableInput
from voxhub.formats.source import VolumeSource

if TYPE_CHECKING:
    from tensorstore import TensorStore

UNITS = {"nm": "nanometer", "um": "micrometer", "µm": "micrometer", "mm": "millimeter",
         "m": "meter", "Å": "angstrom", "pm": "picometer"}  # fmt: skip
CHANNEL_NAMES = ("c", "channel", "channels")


def open_store(spec: dict[str, Any], path: Path) -> TensorStore:
    """A tensorstore opened read-only; its errors name ``path``."""
    import tensorstore as ts

    try:
        return ts.open(spec, read=True).result()
    except (ValueError, RuntimeError, OSError) as exc:
        raise UnreadableInput(f"{path}: not readable ({exc})") from None


def axis_names(store: TensorStore, default: tuple[str, ...] = ("x", "y", "z", "c")) -> list[str]:
    """``x``/``y``/``z``/``c`` per dimension: the store's labels, else ``default`` by rank."""
    labels = [str(label).lower() for label in store.domain.labels]
    if all(labels):
        return ["c" if name in CHANNEL_NAMES else name for name in labels]
    if store.rank > len(default):
        raise UnreadableInput(f"a {store.rank}-dimensional volume without axis names")
    return list(default[: store.rank])


def voxel_size(
    store: TensorStore, names: list[str]
) -> tuple[tuple[float, float, float], str] | None:
    """(x, y, z) sizes and their unit from the store's dimension units, if it has them."""
    units = dict(zip(names, store.schema.dimension_units or [None] * store.rank, strict=True))
    x, y, z = (units.get(axis) for axis in "xyz")
    if x is None or y is None:
        return None
    z = z if z is not None else x
    unit = UNITS.get(x.base_unit, x.base_unit or "nanometer")
    return (float(x.multiplier), float(y.multiplier), float(z.multiplier)), unit


def volume(
    path: Path,
    store: TensorStore,
    names: list[str],
    offset_xyz: tuple[int, int, int] | None = None,
    size_xyz: tuple[int, int, int] | None = None,
) -> VolumeSource:
    """``store`` as a (c, z, y, x) volume over ``offset_xyz`` + ``size_xyz`` (default: all)."""
    if any(axis not in names for axis in "xyz") or set(names) - {"c", "x", "y", "z"}:
        raise UnreadableInput(f"{path}: axes {names} are not x, y, z and channels")
    lows = dict(zip(names, store.domain.inclusive_min, strict=True))
    highs = dict(zip(names, store.domain.exclusive_max, strict=True))
    offset = offset_xyz or tuple(int(lows[a]) for a in "xyz")
    size = size_xyz or tuple(int(highs[a]) - int(lows[a]) for a in "xyz")
    channels = int(highs["c"] - lows["c"]) if "c" in names else 1
    x, y, z = size
    order = [*(["c"] if "c" in names else []), "z", "y", "x"]
    dtype = np.dtype(store.dtype.numpy_dtype)

    def read_band(z0: int, z1: int) -> np.ndarray:
        out = np.zeros((channels, z1 - z0, y, x), dtype)
        start = {"x": offset[0], "y": offset[1], "z": offset[2] + z0}
        stop = {"x": offset[0] + x, "y": offset[1] + y, "z": offset[2] + z1}
        # Clipped to the domain: a box reaching past the data reads zero there.
        lo = {a: max(start[a], int(lows[a])) for a in "xyz"}
        hi = {a: min(stop[a], int(highs[a])) for a in "xyz"}
        if any(hi[a] <= lo[a] for a in "xyz"):
            return out
        index = tuple(slice(None) if n == "c" else slice(lo[n], hi[n]) for n in names)
        try:
            block = np.asarray(store[index].read().result())
        except (ValueError, RuntimeError, OSError) as exc:
            raise UnreadableInput(f"{path}: cannot read z {z0}-{z1 - 1} ({exc})") from None
        block = block.transpose([names.index(a) for a in order])
        if "c" not in names:
            block = block[None]
        target = tuple(slice(lo[a] - start[a], hi[a] - start[a]) for a in "zyx")
        out[(slice(None), *target)] = block
        return out

    return VolumeSource(path, (channels, z, y, x), dtype, read_band)
