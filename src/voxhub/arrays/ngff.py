"""Typed OME-NGFF multiscale metadata: one class per spec version.

``Ngff04`` reads and writes the ``multiscales`` attribute of a Zarr v2 group;
``Ngff05`` subclasses it and changes only what 0.5 changed (the metadata sits
under ``attributes.ome`` of a Zarr v3 group, with a version key there).
``detect_format`` asks each class whether it ``matches`` the attributes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from voxhub.arrays.errors import BadMetadata

ZarrFormat = Literal[2, 3]  # Zarr v2 carries NGFF 0.4, v3 NGFF 0.5


@dataclass(frozen=True)
class Axis:
    name: str
    type: str | None = None
    unit: str | None = None

    def to_dict(self) -> dict[str, str]:
        out = {"name": self.name}
        if self.type:
            out["type"] = self.type
        if self.unit:
            out["unit"] = self.unit
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | str) -> Axis:
        if isinstance(data, str):  # NGFF 0.3 lists bare names
            return cls(data, "channel" if data == "c" else "time" if data == "t" else "space")
        return cls(str(data["name"]), data.get("type"), data.get("unit"))


@dataclass(frozen=True)
class ScaleLevel:
    """One ``datasets`` entry: the array's path and its scale (and offset)."""

    path: str
    scale: tuple[float, ...]
    translation: tuple[float, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        transforms: list[dict[str, Any]] = [{"type": "scale", "scale": list(self.scale)}]
        if self.translation is not None and any(self.translation):
            transforms.append({"type": "translation", "translation": list(self.translation)})
        return {"path": self.path, "coordinateTransformations": transforms}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], ndim: int) -> ScaleLevel:
        scale: tuple[float, ...] = (1.0,) * ndim
        translation = None
        for transform in data.get("coordinateTransformations", []):
            if transform.get("type") == "scale" and "scale" in transform:
                scale = tuple(float(v) for v in transform["scale"])
            elif transform.get("type") == "translation" and "translation" in transform:
                translation = tuple(float(v) for v in transform["translation"])
        if len(scale) != ndim:
            raise BadMetadata(f"dataset {data.get('path')!r}: scale has {len(scale)} values")
        return cls(str(data["path"]), scale, translation)


@dataclass(frozen=True)
class Multiscale:
    axes: tuple[Axis, ...]
    datasets: tuple[ScaleLevel, ...]
    name: str | None = None
    omero: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def axis_names(self) -> list[str]:
        return [a.name for a in self.axes]

    def spatial_unit(self) -> str | None:
        units = [a.unit for a in self.axes if a.type == "space" and a.unit]
        return units[0] if units else None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "axes": [a.to_dict() for a in self.axes],
            "datasets": [d.to_dict() for d in self.datasets],
        }
        if self.name:
            out["name"] = self.name
        return out


class Ngff04:
    """OME-NGFF 0.4: ``multiscales`` on a Zarr v2 group's ``.zattrs``."""

    version: ClassVar[str] = "0.4"
    zarr_format: ClassVar[int] = 2

    @classmethod
    def matches(cls, attrs: Mapping[str, Any]) -> bool:
        return "multiscales" in attrs

    @classmethod
    def _container(cls, attrs: Mapping[str, Any]) -> Mapping[str, Any]:
        return attrs

    @classmethod
    def read(cls, attrs: Mapping[str, Any]) -> Multiscale:
        container = cls._container(attrs)
        try:
            entry = container["multiscales"][0]
            axes = tuple(Axis.from_dict(a) for a in entry["axes"])
            datasets = tuple(ScaleLevel.from_dict(d, len(axes)) for d in entry["datasets"])
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise BadMetadata(
                f"NGFF {cls.version} multiscales metadata is malformed: {exc}"
            ) from None
        if not datasets:
            raise BadMetadata("NGFF multiscales metadata lists no datasets")
        return Multiscale(axes, datasets, entry.get("name"), container.get("omero"))

    @classmethod
    def write(cls, multiscale: Multiscale) -> dict[str, Any]:
        entry = multiscale.to_dict()
        entry["version"] = cls.version
        out: dict[str, Any] = {"multiscales": [entry]}
        if multiscale.omero:
            out["omero"] = dict(multiscale.omero)
        return out


class Ngff05(Ngff04):
    """OME-NGFF 0.5: the same content under ``ome`` on a Zarr v3 group."""

    version: ClassVar[str] = "0.5"
    zarr_format: ClassVar[int] = 3

    @classmethod
    def matches(cls, attrs: Mapping[str, Any]) -> bool:
        ome = attrs.get("ome")
        return isinstance(ome, Mapping) and "multiscales" in ome

    @classmethod
    def _container(cls, attrs: Mapping[str, Any]) -> Mapping[str, Any]:
        ome: Mapping[str, Any] = attrs["ome"]
        return ome

    @classmethod
    def write(cls, multiscale: Multiscale) -> dict[str, Any]:
        inner = super().write(multiscale)
        del inner["multiscales"][0]["version"]
        return {"ome": {"version": cls.version, **inner}}


FORMATS: tuple[type[Ngff04], ...] = (Ngff05, Ngff04)


def detect_format(attrs: Mapping[str, Any]) -> type[Ngff04]:
    """The NGFF class whose metadata layout ``attrs`` follows."""
    for fmt in FORMATS:
        if fmt.matches(attrs):
            return fmt
    raise BadMetadata("no OME-NGFF multiscales metadata found")


def format_for_zarr(zarr_format: int) -> type[Ngff04]:
    return Ngff05 if zarr_format == 3 else Ngff04


def volume_multiscale(
    name: str,
    level_paths: Sequence[str],
    level_mags: Sequence[Sequence[int]],
    voxel_size_xyz: Sequence[float],
    unit: str = "nanometer",
    omero: Mapping[str, Any] | None = None,
) -> Multiscale:
    """The multiscale for a voxhub layer: axes ``c, z, y, x``, scale = voxel size × mag."""
    axes = (
        Axis("c", "channel"),
        Axis("z", "space", unit),
        Axis("y", "space", unit),
        Axis("x", "space", unit),
    )
    vx, vy, vz = voxel_size_xyz
    datasets = tuple(
        ScaleLevel(path, (1.0, vz * mz, vy * my, vx * mx))
        for path, (mx, my, mz) in zip(level_paths, level_mags, strict=True)
    )
    return Multiscale(axes, datasets, name, omero)
