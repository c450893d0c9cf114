"""One layer on disk: an OME-Zarr multiscale group whose levels are named by mag."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.codecs import BloscCodec

from voxhub.arrays.errors import BadMetadata, MagNotFound
from voxhub.arrays.mag import Mag, shape_at
from voxhub.arrays.ngff import (
    Multiscale,
    ZarrFormat,
    detect_format,
    format_for_zarr,
    volume_multiscale,
)


@dataclass(frozen=True)
class LayerLayout:
    """How a new layer is chunked and encoded."""

    chunk_zyx: tuple[int, int, int] = (64, 64, 64)
    shard_zyx: tuple[int, int, int] | None = None
    zarr_format: ZarrFormat = 3

    @property
    def write_unit_zyx(self) -> tuple[int, int, int]:
        """The region one writer must own: a shard when sharded, else a chunk."""
        return self.shard_zyx or self.chunk_zyx


def _compressor(zarr_format: int) -> Any:
    """Blosc-zstd with the shuffle chosen per dtype (bit-shuffle for bytes): measured
    3x faster to write than byte-shuffle on uint8 volumes, and every reader decodes it."""
    if zarr_format == 3:
        return BloscCodec(cname="zstd", clevel=3)
    from numcodecs import Blosc

    return Blosc(cname="zstd", clevel=3, shuffle=Blosc.AUTOSHUFFLE)


def create_layer(
    path: Path,
    *,
    name: str,
    dtype: np.dtype | str,
    channels: int,
    shape_xyz: Sequence[int],
    mags: Sequence[Mag],
    voxel_size: Sequence[float],
    unit: str,
    layout: LayerLayout,
) -> zarr.Group:
    """Create the group, its NGFF metadata and one empty array per mag."""
    fmt = format_for_zarr(layout.zarr_format)
    # Canonical by its string: TIFF readers give uint64 as C's unsigned long long ('Q'),
    # a dtype zarr-python does not recognise although it is the same eight bytes.
    dtype = np.dtype(np.dtype(dtype).str)
    omero = None
    if np.issubdtype(dtype, np.integer) and channels == 1:
        info = np.iinfo(dtype)
        window = {"start": 0, "end": int(info.max), "min": int(info.min), "max": int(info.max)}
        omero = {"channels": [{"window": window, "color": "FFFFFF", "active": True}]}
    multiscale = volume_multiscale(
        name,
        [m.to_layer_name() for m in mags],
        [m.to_list() for m in mags],
        voxel_size,
        unit,
        omero,
    )
    group = zarr.open_group(store=str(path), mode="w", zarr_format=layout.zarr_format)
    group.attrs.update(fmt.write(multiscale))
    for mag in mags:
        sx, sy, sz = shape_at(shape_xyz, mag)
        shape = (channels, sz, sy, sx)
        chunks = (1, *(min(c, s) for c, s in zip(layout.chunk_zyx, shape[1:], strict=True)))
        kwargs: dict[str, Any] = {}
        if layout.zarr_format == 3:
            kwargs["dimension_names"] = ("c", "z", "y", "x")
            if layout.shard_zyx:
                shard = (
                    1,
                    *(
                        max(c, min(s, n))
                        for s, c, n in zip(layout.shard_zyx, chunks[1:], shape[1:], strict=True)
                    ),
                )
                shard = tuple(-(-s // c) * c for s, c in zip(shard, chunks, strict=True))
                kwargs["shards"] = shard
            kwargs["compressors"] = [_compressor(3)]
        else:
            kwargs["chunk_key_encoding"] = {"name": "v2", "separator": "/"}
            kwargs["compressors"] = [_compressor(2)]
        group.create_array(
            mag.to_layer_name(), shape=shape, chunks=chunks, dtype=dtype, fill_value=0, **kwargs
        )
    return group


@dataclass
class OpenLayer:
    """A layer opened for reading: its metadata and one zarr array per mag."""

    path: Path | str
    multiscale: Multiscale
    ngff_version: str
    levels: dict[Mag, zarr.Array[Any]]

    def array(self, mag: Mag | str) -> zarr.Array[Any]:
        key = Mag.parse(mag) if not isinstance(mag, Mag) else mag
        try:
            return self.levels[key]
        except KeyError:
            known = ", ".join(m.to_layer_name() for m in self.levels)
            raise MagNotFound(f"mag {key} does not exist (available: {known})") from None

    @property
    def finest(self) -> zarr.Array[Any]:
        return self.levels[min(self.levels, key=lambda m: m.x * m.y * m.z)]


def _mag_of_level(scale: Sequence[float], base: Sequence[float], names: list[str]) -> Mag:
    """The mag of a level from its scale ratio to level 0, as the nearest power of two.

    Level names are not trusted: ome-zarr-py names levels ``0, 1, 2`` and may
    scale by factors that are not powers of two.
    """
    factors = []
    for axis in ("x", "y", "z"):
        ratio = 1.0
        if axis in names:
            i = names.index(axis)
            ratio = scale[i] / base[i] if base[i] else 1.0
        factors.append(2 ** max(0, round(math.log2(ratio))) if ratio > 0 else 1)
    return Mag(*factors)


def open_layer(path: Path | str | zarr.storage.StoreLike) -> OpenLayer:
    """Open an OME-Zarr multiscale group (NGFF 0.4 or 0.5) for reading."""
    try:
        group = zarr.open_group(store=str(path) if isinstance(path, Path) else path, mode="r")
    except (FileNotFoundError, zarr.errors.GroupNotFoundError, ValueError) as exc:
        raise BadMetadata(f"{path}: not a Zarr group ({exc})") from None
    attrs = dict(group.attrs)
    fmt = detect_format(attrs)
    multiscale = fmt.read(attrs)
    levels: dict[Mag, zarr.Array[Any]] = {}
    base = multiscale.datasets[0].scale
    for level in multiscale.datasets:
        try:
            array = group[level.path]
        except KeyError:
            raise BadMetadata(f"{path}: level {level.path!r} is listed but missing") from None
        except ValueError:  # zarr refuses '..' and '.' segments: a path out of the group
            raise BadMetadata(f"{path}: level path {level.path!r} leaves the group") from None
        mag = _mag_of_level(level.scale, base, multiscale.axis_names)
        levels.setdefault(mag, array)  # type: ignore[arg-type]  # finer level wins a tie
    return OpenLayer(
        path if isinstance(path, (Path, str)) else str(path), multiscale, fmt.version, levels
    )
