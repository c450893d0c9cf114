"""Small ISA-JSON encodings shared by the ISA-JSON reader and writer.

Terms become ``{annotationValue, termSource, termAccession}``; cells and
headers have a compact JSON form used where ISA-JSON has no field of its own
for them (free-text columns, the column layout of each table).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from voxhub.isa.cells import CompositeCell, DataCell, FreeTextCell, TermCell, UnitizedCell
from voxhub.isa.errors import InvalidTable, IsaReadError
from voxhub.isa.headers import CompositeHeader, HeaderKind, IOType
from voxhub.isa.ontology import OntologyAnnotation
from voxhub.isa.people import Comment

_INT = re.compile(r"0|-?[1-9]\d{0,14}")
_FLOAT = re.compile(r"-?(0|[1-9]\d*)\.\d+")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


class JsonReader:
    """Reads values out of parsed JSON, raising :class:`IsaReadError` with the JSON path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> IsaReadError:
        return IsaReadError(self.source, path, problem)

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {type(value).__name__}")
        return value

    def array(self, parent: dict[str, Any], key: str, path: str) -> list[Any]:
        value = parent.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"{path}.{key}", "expected a list")
        return value

    def text(self, parent: dict[str, Any], key: str, path: str, required: bool = False) -> str:
        if key not in parent:
            if required:
                raise self.fail(path, f"missing required key '{key}'")
            return ""
        return self.scalar(parent[key], f"{path}.{key}")

    def scalar(self, value: Any, path: str) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            raise self.fail(path, "expected text or a number, got a boolean")
        if isinstance(value, int | float):
            return number_text(value)
        if isinstance(value, str):
            return value
        raise self.fail(path, f"expected text, got {type(value).__name__}")

    def term(self, value: Any, path: str) -> OntologyAnnotation:
        data = self.obj(value, path)
        return OntologyAnnotation(
            self.text(data, "annotationValue", path),
            self.text(data, "termSource", path),
            self.text(data, "termAccession", path),
        )

    def comments(self, parent: dict[str, Any], path: str) -> list[Comment]:
        found = []
        for i, item in enumerate(self.array(parent, "comments", path)):
            item = self.obj(item, f"{path}.comments[{i}]")
            found.append(
                Comment(
                    self.text(item, "name", f"{path}.comments[{i}]", required=True),
                    self.text(item, "value", f"{path}.comments[{i}]"),
                )
            )
        return found


def number_text(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def term_json(term: OntologyAnnotation) -> dict[str, Any]:
    return {
        "annotationValue": term.name,
        "termSource": term.term_source_ref,
        "termAccession": term.term_accession,
    }


def value_json(text: str) -> str | int | float:
    """A value as a JSON number when the number prints back exactly as ``text``."""
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text) and repr(float(text)) == text:
        return float(text)
    return text


def is_json_date(text: str) -> bool:
    """Whether ISA-JSON's date fields (RFC 3339 date or date-time) accept ``text``."""
    if _DATETIME.fullmatch(text):
        try:
            dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return True
        except ValueError:
            return False
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            dt.date.fromisoformat(text)
            return True
        except ValueError:
            return False
    return False


def comments_json(comments: list[Comment]) -> list[dict[str, str]]:
    return [{"name": c.name, "value": c.value} for c in comments]


def cell_json(cell: CompositeCell) -> dict[str, Any]:
    if isinstance(cell, TermCell):
        return {"term": term_json(cell.term)}
    if isinstance(cell, UnitizedCell):
        return {"value": cell.value, "unit": term_json(cell.unit)}
    if isinstance(cell, DataCell):
        return {"data": cell.name, "format": cell.format, "selectorFormat": cell.selector_format}
    assert isinstance(cell, FreeTextCell)
    return {"text": cell.value}


def cell_from_json(data: Any, reader: JsonReader, path: str) -> CompositeCell:
    data = reader.obj(data, path)
    if "term" in data:
        return TermCell(reader.term(data["term"], f"{path}.term"))
    if "unit" in data:
        return UnitizedCell(reader.text(data, "value", path), reader.term(data["unit"], path))
    if "data" in data:
        return DataCell(
            reader.text(data, "data", path),
            reader.text(data, "format", path),
            reader.text(data, "selectorFormat", path),
        )
    if "text" in data:
        return FreeTextCell(reader.text(data, "text", path))
    raise reader.fail(path, "unknown cell encoding")


def header_json(header: CompositeHeader) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": header.kind.value}
    if header.term is not None:
        data["term"] = term_json(header.term)
    if header.io_type is not None:
        data["io"] = header.io_type.label
    if header.text:
        data["text"] = header.text
    if header.has_unit:
        data["unit"] = True
    return data


def header_from_json(data: Any, reader: JsonReader, path: str) -> CompositeHeader:
    data = reader.obj(data, path)
    try:
        kind = HeaderKind(reader.text(data, "kind", path, required=True))
        term = reader.term(data["term"], f"{path}.term") if "term" in data else None
        io = IOType(reader.text(data, "io", path)) if "io" in data else None
        return CompositeHeader(
            kind, term, io, reader.text(data, "text", path), bool(data.get("unit"))
        )
    except (ValueError, InvalidTable) as exc:
        raise reader.fail(path, f"unknown header ({exc})") from None


def dumps_compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ARCtrl packs a component's value, unit and accession into ``componentName``.
_COMPONENT_UNIT = re.compile(r"^(?P<value>[\d.]+) (?P<unit>.+) \((?P<acc>[^(]*:[^)]*)\)$")
_COMPONENT_TERM = re.compile(r"^(?P<value>[^(]+) \((?P<acc>[^(]*:[^)]*)\)$")
_COMPONENT_BARE = re.compile(r"^(?P<value>[^()]+) \(\)$")


def component_name(cell: CompositeCell) -> str:
    """A Component cell as ARCtrl spells ``componentName``: ``150 millimeter (UO:0000016)``,
    ``Zeiss Z1 (OBI:0000001)``, or the plain text."""
    if isinstance(cell, UnitizedCell) and cell.unit.name:
        unit = cell.unit
        return f"{cell.value} {unit.name} ({unit.short or unit.term_accession})"
    if isinstance(cell, TermCell) and cell.term.term_accession:
        term = cell.term
        return f"{term.name} ({term.short or term.term_accession})"
    return cell.text


def _annotation(name: str, accession: str) -> OntologyAnnotation:
    source = accession.split(":", 1)[0] if ":" in accession and "/" not in accession else ""
    return OntologyAnnotation(name, source, accession)


def component_cell(name: str) -> CompositeCell:
    """The cell a ``componentName`` stands for (the reverse of :func:`component_name`)."""
    match = _COMPONENT_UNIT.match(name)
    if match:
        return UnitizedCell(match["value"], _annotation(match["unit"], match["acc"]))
    match = _COMPONENT_TERM.match(name)
    if match:
        return TermCell(_annotation(match["value"], match["acc"]))
    match = _COMPONENT_BARE.match(name)
    if match:
        return TermCell(OntologyAnnotation(match["value"]))
    return TermCell(OntologyAnnotation(name))


__all__ = [
    "JsonReader",
    "cell_from_json",
    "cell_json",
    "comments_json",
    "component_cell",
    "component_name",
    "dumps_compact",
    "header_from_json",
    "header_json",
    "is_json_date",
    "number_text",
    "term_json",
    "value_json",
]
