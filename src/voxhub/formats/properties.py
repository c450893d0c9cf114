"""``datasource-properties.json``: the WEBKNOSSOS description of a dataset folder.

Parsed into typed models on the way in; written back in the shape that
WEBKNOSSOS and webknossos-libs read (camelCase keys, ``axisOrder`` per mag).
Older files with ``"scale": [x, y, z]`` and mags without paths are accepted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from voxhub.arrays.mag import Mag
from voxhub.errors import InvalidInput, UnreadableInput

PROPERTIES_FILE = "datasource-properties.json"
ELEMENT_CLASSES = {
    "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "float", "double", "float32", "float64", "uint24",
}  # fmt: skip
DATA_FORMATS = {"zarr", "zarr3", "wkw", "n5", "neuroglancerPrecomputed", "tiff"}


class BadProperties(InvalidInput):
    code = "bad_properties"


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")


class BoundingBox(_Model):
    top_left: tuple[int, int, int] = Field(alias="topLeft")
    width: int = Field(ge=0)
    height: int = Field(ge=0)
    depth: int = Field(ge=0)

    @property
    def size_xyz(self) -> tuple[int, int, int]:
        return (self.width, self.height, self.depth)

    @property
    def end_xyz(self) -> tuple[int, int, int]:
        return tuple(o + s for o, s in zip(self.top_left, self.size_xyz, strict=True))  # type: ignore[return-value]


class MagEntry(_Model):
    mag: tuple[int, int, int]
    path: str | None = None
    axis_order: dict[str, int] | None = Field(None, alias="axisOrder")

    @property
    def level(self) -> Mag:
        """The mag as voxhub's ``Mag`` (``BadMag`` when a factor is not a power of two)."""
        return Mag(*self.mag)

    def to_json(self) -> dict[str, Any]:
        """As ``datasource-properties.json`` (and the catalog) spell it."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")

    @field_validator("mag", mode="before")
    @classmethod
    def _mag(cls, value: Any) -> Any:
        if isinstance(value, int):
            return (value, value, value)
        if isinstance(value, str):
            parts = [int(p) for p in value.split("-")]
            return tuple(parts * 3 if len(parts) == 1 else parts)
        return value


class VoxelSize(_Model):
    factor: tuple[float, float, float]
    unit: str = "nanometer"


# field -> (allowed values, the field's name in the JSON document)
_CHOICES = {
    "element_class": (ELEMENT_CLASSES, "elementClass"),
    "data_format": (DATA_FORMATS, "dataFormat"),
}


class Layer(_Model):
    name: str = Field(min_length=1)
    category: Literal["color", "segmentation"]
    bounding_box: BoundingBox = Field(alias="boundingBox")
    element_class: str = Field(alias="elementClass")
    data_format: str = Field("zarr3", alias="dataFormat")
    num_channels: int | None = Field(None, alias="numChannels")
    mags: list[MagEntry] = Field(default_factory=list)
    # segment ids are uint64: 2^63 and above are real ids, not overflows
    largest_segment_id: int | None = Field(None, alias="largestSegmentId", ge=0, le=2**64 - 1)

    @field_validator("element_class", "data_format")
    @classmethod
    def _known(cls, value: str, info: ValidationInfo) -> str:
        allowed, alias = _CHOICES[info.field_name or ""]
        if value not in allowed:
            raise ValueError(f"unknown {alias} {value!r}")
        return value

    @property
    def numpy_dtype(self) -> str:
        return {"float": "float32", "double": "float64"}.get(self.element_class, self.element_class)


class DatasourceProperties(_Model):
    id: dict[str, str] = Field(default_factory=dict)
    scale: VoxelSize
    data_layers: list[Layer] = Field(alias="dataLayers")
    version: int = 1

    @field_validator("scale", mode="before")
    @classmethod
    def _legacy_scale(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return {"factor": value, "unit": "nanometer"}
        return value

    @model_validator(mode="after")
    def _unique_layers(self) -> DatasourceProperties:
        names = [layer.name for layer in self.data_layers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate layer names: {', '.join(duplicates)}")
        return self

    def layer(self, name: str) -> Layer | None:
        return next((layer for layer in self.data_layers if layer.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


def parse_properties(data: Any, source: str = PROPERTIES_FILE) -> DatasourceProperties:
    """Validate a decoded JSON document; errors name the field that is wrong."""
    try:
        return DatasourceProperties.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise BadProperties(f"{source}: {where}: {first['msg']}") from None


def read_properties(dataset_dir: Path) -> DatasourceProperties:
    path = dataset_dir / PROPERTIES_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UnreadableInput(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableInput(f"{path}: not valid JSON ({exc})") from None
    return parse_properties(data, str(path))


def write_properties(dataset_dir: Path, properties: DatasourceProperties) -> None:
    """Write atomically: readers see the old file or the new one, never half."""
    path = dataset_dir / PROPERTIES_FILE
    tmp = path.with_name(f".{PROPERTIES_FILE}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(properties.to_json(), indent=2))
    os.replace(tmp, path)
