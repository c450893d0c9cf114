"""Looking at a remote source and proposing its ``datasource-properties.json``.

WEBKNOSSOS's "add remote dataset" in voxhub's words: given the URL of an
OME-Zarr image (NGFF 0.4 on Zarr v2, NGFF 0.5 on Zarr v3, with its labels),
a bare Zarr v2/v3 array, an N5 dataset or multiscale group, or a Neuroglancer
precomputed volume, read only its metadata documents and answer the layers
(voxel size, bounding box, element class, mags whose paths are the levels'
URLs, axis order) plus warnings about what could not be carried over. The
user reviews the proposal before registering it; nothing is copied.

Every document is fetched through ``GuardedFetcher`` (the SSRF guard).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voxhub.arrays.precomputed import PrecomputedInfo
from voxhub.errors import InvalidInput
from voxhub.formats.properties import DatasourceProperties
from voxhub.storage.fetch import GuardedFetcher, RemoteRefused

# Units NGFF names, to nanometres (WEBKNOSSOS's voxel size unit).
TO_NANOMETER = {
    "nanometer": 1.0, "micrometer": 1e3, "millimeter": 1e6, "angstrom": 0.1,
    "picometer": 1e-3, "meter": 1e9, "centimeter": 1e7,
}  # fmt: skip


class NothingFound(InvalidInput):
    code = "remote_not_recognised"


class CredentialsRefused(InvalidInput):
    """The source refused the credentials of an explore or a registration (401, or 403
    where a document had to be): a 4xx naming them, not "nothing there" (the credentials
    are the request's: a registered layer's refusal is ``RemoteRefused``, 502)."""

    code = "remote_credentials_refused"


def not_found(fetcher: GuardedFetcher, message: str, document: str | None = None) -> InvalidInput:
    """``NothingFound(message)``, or ``CredentialsRefused`` when the source answered 403 for
    ``document`` (any document when None) although credentials were sent. S3 answers 403
    for keys that do not exist when the credentials may not list the bucket, so a probe's
    403 is only taken for a refusal once nothing else was found."""
    refused = fetcher.refused if document is None else fetcher.refused & {document}
    if not refused:
        return NothingFound(message)
    return CredentialsRefused(
        f"{message}: the source refused the credentials given (403 for {min(refused)}); "
        "check them (S3 also answers 403 for objects that do not exist when the credentials "
        "may not list the bucket)"
    )


@dataclass
class Level:
    url: str
    shape: tuple[int, ...]
    scale: tuple[float, ...]  # per axis, in the source's unit


@dataclass
class Found:
    """One layer as the source describes it, before it becomes a properties layer."""

    name: str
    data_format: str
    dtype: str
    axes: list[str]  # e.g. ["c", "z", "y", "x"]
    levels: list[Level]
    unit: str = "nanometer"
    segmentation: bool = False


@dataclass
class Exploration:
    properties: DatasourceProperties
    warnings: list[str] = field(default_factory=list)


async def _json(fetcher: GuardedFetcher, url: str) -> dict[str, Any] | None:
    body = await fetcher.get(url)
    if body is None:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _element_class(dtype: str) -> str:
    name = np.dtype(dtype).name
    return {"float32": "float", "float64": "double"}.get(name, name)


def _zarr_v3_dtype(meta: dict[str, Any]) -> str:
    dtype = meta.get("data_type")
    if isinstance(dtype, dict):  # zarr's extension form {"name": …}
        dtype = dtype.get("name")
    return str(dtype)


async def _ngff_levels(
    fetcher: GuardedFetcher, base: str, attrs: dict[str, Any], v3: bool, warnings: list[str]
) -> tuple[list[Level], list[str], str, str]:
    multiscale = attrs["multiscales"][0]
    axes_meta = multiscale.get("axes") or [{"name": n} for n in ("t", "c", "z", "y", "x")]
    axes = [a["name"] if isinstance(a, dict) else str(a) for a in axes_meta]
    units = {a.get("unit") for a in axes_meta if isinstance(a, dict) and a.get("type") == "space"}
    unit = next((u for u in units if u), "nanometer")
    if len(units - {None}) > 1:
        warnings.append(f"{base}: spatial axes have different units; using {unit}")
    levels, dtype = [], "uint8"
    for dataset in multiscale["datasets"]:
        url = f"{base}/{dataset['path']}"
        meta = await _json(fetcher, f"{url}/zarr.json" if v3 else f"{url}/.zarray")
        if meta is None:
            document = f"{url}/zarr.json" if v3 else f"{url}/.zarray"
            raise not_found(fetcher, f"{url}: the level named by the multiscales is missing",
                            document)  # fmt: skip
        dtype = _zarr_v3_dtype(meta) if v3 else str(meta["dtype"])
        scale = [1.0] * len(axes)
        for transform in dataset.get("coordinateTransformations", []):
            if transform.get("type") == "scale":
                scale = [float(s) for s in transform["scale"]]
        levels.append(Level(url, tuple(int(s) for s in meta["shape"]), tuple(scale)))
    return levels, axes, dtype, unit


async def _zarr(fetcher: GuardedFetcher, url: str, warnings: list[str]) -> list[Found]:
    name = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".zarr").removesuffix(".ome") or "color"
    v3 = await _json(fetcher, f"{url}/zarr.json")
    if v3 is not None:
        attrs = v3.get("attributes") or {}
        ome = attrs.get("ome") or {}
        if v3.get("node_type") == "array":
            axes = list(v3.get("dimension_names") or _default_axes(len(v3["shape"])))
            level = Level(url, tuple(v3["shape"]), (1.0,) * len(axes))
            return [Found(name, "zarr3", _zarr_v3_dtype(v3), axes, [level])]
        if "multiscales" in ome:
            levels, axes, dtype, unit = await _ngff_levels(fetcher, url, ome, True, warnings)
            found = [Found(name, "zarr3", dtype, axes, levels, unit)]
            return found + await _labels(fetcher, url, True, warnings)
        return []
    attrs = await _json(fetcher, f"{url}/.zattrs") or {}
    if "multiscales" in attrs:
        levels, axes, dtype, unit = await _ngff_levels(fetcher, url, attrs, False, warnings)
        return [Found(name, "zarr", dtype, axes, levels, unit)] + await _labels(
            fetcher, url, False, warnings
        )
    array = await _json(fetcher, f"{url}/.zarray")
    if array is not None:
        axes = list(attrs.get("_ARRAY_DIMENSIONS") or _default_axes(len(array["shape"])))
        level = Level(url, tuple(array["shape"]), (1.0,) * len(axes))
        return [Found(name, "zarr", str(array["dtype"]), axes, [level])]
    return []


async def _labels(fetcher: GuardedFetcher, url: str, v3: bool, warnings: list[str]) -> list[Found]:
    base = f"{url}/labels"
    document = await _json(fetcher, f"{base}/zarr.json" if v3 else f"{base}/.zattrs")
    if document is None:
        return []
    attrs = (document.get("attributes") or {}).get("ome", {}) if v3 else document
    found = []
    for label in attrs.get("labels", []):
        label_url = f"{base}/{label}"
        meta = await _json(fetcher, f"{label_url}/zarr.json" if v3 else f"{label_url}/.zattrs")
        if meta is None:
            warnings.append(f"label image {label!r} is listed but missing")
            continue
        label_attrs = (meta.get("attributes") or {}).get("ome", {}) if v3 else meta
        if "multiscales" not in label_attrs:
            continue
        levels, axes, dtype, unit = await _ngff_levels(
            fetcher, label_url, label_attrs, v3, warnings
        )
        fmt = "zarr3" if v3 else "zarr"
        found.append(Found(str(label), fmt, dtype, axes, levels, unit, segmentation=True))
    return found


N5_TYPES = {"uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
            "float32", "float64"}  # fmt: skip


async def _n5(fetcher: GuardedFetcher, url: str, warnings: list[str]) -> list[Found]:
    attrs = await _json(fetcher, f"{url}/attributes.json")
    if attrs is None:
        return []
    name = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".n5") or "color"
    # N5 lists dimensions fastest-first (x, y, z); voxhub's axes are slowest-first.
    if "dimensions" in attrs and "dataType" in attrs:
        axes = ["z", "y", "x"][-len(attrs["dimensions"]) :] if len(attrs["dimensions"]) <= 3 else []
        if not axes:
            raise NothingFound(f"{url}: N5 arrays of {len(attrs['dimensions'])} dimensions")
        resolution = attrs.get("resolution") or attrs.get("pixelResolution", {}).get("dimensions")
        scale = tuple(reversed([float(r) for r in resolution])) if resolution else (1.0,) * 3
        shape = tuple(reversed([int(d) for d in attrs["dimensions"]]))
        return [Found(name, "n5", attrs["dataType"], axes, [Level(url, shape, scale)])]
    levels = []
    resolution = attrs.get("resolution")
    base_scale = [float(r) for r in resolution] if resolution else [1.0, 1.0, 1.0]
    factors = attrs.get("scales") or attrs.get("downsamplingFactors")
    dtype = "uint8"
    for index in range(64):
        level_url = f"{url}/s{index}"
        meta = await _json(fetcher, f"{level_url}/attributes.json")
        if meta is None:
            break
        dtype = meta.get("dataType", dtype)
        factor = meta.get("downsamplingFactors") or (
            factors[index] if factors and index < len(factors) else [2**index] * 3
        )
        scale = tuple(reversed([b * f for b, f in zip(base_scale, factor, strict=False)]))
        shape = tuple(reversed([int(d) for d in meta["dimensions"]]))
        levels.append(Level(level_url, shape, scale))
    if not levels:
        return []
    if dtype not in N5_TYPES:
        warnings.append(f"{url}: N5 data type {dtype!r} may not be readable")
    return [Found(name, "n5", dtype, ["z", "y", "x"], levels)]


async def _precomputed(fetcher: GuardedFetcher, url: str, warnings: list[str]) -> list[Found]:
    body = await fetcher.get(f"{url}/info")
    if body is None:
        return []
    info = PrecomputedInfo.from_bytes(body)  # malformed or unbounded: BadMetadata, a 4xx
    for scale in info.scales:
        info.check_readable(scale)  # an encoding voxhub cannot read is refused now
    name = url.rstrip("/").rsplit("/", 1)[-1] or "color"
    levels = []
    for scale in info.scales:
        x, y, z = scale.size
        rx, ry, rz = scale.resolution
        if any(scale.voxel_offset):
            warnings.append(f"{url}: scale {scale.key} starts at voxel_offset "
                            f"{list(scale.voxel_offset)}; the layer starts at 0")  # fmt: skip
        shape = (info.num_channels, z, y, x)
        levels.append(Level(f"{url}/{scale.key}", shape, (1.0, rz, ry, rx)))
    return [
        Found(name, "neuroglancerPrecomputed", info.data_type, ["c", "z", "y", "x"],
              levels, segmentation=info.segmentation)
    ]  # fmt: skip


def _default_axes(rank: int) -> list[str]:
    return ["t", "c", "z", "y", "x"][-rank:] if rank <= 5 else [f"d{i}" for i in range(rank)]


def _mag(level: Level, first: Level, spatial: Sequence[int]) -> tuple[int, int, int]:
    """The level's mag (x, y, z): its scale over the first level's, rounded to a power of two."""
    ratios = []
    for axis in spatial:
        ratio = level.scale[axis] / first.scale[axis] if first.scale[axis] else 1.0
        if ratio == 1.0 and level.shape[axis] and first.shape[axis]:
            ratio = first.shape[axis] / level.shape[axis]  # no scales given: from the shapes
        ratios.append(2 ** max(0, round(math.log2(max(ratio, 1e-9)))))
    x, y, z = (*ratios, 1, 1)[:3]  # a 2-D source has no z: mag 1 along it
    return (x, y, z)


def _layer(found: Found, warnings: list[str]) -> dict[str, Any]:
    axes = found.axes
    missing = [a for a in ("x", "y") if a not in axes]
    if missing:
        raise NothingFound(f"layer {found.name}: no {' or '.join(missing)} axis in {axes}")
    spatial = [axes.index(a) for a in ("x", "y")] + ([axes.index("z")] if "z" in axes else [])
    extra = [a for a in axes if a not in ("x", "y", "z", "c")]
    if extra:
        warnings.append(
            f"layer {found.name}: axes {extra} are not x, y, z or c; the first index is used"
        )
    first = found.levels[0]
    size = [first.shape[i] for i in spatial] + ([] if "z" in axes else [1])
    order = {a: axes.index(a) for a in ("x", "y", "z", "c") if a in axes}
    mags = []
    for level in found.levels:
        mag = _mag(level, first, spatial)
        mags.append({"mag": list(mag), "path": level.url, "axisOrder": order})
    channels = first.shape[axes.index("c")] if "c" in axes else 1
    return {
        "name": found.name,
        "category": "segmentation" if found.segmentation else "color",
        "boundingBox": {
            "topLeft": [0, 0, 0],
            "width": size[0],
            "height": size[1],
            "depth": size[2],
        },
        "elementClass": _element_class(found.dtype),
        "dataFormat": found.data_format,
        "numChannels": channels,
        "mags": mags,
    }


def _voxel_size(found: Found) -> tuple[float, float, float]:
    first = found.levels[0]
    factor = TO_NANOMETER.get(found.unit, 1.0)
    sizes = []
    for axis in ("x", "y", "z"):
        scale = first.scale[found.axes.index(axis)] if axis in found.axes else 1.0
        sizes.append(scale * factor if scale > 0 else 1.0)
    x, y, z = sizes
    return (x, y, z)


async def explore(fetcher: GuardedFetcher, url: str, name: str | None = None) -> Exploration:
    """What the source at ``url`` holds, as a proposed ``datasource-properties.json``."""
    url = url.rstrip("/")
    warnings: list[str] = []
    found: list[Found] = []
    try:
        for probe in (_zarr, _n5, _precomputed):
            found = await probe(fetcher, url, warnings)
            if found:
                break
    except RemoteRefused as exc:  # 401: the credentials given (or none) are not accepted
        raise CredentialsRefused(exc.detail) from None
    if not found:
        raise not_found(
            fetcher,
            f"{url}: no OME-Zarr, Zarr array, N5 or Neuroglancer precomputed metadata found there",
        )
    seen: set[str] = set()
    for layer in found:  # an image and its label image are often named alike
        base, number = layer.name, 1
        while layer.name in seen:
            number += 1
            layer.name = f"{base}_{'segmentation' if layer.segmentation else 'color'}" + (
                f"_{number}" if number > 2 else ""
            )
        seen.add(layer.name)
    try:
        layers = [_layer(f, warnings) for f in found]
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise NothingFound(
            f"{url}: the metadata is incomplete ({type(exc).__name__}: {exc})"
        ) from None
    voxel = _voxel_size(found[0])
    if any(_voxel_size(f) != voxel for f in found[1:]):
        warnings.append("layers have different voxel sizes; the first layer's is used")
    document = {
        "id": {"name": name or found[0].name, "team": ""},
        "scale": {"factor": list(voxel), "unit": "nanometer"},
        "dataLayers": layers,
    }
    return Exploration(DatasourceProperties.model_validate(document), warnings)


__all__ = ["CredentialsRefused", "Exploration", "NothingFound", "explore", "not_found"]
