"""A dataset's key–value metadata, as WEBKNOSSOS keeps it: its own field, not view settings.

Each entry is ``{"key", "type", "value"}`` with ``type`` one of ``string``,
``number`` or ``string[]`` (WEBKNOSSOS's ``MetadataEntry``), so a client can
tell the number 5 from the text "5". Keys are unique; counts and lengths are
bounded here, before anything is stored.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from voxhub.catalog.errors import BadMetadataEntries

MAX_ENTRIES = 200
MAX_TEXT = 2000


class MetadataEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=128)
    type: Literal["string", "number", "string[]"]
    value: str | float | list[str]

    @model_validator(mode="after")
    def _value_matches_type(self) -> MetadataEntry:
        value = self.value
        if self.type == "number":
            ok = (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)  # no NaN, no infinity
            )
        elif self.type == "string":
            ok = isinstance(value, str) and len(value) <= MAX_TEXT
        else:
            ok = (
                isinstance(value, list)
                and len(value) <= 100
                and all(isinstance(v, str) and len(v) <= MAX_TEXT for v in value)
            )
        if not ok:
            raise ValueError(f"value does not fit type {self.type} (or is too long)")
        if self.key != self.key.strip():
            raise ValueError("key may not start or end with spaces")
        return self


def parse_metadata_entries(data: Any) -> list[dict[str, Any]]:
    """Validate a list of entries; the JSON to store, in the order given."""
    if not isinstance(data, list) or len(data) > MAX_ENTRIES:
        raise BadMetadataEntries(f"metadata must be a list of at most {MAX_ENTRIES} entries")
    entries = []
    for index, item in enumerate(data):
        try:
            entries.append(MetadataEntry.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise BadMetadataEntries(
                f"metadata[{index}]{'.' + where if where else ''}: {first['msg']}"
            ) from None
    keys = [e.key for e in entries]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise BadMetadataEntries(f"metadata: key {duplicates[0]!r} appears more than once")
    return [e.model_dump(mode="json") for e in entries]
