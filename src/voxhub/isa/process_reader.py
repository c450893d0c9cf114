"""ISA-JSON processes → ArcTables (the inverse of :mod:`voxhub.isa.processes`).

With a ``voxhub:tables`` layout comment the tables come back exactly as they
were written. Without one (ISA-JSON from other tools) processes are grouped
by the protocol they execute, one table per protocol, one row per
input/output pair, columns in the order ARCtrl reads them: Input, protocol
columns, characteristics, components, parameters, factors, (performer, date,)
comments, Output.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import NoneType
from typing import Any

from voxhub.isa.cells import (
    EMPTY_DATA_CELL,
    EMPTY_FREE_TEXT_CELL,
    EMPTY_TERM_CELL,
    CompositeCell,
    DataCell,
    FreeTextCell,
    TermCell,
    UnitizedCell,
)
from voxhub.isa.errors import InvalidTable, IsaConflict
from voxhub.isa.headers import CompositeHeader, HeaderKind, IOType
from voxhub.isa.jsonvalues import JsonReader, cell_from_json, component_cell, header_from_json
from voxhub.isa.ontology import OntologyAnnotation
from voxhub.isa.processes import CELL, FORMAT, LAYOUT, SELECTOR, category_id
from voxhub.isa.table import ArcTable, check_cell

_EMPTY_UNITIZED = UnitizedCell()
_KIND_LABEL = {
    "source": IOType.SOURCE_LABEL,
    "sample": IOType.SAMPLE_LABEL,
    "data": IOType.DATA_LABEL,
    "material": IOType.MATERIAL_LABEL,
}


@dataclass
class Catalog:
    """Everything processes refer to by ``@id``, across the whole investigation."""

    nodes: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    protocols: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: dict[str, OntologyAnnotation] = field(default_factory=dict)
    categories: dict[str, OntologyAnnotation] = field(default_factory=dict)
    cells: dict[Any, CompositeCell] = field(default_factory=dict)

    def add_scope(self, data: dict[str, Any], reader: JsonReader, path: str) -> None:
        materials = data.get("materials") or {}
        if not isinstance(materials, dict):
            raise reader.fail(f"{path}.materials", "expected an object")
        for key, kind in (
            ("sources", "source"),
            ("samples", "sample"),
            ("otherMaterials", "material"),
        ):
            for i, node in enumerate(reader.array(materials, key, f"{path}.materials")):
                self._node(kind, node, reader, f"{path}.materials.{key}[{i}]")
        for i, node in enumerate(reader.array(data, "dataFiles", path)):
            self._node("data", node, reader, f"{path}.dataFiles[{i}]")
        for i, unit in enumerate(reader.array(data, "unitCategories", path)):
            unit = reader.obj(unit, f"{path}.unitCategories[{i}]")
            if "@id" in unit:
                self.units[unit["@id"]] = reader.term(unit, f"{path}.unitCategories[{i}]")
        for i, cat in enumerate(reader.array(data, "characteristicCategories", path)):
            where = f"{path}.characteristicCategories[{i}]"
            cat = reader.obj(cat, where)
            if "@id" in cat and "characteristicType" in cat:
                self.categories[cat["@id"]] = reader.term(cat["characteristicType"], where)
        for i, factor in enumerate(reader.array(data, "factors", path)):
            where = f"{path}.factors[{i}]"
            factor = reader.obj(factor, where)
            if "@id" in factor:
                term = reader.term(factor.get("factorType") or {}, where)
                name = term.name or reader.text(factor, "factorName", where)
                self.categories[factor["@id"]] = OntologyAnnotation(
                    name, term.term_source_ref, term.term_accession
                )
        for i, protocol in enumerate(reader.array(data, "protocols", path)):
            self._protocol(protocol, reader, f"{path}.protocols[{i}]")
        for i, process in enumerate(reader.array(data, "processSequence", path)):
            where = f"{path}.processSequence[{i}]"
            process = reader.obj(process, where)
            if isinstance(process.get("executesProtocol"), dict):
                self._protocol(process["executesProtocol"], reader, f"{where}.executesProtocol")
            for key in ("inputs", "outputs"):
                for k, node in enumerate(reader.array(process, key, where)):
                    if isinstance(node, dict) and len(node) > 1:
                        self._node(None, node, reader, f"{where}.{key}[{k}]")

    def _node(self, kind: str | None, node: Any, reader: JsonReader, path: str) -> None:
        """Register a node (``kind`` None: worked out from the node, only when it is new)."""
        node = reader.obj(node, path)
        node_id = node.get("@id")
        if node_id and node_id in self.nodes:
            return
        kind = kind or _kind_of(node)
        node_id = node_id or f"#{kind}/{reader.text(node, 'name', path)}"
        self.nodes.setdefault(node_id, (kind if kind in _KIND_LABEL else "material", node))

    def _protocol(self, protocol: Any, reader: JsonReader, path: str) -> None:
        protocol = reader.obj(protocol, path)
        if "@id" in protocol and (len(protocol) > 1 or protocol["@id"] not in self.protocols):
            self.protocols[protocol["@id"]] = protocol
        for i, parameter in enumerate(reader.array(protocol, "parameters", path)):
            where = f"{path}.parameters[{i}]"
            parameter = reader.obj(parameter, where)
            if "@id" in parameter and "parameterName" in parameter:
                self.categories[parameter["@id"]] = reader.term(parameter["parameterName"], where)


def _kind_of(node: dict[str, Any]) -> str:
    """Node kind from ``@type``, a data file ``type``, or an id like ``#Source_x``."""
    kind = str(node.get("@type", "")).lower()
    if kind in _KIND_LABEL:
        return kind
    if str(node.get("type", "")).endswith("File"):
        return "data"
    match = re.match(r"#?(source|sample|data|material)", str(node.get("@id", "")), re.I)
    if match:
        return match.group(1).lower()
    return "sample" if "factorValues" in node else "material"


class _Row:
    """One process seen through the references it makes."""

    def __init__(self, process: dict[str, Any], catalog: Catalog, reader: JsonReader, path: str):
        self.process = process
        self.catalog = catalog
        self.reader = reader
        self.path = path
        self.fallback: dict[int, CompositeCell] = {}
        self.comments: list[tuple[str, str]] = []
        for i, comment in enumerate(reader.comments(process, path)):
            if comment.name.startswith(CELL) and comment.name[len(CELL) :].isdigit():
                self.fallback[int(comment.name[len(CELL) :])] = self._cell(
                    comment.value, f"{path}.comments[{i}]"
                )
            else:
                self.comments.append((comment.name, comment.value))
        protocol = process.get("executesProtocol") or {}
        ref = protocol.get("@id") if isinstance(protocol, dict) else None
        self.protocol = catalog.protocols.get(ref, protocol) if ref else protocol
        # ARCtrl writes each row's components into the protocol inline, under one
        # @id for all rows: the row's own copy holds its values.
        own = protocol if isinstance(protocol, dict) and "components" in protocol else self.protocol
        self.components: list[tuple[OntologyAnnotation, CompositeCell]] = []
        for i, component in enumerate(reader.array(own, "components", path)):
            where = f"{path}.executesProtocol.components[{i}]"
            component = reader.obj(component, where)
            kind = reader.term(component.get("componentType") or {}, where)
            cell = component_cell(reader.text(component, "componentName", where))
            for comment in reader.comments(component, where):
                if comment.name.startswith(CELL):
                    cell = self._cell(comment.value, where)
            self.components.append((kind, cell))

    def _cell(self, text: str, path: str) -> CompositeCell:
        try:
            return cell_from_json(json.loads(text), self.reader, path)
        except json.JSONDecodeError as exc:
            raise self.reader.fail(path, f"broken cell encoding ({exc})") from None

    def node(self, key: str, index: int = 0) -> tuple[str, dict[str, Any]] | None:
        refs = self.reader.array(self.process, key, self.path)
        if index >= len(refs):
            return None
        ref = self.reader.obj(refs[index], f"{self.path}.{key}[{index}]")
        found = self.catalog.nodes.get(ref.get("@id", ""))
        if found is None:
            if "name" not in ref:
                raise self.reader.fail(
                    f"{self.path}.{key}[{index}]", f"unknown node {ref.get('@id')!r}"
                )
            return (_kind_of(ref), ref)
        return found

    def entry_cell(
        self, entries: list[Any], category: str, path: str, nth: int = 0
    ) -> CompositeCell:
        """The ``nth`` value entry of a category (characteristic, factor or parameter value)."""
        seen = 0
        for i, entry in enumerate(entries):
            if type(entry) is not dict:
                entry = self.reader.obj(entry, f"{path}[{i}]")
            cat = entry.get("category")
            if type(cat) is dict and cat.get("@id") == category:
                if seen == nth:
                    return self.value_cell(entry, f"{path}[{i}]")
                seen += 1
        return EMPTY_TERM_CELL

    def value_cell(self, entry: dict[str, Any], path: str) -> CompositeCell:
        value = entry.get("value")
        # Big tables repeat the same values: build each distinct cell once.
        try:
            key = (_key(value), "unit" in entry, _key(entry.get("unit")))
            cached = self.catalog.cells.get(key)
        except TypeError:
            key, cached = None, None
        if cached is not None:
            return cached
        cell = self._value_cell(entry, value, path)
        if key is not None and len(self.catalog.cells) < 200_000:
            self.catalog.cells[key] = cell
        return cell

    def _value_cell(self, entry: dict[str, Any], value: Any, path: str) -> CompositeCell:
        if "unit" in entry:
            unit = entry["unit"]
            unit = self.reader.obj(unit, f"{path}.unit")
            term = self.catalog.units.get(unit.get("@id", "")) if len(unit) == 1 else None
            if term is None:
                term = self.reader.term(unit, f"{path}.unit")
            return UnitizedCell(self.reader.scalar(value, f"{path}.value"), term)
        if isinstance(value, dict):
            return TermCell(self.reader.term(value, f"{path}.value"))
        return TermCell(OntologyAnnotation(self.reader.scalar(value, f"{path}.value")))


def _key(value: Any) -> Any:
    """A hashable stand-in for a term, unit or scalar JSON value (TypeError for others).

    Only the keys a cell is made of count (a term's three, a unit's ``@id`` too), and
    a value that is not text keeps its type: 1, 1.0 and True are equal dict keys.
    """
    if type(value) is str:
        return value
    if type(value) is dict:
        # the common case first: a term of three texts (and an @id)
        name = value.get("annotationValue")
        source, accession = value.get("termSource"), value.get("termAccession")
        if type(name) is str and type(source) is str and type(accession) is str:
            node_id = value.get("@id")
            if len(value) == 3 + (node_id is not None) and type(node_id) in (str, NoneType):
                return (node_id, name, source, accession)
        if not value.keys() <= _TERM_KEYS:
            raise TypeError("an object with other keys is not cached")
        return tuple(_key(value.get(k)) for k in _TERM_KEY_ORDER) + (len(value),)
    if isinstance(value, list):
        raise TypeError("lists are not cached")
    return (type(value), value)


_TERM_KEY_ORDER = ("@id", "annotationValue", "termSource", "termAccession")
_TERM_KEYS = frozenset(_TERM_KEY_ORDER) | {"comments", "@type"}  # (these two make no cell)


def _io_cell(
    header: CompositeHeader, node: tuple[str, dict[str, Any]] | None, reader: JsonReader, path: str
) -> CompositeCell:
    if node is None:
        return EMPTY_DATA_CELL if header.is_data_column else EMPTY_FREE_TEXT_CELL
    name = reader.text(node[1], "name", path)
    if header.is_data_column:
        notes = {c.name: c.value for c in reader.comments(node[1], path)}
        return DataCell(name, notes.get(FORMAT, ""), notes.get(SELECTOR, ""))
    return FreeTextCell(name)


def _getter(
    header: CompositeHeader, column: int, scope: str, table: str, nth: int
) -> Callable[[_Row], CompositeCell]:
    """How to find column ``column``'s cell in a process."""
    kind = header.kind
    category = {
        HeaderKind.PARAMETER: "parameter",
        HeaderKind.CHARACTERISTIC: "characteristic",
        HeaderKind.FACTOR: "factor",
    }.get(kind)
    cat_id = category_id(scope, table, category, column) if category else ""

    def get(row: _Row) -> CompositeCell:
        r, reader, path = row, row.reader, row.path
        if column in r.fallback:
            return r.fallback[column]
        if kind is HeaderKind.INPUT:
            return _io_cell(header, r.node("inputs"), reader, f"{path}.inputs[0]")
        if kind is HeaderKind.OUTPUT:
            return _io_cell(header, r.node("outputs"), reader, f"{path}.outputs[0]")
        if kind is HeaderKind.PARAMETER:
            entries = reader.array(r.process, "parameterValues", path)
            return r.entry_cell(
                entries,
                cat_id,
                f"{path}.parameterValues",
                nth,
            )
        if kind is HeaderKind.CHARACTERISTIC:
            node = r.node("inputs")
            entries = reader.array(node[1], "characteristics", path) if node else []
            return r.entry_cell(
                entries,
                cat_id,
                f"{path}.inputs[0].characteristics",
                nth,
            )
        if kind is HeaderKind.FACTOR:
            node = r.node("outputs")
            entries = reader.array(node[1], "factorValues", path) if node else []
            return r.entry_cell(
                entries,
                cat_id,
                f"{path}.outputs[0].factorValues",
                nth,
            )
        if kind is HeaderKind.COMPONENT:
            return r.components[nth][1] if nth < len(r.components) else EMPTY_TERM_CELL
        if kind is HeaderKind.PROTOCOL_TYPE:
            value = r.protocol.get("protocolType")
            return (
                TermCell(reader.term(value, f"{path}.executesProtocol.protocolType"))
                if value
                else EMPTY_TERM_CELL
            )
        field_name = {
            HeaderKind.PROTOCOL_REF: "name",
            HeaderKind.PROTOCOL_DESCRIPTION: "description",
            HeaderKind.PROTOCOL_URI: "uri",
            HeaderKind.PROTOCOL_VERSION: "version",
        }.get(kind)
        if field_name is not None:
            return FreeTextCell(reader.text(r.protocol, field_name, f"{path}.executesProtocol"))
        if kind is HeaderKind.PERFORMER:
            return FreeTextCell(reader.text(r.process, "performer", path))
        if kind is HeaderKind.DATE:
            return FreeTextCell(reader.text(r.process, "date", path))
        if kind is HeaderKind.COMMENT:
            matches = [v for n, v in r.comments if n == header.text]
            return FreeTextCell(matches[nth] if nth < len(matches) else "")
        return EMPTY_FREE_TEXT_CELL

    if header.is_term_column and header.has_unit:
        # An empty cell of a column with a Unit is an empty Unitized cell (as in ISA-XLSX).
        def get_unitized(row: _Row) -> CompositeCell:
            cell = get(row)
            return _EMPTY_UNITIZED if cell is EMPTY_TERM_CELL else cell

        return get_unitized
    return get


def read_tables(
    data: dict[str, Any], scope: str, catalog: Catalog, reader: JsonReader, path: str
) -> list[ArcTable]:
    processes = reader.array(data, "processSequence", path)
    layout = next((c for c in reader.comments(data, path) if c.name == LAYOUT), None)
    if layout is None:
        return _foreign_tables(processes, catalog, reader, path)
    try:
        tables = json.loads(layout.value)
    except json.JSONDecodeError as exc:
        raise reader.fail(f"{path}.comments", f"broken {LAYOUT} comment ({exc})") from None
    if not isinstance(tables, list):
        raise reader.fail(f"{path}.comments", f"broken {LAYOUT} comment")
    found, position = [], 0
    for t, spec in enumerate(tables):
        where = f"{path}.comments[{LAYOUT}][{t}]"
        spec = reader.obj(spec, where)
        name = reader.text(spec, "name", where, required=True)
        rows = spec.get("rows", 0)
        if not isinstance(rows, int) or rows < 0:
            raise reader.fail(where, "rows must be a non-negative integer")
        headers = [
            header_from_json(h, reader, f"{where}.columns[{i}]")
            for i, h in enumerate(reader.array(spec, "columns", where))
        ]
        getters: list[Callable[[_Row], CompositeCell]] = []
        counts: dict[object, int] = {}
        for c, h in enumerate(headers):
            key = (h.kind, h.text) if h.kind is HeaderKind.COMMENT else h.kind
            nth = counts.get(key, 0) if h.kind in (HeaderKind.COMPONENT, HeaderKind.COMMENT) else 0
            counts[key] = counts.get(key, 0) + 1
            getters.append(_getter(h, c, scope, name, nth))
        if position + rows > len(processes):
            raise reader.fail(
                f"{path}.processSequence",
                f"table '{name}' needs {rows} processes, {len(processes) - position} left",
            )
        columns: list[list[CompositeCell]] = [[] for _ in headers]
        for r in range(rows):
            where_p = f"{path}.processSequence[{position + r}]"
            row = _Row(reader.obj(processes[position + r], where_p), catalog, reader, where_p)
            for c, get in enumerate(getters):
                columns[c].append(get(row))
            for c, cell in row.fallback.items():
                # cells spelled out in comments may be of any kind: check they fit
                if c >= len(headers):
                    raise reader.fail(where_p, f"{CELL}{c}: the table has no column {c}")
                try:
                    check_cell(headers[c], cell, r)
                except InvalidTable as exc:
                    raise reader.fail(where_p, str(exc)) from None
        position += rows
        try:
            table = ArcTable(name, zip(headers, columns, strict=True))
        except (InvalidTable, IsaConflict) as exc:
            raise reader.fail(where, str(exc)) from None
        found.append(table)
    return found


def _table_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name).strip()[:28] or "Process"
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}_{n}"
    used.add(candidate)
    return candidate


def _ordered_ids(groups: list[list[Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for entries in groups:
        for entry in entries:
            cat = entry.get("category") if isinstance(entry, dict) else None
            if isinstance(cat, dict) and isinstance(cat.get("@id"), str):
                seen.setdefault(cat["@id"], None)
    return list(seen)


def _first_entries(entries: list[Any]) -> dict[str, tuple[int, Any]]:
    """Category id → (index, entry) of its first value entry; after anything that is not
    an object, (index, None): :meth:`_Row.entry_cell` then reports it where it stands."""
    found: dict[str, tuple[int, Any]] = {}
    for i, entry in enumerate(entries):
        if type(entry) is not dict:
            return {k: (i, None) for k in found}
        cat = entry.get("category")
        if type(cat) is dict:
            cat_id = cat.get("@id")
            if type(cat_id) is str and cat_id not in found:
                found[cat_id] = (i, entry)
    return found


def _inline_term(lists: list[list[Any]], category: str, reader: JsonReader) -> OntologyAnnotation:
    """A category's term from an entry that spells the category out."""
    for entries in lists:
        for entry in entries:
            cat = entry.get("category") if isinstance(entry, dict) else None
            if not isinstance(cat, dict) or cat.get("@id") != category:
                continue
            for key in ("parameterName", "characteristicType", "factorType"):
                if isinstance(cat.get(key), dict):
                    return reader.term(cat[key], key)
            if cat.get("factorName"):
                return OntologyAnnotation(reader.scalar(cat["factorName"], "factorName"))
    return OntologyAnnotation(category.rsplit("/", 1)[-1])


def _given(term: Any) -> Any:
    """A protocol type, or None for a missing or empty one (``annotationValue`` "" ...)."""
    if isinstance(term, dict) and not any(v for k, v in term.items() if k != "@id"):
        return None
    return term


def _foreign_tables(
    processes: list[Any], catalog: Catalog, reader: JsonReader, path: str
) -> list[ArcTable]:
    groups: dict[str, list[_Row]] = {}
    for i, process in enumerate(processes):
        where = f"{path}.processSequence[{i}]"
        row = _Row(reader.obj(process, where), catalog, reader, where)
        # ARCtrl names processes <table>_<row>; otherwise the protocol names the table.
        numbered = re.fullmatch(r"(.+)_\d+", reader.text(row.process, "name", where))
        name = numbered.group(1) if numbered else reader.text(row.protocol, "name", where)
        groups.setdefault(name or reader.text(row.process, "name", where) or "Process", []).append(
            row
        )
    used: set[str] = set()
    tables = [_foreign_table(_table_name(n, used), rows, catalog) for n, rows in groups.items()]
    return [t for t in tables if t is not None]


def _protocol_text(row: _Row, key: str) -> str:
    return row.reader.text(row.protocol, key, row.path)


def _comment_text(row: _Row, key: str) -> str:
    return next((v for n, v in row.comments if n == key), "")


def _foreign_table(name: str, rows: list[_Row], catalog: Catalog) -> ArcTable | None:
    """One table from processes that run the same protocol: a row per input/output pair
    (a process with neither inputs nor outputs gives none, as in ARCtrl)."""
    pairs = []
    for row in rows:
        n_in = len(row.reader.array(row.process, "inputs", row.path))
        n_out = len(row.reader.array(row.process, "outputs", row.path))
        pairs += [(row, k) for k in range(max(n_in, n_out))]
    if not pairs:
        return None

    def nodes(key: str) -> list[tuple[str, dict[str, Any]] | None]:
        return [row.node(key, k) for row, k in pairs]

    inputs, outputs = nodes("inputs"), nodes("outputs")
    columns: list[tuple[CompositeHeader, list[CompositeCell]]] = []

    def io_column(kind: HeaderKind, found: list[tuple[str, dict[str, Any]] | None]) -> None:
        first = next((n for n in found if n is not None), None)
        if first is None:
            return
        header = CompositeHeader(kind, io_type=IOType(_KIND_LABEL[first[0]]))
        reader = pairs[0][0].reader
        columns.append((header, [_io_cell(header, n, reader, pairs[0][0].path) for n in found]))

    def value_columns(kind: HeaderKind, lists: list[list[Any]]) -> None:
        # Each row's entries indexed by category once, not searched once per column.
        firsts = [_first_entries(entries) for entries in lists]
        for cat in _ordered_ids(lists):
            term = catalog.categories.get(cat) or _inline_term(lists, cat, pairs[0][0].reader)
            cells = []
            for (row, _), first, entries in zip(pairs, firsts, lists, strict=True):
                found = first.get(cat)
                if found is None or found[1] is None:  # none, or a malformed list: look
                    cells.append(row.entry_cell(entries, cat, row.path))
                else:
                    cells.append(row.value_cell(found[1], f"{row.path}[{found[0]}]"))
            columns.append((CompositeHeader(kind, term=term), cells))

    def text_column(header: CompositeHeader, get: Callable[[_Row], str]) -> None:
        texts = [get(row) for row, _ in pairs]
        if any(texts):
            columns.append((header, [FreeTextCell(text) for text in texts]))

    def node_entries(found: list[tuple[str, dict[str, Any]] | None], key: str) -> list[list[Any]]:
        return [n[1].get(key) or [] if n is not None else [] for n in found]

    # Columns in the order ARCtrl reads processes into a table: Input, the protocol's
    # columns, characteristics, components, parameters, factors, comments, Output
    # (performer and date, which ARCtrl drops, before the comments).
    io_column(HeaderKind.INPUT, inputs)
    text_column(CompositeHeader.protocol_ref(), lambda r: r.reader.text(r.protocol, "name", r.path))
    types = [_given(r.protocol.get("protocolType")) for r, _ in pairs]
    if any(types):
        reader = pairs[0][0].reader
        columns.append(
            (
                CompositeHeader.protocol_type(),
                [TermCell(reader.term(t, "protocolType")) if t else EMPTY_TERM_CELL for t in types],
            )
        )
    for header, key in (
        (CompositeHeader.protocol_description(), "description"),
        (CompositeHeader.protocol_uri(), "uri"),
        (CompositeHeader.protocol_version(), "version"),
    ):
        text_column(header, functools.partial(_protocol_text, key=key))
    value_columns(HeaderKind.CHARACTERISTIC, node_entries(inputs, "characteristics"))
    kinds: dict[OntologyAnnotation, None] = {}
    for row, _ in pairs:
        for kind, _cell in row.components:
            kinds.setdefault(kind, None)
    for kind in kinds:
        cells = [next((c for k, c in r.components if k == kind), EMPTY_TERM_CELL) for r, _ in pairs]
        unit = any(isinstance(c, UnitizedCell) for c in cells)
        columns.append((CompositeHeader.component(kind, has_unit=unit), cells))
    value_columns(HeaderKind.PARAMETER, [r.process.get("parameterValues") or [] for r, _ in pairs])
    value_columns(HeaderKind.FACTOR, node_entries(outputs, "factorValues"))
    text_column(
        CompositeHeader.performer(), lambda r: r.reader.text(r.process, "performer", r.path)
    )
    text_column(CompositeHeader.date(), lambda r: r.reader.text(r.process, "date", r.path))
    keys: dict[str, None] = {}
    for row, _ in pairs:
        for key, _value in row.comments:
            keys.setdefault(key, None)
    for key in keys:
        text_column(CompositeHeader.comment(key), functools.partial(_comment_text, key=key))
    io_column(HeaderKind.OUTPUT, outputs)
    try:
        return ArcTable(name, columns)
    except (InvalidTable, IsaConflict) as exc:
        raise pairs[0][0].reader.fail(pairs[0][0].path, str(exc)) from None


__all__ = ["Catalog", "read_tables"]
