"""MSI cubes as voxhub layers: one OME-Zarr group holding the same data in two chunk layouts.

OpenMSI addresses a cube as ``(row, col, mz)``; a voxhub layer array is
``(c, z, y, x)``. An MSI layer maps **row → y, col → x, m/z → z**::

    cube[r, k, m] == array[0, m, r, k]

so images (fixed m/z) look as they do in every other voxhub view. The NGFF
axes are ``c`` (channel), ``mz`` (a custom axis type, allowed once by NGFF),
``y`` and ``x`` (space). The group holds:

* ``1``       the multiscale's only level, chunked for images (``image_chunk``:
              a few dozen m/z values by tile × tile pixels);
* ``spectra`` the same values chunked for spectra (``spectrum_chunk``: a long
              run of m/z values by a few pixels), listed as a replica;
* ``mz``      the axis values (float64), one per z position;
* attribute ``voxhub.msi``: axis label, replica names, instrument, sample and
  method metadata and where the data came from.

Readers pick the replica that touches fewer bytes (``voxhub.arrays.msi.cube``).
Analysis outputs with three axes are stored the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.codecs import BloscCodec, BloscShuffle
from zarr.storage import StorePath

from voxhub.arrays.errors import BadMetadata
from voxhub.arrays.mag import Mag
from voxhub.arrays.ngff import Axis, Multiscale, ScaleLevel, ZarrFormat, format_for_zarr
from voxhub.arrays.progress import ProgressFn
from voxhub.arrays.pyramid import WrittenLayer
from voxhub.errors import InvalidInput

LEVEL = "1"
SPECTRA = "spectra"
AXIS_ARRAY = "mz"
ATTRIBUTE = "voxhub"


@dataclass(frozen=True)
class MsiLayout:
    """Chunk shapes of the two replicas, as (mz, rows, cols)."""

    image_chunk: tuple[int, int, int] = (64, 128, 128)
    # 2 x 2 pixels rather than OpenMSI's 4 x 4: a 5 x 5 block of spectra then decodes 36
    # pixels' worth instead of 64, a single spectrum 4 instead of 16 (measured in
    # benchmarks/bench_openmsi.py); 8192 values keep chunks at 64 KiB for uint16.
    spectrum_chunk: tuple[int, int, int] = (8192, 2, 2)
    zarr_format: ZarrFormat = 3
    # How much one write step holds in memory (it is rounded up to whole chunks).
    block_bytes: int = 128 * 1024 * 1024

    def __post_init__(self) -> None:
        for chunk in (self.image_chunk, self.spectrum_chunk):
            if len(chunk) != 3 or min(chunk) < 1:
                raise InvalidInput(f"MSI chunk shapes need three positive sizes, got {chunk}")


@dataclass(frozen=True)
class MsiMetadata:
    """What travels with an MSI cube besides its values."""

    axis_label: str = "m/z"
    instrument: Mapping[str, Any] = field(default_factory=dict)
    sample: Mapping[str, Any] = field(default_factory=dict)
    method: Mapping[str, Any] = field(default_factory=dict)
    experiment: str | None = None
    source: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self, replicas: Sequence[str]) -> dict[str, Any]:
        return {
            "axis": AXIS_ARRAY,
            "axis_label": self.axis_label,
            "replicas": list(replicas),
            "instrument": dict(self.instrument),
            "sample": dict(self.sample),
            "method": dict(self.method),
            "experiment": self.experiment,
            "source": dict(self.source),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MsiMetadata:
        return cls(
            axis_label=str(data.get("axis_label", "m/z")),
            instrument=dict(data.get("instrument") or {}),
            sample=dict(data.get("sample") or {}),
            method=dict(data.get("method") or {}),
            experiment=data.get("experiment"),
            source=dict(data.get("source") or {}),
        )


def _codec(zarr_format: int) -> Any:
    # lz4 decodes about twice as fast as zstd; OpenMSI reads are latency-bound.
    if zarr_format == 3:
        return BloscCodec(cname="lz4", clevel=5, shuffle=BloscShuffle.shuffle)
    from numcodecs import Blosc

    return Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE)


def _create(
    group: zarr.Group,
    name: str,
    shape: tuple[int, ...],
    chunks: tuple[int, ...],
    dtype: np.dtype,
    zarr_format: ZarrFormat,
) -> zarr.Array[Any]:
    kwargs: dict[str, Any] = {"compressors": [_codec(zarr_format)]}
    if zarr_format == 3:
        kwargs["dimension_names"] = ("c", "mz", "y", "x")
    else:
        kwargs["chunk_key_encoding"] = {"name": "v2", "separator": "/"}
    return group.create_array(name, shape=shape, chunks=chunks, dtype=dtype, fill_value=0, **kwargs)


def msi_multiscale(name: str, voxel_size_xy: Sequence[float], unit: str) -> Multiscale:
    """One level; scale 1 along ``c`` and ``mz``, the pixel size along ``y`` and ``x``."""
    axes = (
        Axis("c", "channel"),
        Axis("mz", "mass-to-charge"),
        Axis("y", "space", unit),
        Axis("x", "space", unit),
    )
    vx, vy = voxel_size_xy
    return Multiscale(axes, (ScaleLevel(LEVEL, (1.0, 1.0, float(vy), float(vx))),), name)


def _block_steps(
    shape_rcm: tuple[int, int, int], layout: MsiLayout, itemsize: int
) -> tuple[int, int, int]:
    """Write-step extents (rows, cols, mz), whole chunks of both replicas where memory allows.

    When one such step would exceed ``block_bytes`` (wide float cubes), rows and
    columns shrink to multiples of the spectrum chunk: image chunks are then
    written in parts (zarr reads, merges and rewrites them), one step at a time.
    """
    rows, cols, nmz = shape_rcm
    image, spectra = layout.image_chunk, layout.spectrum_chunk
    step_r = min(math.lcm(image[1], spectra[1]), rows)
    step_c = min(math.lcm(image[2], spectra[2]), cols)
    unit_m = min(math.lcm(image[0], spectra[0]), nmz)
    while step_r * step_c * unit_m * itemsize > layout.block_bytes:
        if step_r >= step_c and step_r > spectra[1]:
            step_r = max(spectra[1], step_r // 2 // spectra[1] * spectra[1])
        elif step_c > spectra[2]:
            step_c = max(spectra[2], step_c // 2 // spectra[2] * spectra[2])
        else:
            break
    fitting = layout.block_bytes // max(1, step_r * step_c * itemsize * unit_m)
    return step_r, step_c, min(nmz, unit_m * max(1, fitting))


def _clamp(chunk: tuple[int, int, int], shape_mrc: tuple[int, int, int]) -> tuple[int, ...]:
    return (1, *(max(1, min(c, s)) for c, s in zip(chunk, shape_mrc, strict=True)))


def write_msi_cube(
    path: Path,
    cube: Any,
    axis: np.ndarray,
    *,
    name: str,
    metadata: MsiMetadata = MsiMetadata(),
    layout: MsiLayout = MsiLayout(),
    voxel_size: Sequence[float] = (1.0, 1.0, 1.0),
    unit: str = "micrometer",
    progress: ProgressFn | None = None,
) -> WrittenLayer:
    """Write ``cube`` (rows, cols, mz; anything sliceable) as an MSI layer group at ``path``."""
    shape = tuple(int(n) for n in cube.shape)
    if len(shape) != 3 or min(shape) < 1:
        raise InvalidInput(f"{name}: expected a non-empty (row, col, mz) cube, got {shape}")
    axis = np.asarray(axis, dtype=np.float64).reshape(-1)
    if axis.size != shape[2]:
        raise InvalidInput(f"{name}: the axis has {axis.size} values, the cube {shape[2]}")
    dtype = np.dtype(cube.dtype)
    rows, cols, nmz = shape
    array_shape = (1, nmz, rows, cols)
    group = zarr.open_group(store=str(path), mode="w", zarr_format=layout.zarr_format)
    fmt = format_for_zarr(layout.zarr_format)
    attrs = fmt.write(msi_multiscale(name, voxel_size[:2], unit))
    attrs[ATTRIBUTE] = {"msi": metadata.to_json([LEVEL, SPECTRA])}
    group.attrs.update(attrs)
    targets = [
        _create(
            group, replica, array_shape, _clamp(chunk, (nmz, rows, cols)), dtype, layout.zarr_format
        )
        for replica, chunk in ((LEVEL, layout.image_chunk), (SPECTRA, layout.spectrum_chunk))
    ]
    mz = group.create_array(AXIS_ARRAY, shape=(nmz,), chunks=(nmz,), dtype=np.float64)
    mz[:] = axis
    step_r, step_c, step_m = _block_steps((rows, cols, nmz), layout, dtype.itemsize)
    starts = [
        (r, c, m)
        for r in range(0, rows, step_r)
        for c in range(0, cols, step_c)
        for m in range(0, nmz, step_m)
    ]
    peak: float = 0
    for done, (r, c, m) in enumerate(starts):
        block = np.asarray(cube[r : r + step_r, c : c + step_c, m : m + step_m], dtype=dtype)
        if block.size:
            peak = max(peak, block.max().item())
        values = np.ascontiguousarray(np.moveaxis(block, 2, 0))[None]
        region = (slice(0, 1), slice(m, m + step_m), slice(r, r + step_r), slice(c, c + step_c))
        for target in targets:
            target[region] = values
        if progress is not None:
            progress(done + 1, len(starts))
    return WrittenLayer(name, str(dtype), 1, (cols, rows, nmz), (Mag(1, 1, 1),), peak)


@dataclass(frozen=True)
class MsiStore:
    """An opened MSI layer group: its replicas (c, z, y, x), axis values and metadata."""

    replicas: tuple[zarr.Array[Any], ...]
    axis: np.ndarray
    metadata: MsiMetadata

    @property
    def shape(self) -> tuple[int, int, int]:
        """The cube's (rows, cols, mz) shape."""
        _c, nmz, rows, cols = self.replicas[0].shape
        return (rows, cols, nmz)


def is_msi_group(attrs: Mapping[str, Any]) -> bool:
    value = attrs.get(ATTRIBUTE)
    return isinstance(value, Mapping) and isinstance(value.get("msi"), Mapping)


def open_msi_store(path: Path | str | StorePath) -> MsiStore:
    """Open a group written by ``write_msi_cube``: a folder, or a key in any zarr store."""
    try:
        group = zarr.open_group(store=path if isinstance(path, StorePath) else str(path), mode="r")
    except (FileNotFoundError, zarr.errors.GroupNotFoundError, ValueError) as exc:
        raise BadMetadata(f"{path}: not a Zarr group ({exc})") from None
    attrs: dict[str, Any] = dict(group.attrs)
    if not is_msi_group(attrs):
        raise BadMetadata(f"{path}: not an MSI layer (no {ATTRIBUTE}.msi attribute)")
    info = attrs[ATTRIBUTE]["msi"]
    try:
        replicas = tuple(_member(group, name) for name in info.get("replicas", [LEVEL]))
        axis = np.asarray(_member(group, info.get("axis", AXIS_ARRAY))[:], dtype=np.float64)
    except KeyError as exc:
        raise BadMetadata(f"{path}: MSI layer is missing {exc}") from None
    shapes = {tuple(r.shape) for r in replicas}
    if len(shapes) != 1 or any(len(s) != 4 for s in shapes) or axis.size != replicas[0].shape[1]:
        raise BadMetadata(f"{path}: MSI replicas and axis do not agree ({shapes}, {axis.size})")
    return MsiStore(replicas, axis, MsiMetadata.from_json(info))


def _member(group: zarr.Group, name: str) -> zarr.Array[Any]:
    member = group[name]
    if not isinstance(member, zarr.Array):
        raise BadMetadata(f"{group.store}: {name} is a group, not an array")
    return member


__all__ = [
    "LEVEL",
    "SPECTRA",
    "MsiLayout",
    "MsiMetadata",
    "MsiStore",
    "is_msi_group",
    "msi_multiscale",
    "open_msi_store",
    "write_msi_cube",
]
