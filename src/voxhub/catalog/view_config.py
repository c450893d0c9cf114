"""A dataset's default view configuration, as typed models.

What the viewer opens with: position and zoom, interpolation, and per layer
its color, alpha, intensity range and visibility. Unknown keys are refused
rather than stored, so a typo never silently does nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from voxhub.catalog.errors import BadViewConfiguration


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class LayerView(_Strict):
    color: tuple[int, int, int] | None = Field(None, description="RGB, 0-255 each")
    alpha: float | None = Field(None, ge=0, le=100, description="Opacity in percent")
    intensity_range: tuple[float, float] | None = Field(None, alias="intensityRange")
    is_disabled: bool | None = Field(None, alias="isDisabled", description="Hidden when true")
    is_inverted: bool | None = Field(None, alias="isInverted")

    @model_validator(mode="after")
    def _ranges(self) -> LayerView:
        if self.color is not None and any(not 0 <= c <= 255 for c in self.color):
            raise ValueError("color components must be within 0-255")
        if self.intensity_range is not None and self.intensity_range[0] > self.intensity_range[1]:
            raise ValueError("intensityRange must be [min, max] with min <= max")
        return self


class ViewConfiguration(_Strict):
    position: tuple[int, int, int] | None = Field(None, description="x, y, z in mag-1 voxels")
    zoom: float | None = Field(None, gt=0)
    rotation: tuple[float, float, float] | None = None
    interpolation: bool | None = None
    layers: dict[str, LayerView] = Field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


def parse_view_configuration(data: Any, layer_names: Iterable[str]) -> ViewConfiguration:
    """Validate ``data`` against the model and the dataset's layer names."""
    try:
        config = ViewConfiguration.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "viewConfiguration"
        raise BadViewConfiguration(f"viewConfiguration.{where}: {first['msg']}") from None
    unknown = sorted(set(config.layers) - set(layer_names))
    if unknown:
        raise BadViewConfiguration(f"viewConfiguration.layers: no layer {', '.join(unknown)}")
    return config
