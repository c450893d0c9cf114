"""Tables from ISA-JSON processes written by other tools (no ``voxhub:tables`` layout).

Processes are grouped by the protocol they execute (ARCtrl's ``<table>_<row>`` names
first), one table per group, one row per input/output pair, columns in the order
ARCtrl reads them: Input, protocol columns, characteristics, components,
parameters, factors, (performer, date,) comments, Output.

Each process is read once, in order, into a :class:`_Line` that keeps only what the
table needs (its texts, its nodes, the first value of each category as a cell), and
is then let go: a 50 000-row table's processes as dicts take some 600 MB, its lines a
few tens. A node named by many rows is read once (:class:`_Node`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from voxhub.isa.cells import EMPTY_TERM_CELL, CompositeCell, FreeTextCell, TermCell, UnitizedCell
from voxhub.isa.errors import InvalidTable, IsaConflict
from voxhub.isa.gcpause import CHECKPOINT, checkpoint
from voxhub.isa.headers import CompositeHeader, HeaderKind, IOType
from voxhub.isa.jsonvalues import JsonReader
from voxhub.isa.ontology import OntologyAnnotation
from voxhub.isa.process_catalog import KIND_LABEL, Catalog, Row, io_cell
from voxhub.isa.table import ArcTable


class _Values:
    """One list of value entries (characteristics, factor or parameter values), read:
    each category's first value as a cell, in the order the categories come, and the
    term of each category the catalog does not know, from the first entry spelling it."""

    __slots__ = ("cells", "terms")

    def __init__(self) -> None:
        self.cells: dict[str, CompositeCell] = {}
        self.terms: dict[str, OntologyAnnotation] = _NO_TERMS  # made when there are some

    @classmethod
    def read(cls, entries: list[Any], row: Row, path: str) -> _Values:
        if not entries:
            return _NO_VALUES
        return row.catalog.once("values", entries, lambda: cls._read(entries, row, path))

    @classmethod
    def _read(cls, entries: list[Any], row: Row, path: str) -> _Values:
        found = cls()
        cells = found.cells
        known = row.catalog.categories
        for i, entry in enumerate(entries):
            if type(entry) is not dict:
                entry = row.reader.obj(entry, f"{path}[{i}]")
            cat = entry.get("category")
            if type(cat) is not dict:
                continue
            cat_id = cat.get("@id")
            if type(cat_id) is not str:
                continue
            if cat_id not in cells:
                cells[row.catalog.text(cat_id)] = row.value_cell(entry, f"{path}[{i}]")
            if cat_id not in found.terms and cat_id not in known:
                term = _spelled_term(cat, row.reader)
                if term is not None:
                    if found.terms is _NO_TERMS:
                        found.terms = {}
                    found.terms[cat_id] = term
        return found


_NO_TERMS: dict[str, OntologyAnnotation] = {}
_NO_VALUES = _Values()


def _spelled_term(cat: dict[str, Any], reader: JsonReader) -> OntologyAnnotation | None:
    """The term a category spells out, if it does."""
    for key in ("parameterName", "characteristicType", "factorType"):
        if isinstance(cat.get(key), dict):
            return reader.term(cat[key], key)
    if cat.get("factorName"):
        return OntologyAnnotation(reader.scalar(cat["factorName"], "factorName"))
    return None


class _Node:
    """What a table takes from an input or output node."""

    __slots__ = ("kind", "name", "comments", "values")

    def __init__(self, kind: str, body: dict[str, Any], values: _Values, row: Row) -> None:
        self.kind = kind
        self.name = row.reader.text(body, "name", row.path)
        self.comments = body.get("comments")  # only a data node's formats are read from them
        self.values = values

    def cell(self, header: CompositeHeader, reader: JsonReader, path: str) -> CompositeCell:
        if header.is_data_column:
            body = {"name": self.name}
            if self.comments is not None:
                body["comments"] = self.comments
            return io_cell(header, (self.kind, body), reader, path)
        return FreeTextCell(self.name)


_TEXTS = ("name", "description", "uri", "version")


class _Line:
    """One process as a table needs it (see the module docstring)."""

    __slots__ = (
        "reader",
        "path",
        "protocol",
        "protocol_type",
        "components",
        "params",
        "performer",
        "date",
        "comments",
        "inputs",
        "outputs",
    )

    def __init__(self, row: Row, nodes: dict[tuple[str, str], _Node]) -> None:
        reader, path, process = row.reader, row.path, row.process
        self.reader, self.path = reader, path
        protocol = row.protocol
        self.protocol = row.catalog.once(
            "protocol", protocol, lambda: tuple(reader.text(protocol, k, path) for k in _TEXTS)
        )
        self.protocol_type = _given(row.protocol.get("protocolType"))
        self.components = row.components
        params = process.get("parameterValues") or []
        self.params = _Values.read(params, row, f"{path}.parameterValues")
        self.performer = reader.text(process, "performer", path)
        self.date = reader.text(process, "date", path)
        self.comments = row.comments
        n_in = len(reader.array(process, "inputs", path))
        n_out = len(reader.array(process, "outputs", path))
        count = max(n_in, n_out)
        self.inputs = [_node(row, "inputs", k, "characteristics", nodes) for k in range(count)]
        self.outputs = [_node(row, "outputs", k, "factorValues", nodes) for k in range(count)]

    def comment(self, key: str) -> str:
        return next((v for n, v in self.comments if n == key), "")


def _node(
    row: Row, key: str, k: int, values: str, nodes: dict[tuple[str, str], _Node]
) -> _Node | None:
    """The row's ``k``-th input or output, with its characteristics or factor values."""
    refs = row.reader.array(row.process, key, row.path)
    node_id = None
    if k < len(refs):
        node_id = row.reader.obj(refs[k], f"{row.path}.{key}[{k}]").get("@id")
    cached = nodes.get((node_id, values)) if type(node_id) is str else None
    if cached is not None:
        return cached
    found = row.node(key, k)
    if found is None:
        return None
    kind, body = found
    entries = body.get(values) or []
    where = f"{row.path}.{key}[{k}]"
    made = _Node(kind, body, _Values.read(entries, row, f"{where}.{values}"), row)
    if type(node_id) is str and row.catalog.nodes.get(node_id) is not None:
        nodes[(node_id, values)] = made
    return made


def _table_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name).strip()[:28] or "Process"
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}_{n}"
    used.add(candidate)
    return candidate


def _given(term: Any) -> Any:
    """A protocol type, or None for a missing or empty one (``annotationValue`` "" ...)."""
    if isinstance(term, dict) and not any(v for k, v in term.items() if k != "@id"):
        return None
    return term


def foreign_tables(
    processes: list[Any], catalog: Catalog, reader: JsonReader, path: str
) -> list[ArcTable]:
    groups: dict[str, list[_Line]] = {}
    nodes: dict[tuple[str, str], _Node] = {}
    for i, process in enumerate(processes):
        if i % CHECKPOINT == CHECKPOINT - 1:
            checkpoint()
        where = f"{path}.processSequence[{i}]"
        row = Row(reader.obj(process, where), catalog, reader, where)
        # ARCtrl names processes <table>_<row>; otherwise the protocol names the table.
        numbered = re.fullmatch(r"(.+)_\d+", reader.text(row.process, "name", where))
        name = numbered.group(1) if numbered else reader.text(row.protocol, "name", where)
        name = name or reader.text(row.process, "name", where) or "Process"
        groups.setdefault(name, []).append(_Line(row, nodes))
    used: set[str] = set()
    tables = [_foreign_table(_table_name(n, used), lines, catalog) for n, lines in groups.items()]
    return [t for t in tables if t is not None]


def _foreign_table(name: str, lines: list[_Line], catalog: Catalog) -> ArcTable | None:
    """One table from processes that run the same protocol: a row per input/output pair
    (a process with neither inputs nor outputs gives none, as in ARCtrl)."""
    pairs = [(line, k) for line in lines for k in range(len(line.inputs))]
    if not pairs:
        return None
    first = pairs[0][0]
    reader = first.reader
    inputs = [line.inputs[k] for line, k in pairs]
    outputs = [line.outputs[k] for line, k in pairs]
    columns: list[tuple[CompositeHeader, list[CompositeCell]]] = []

    def io_column(kind: HeaderKind, found: list[_Node | None]) -> None:
        node = next((n for n in found if n is not None), None)
        if node is None:
            return
        header = CompositeHeader(kind, io_type=IOType(KIND_LABEL[node.kind]))
        empty = io_cell(header, None, reader, "")
        cells = [n.cell(header, reader, first.path) if n is not None else empty for n in found]
        columns.append((header, cells))

    def value_columns(kind: HeaderKind, values: list[_Values]) -> None:
        order: dict[str, None] = {}
        for v in values:
            for cat in v.cells:
                order.setdefault(cat, None)
        for cat in order:
            term = catalog.categories.get(cat) or next(
                (v.terms[cat] for v in values if cat in v.terms),
                OntologyAnnotation(cat.rsplit("/", 1)[-1]),
            )
            cells = [v.cells.get(cat, EMPTY_TERM_CELL) for v in values]
            columns.append((CompositeHeader(kind, term=term), cells))

    def text_column(header: CompositeHeader, get: Callable[[_Line], str]) -> None:
        texts = [get(line) for line, _ in pairs]
        if any(texts):
            columns.append((header, [FreeTextCell(text) for text in texts]))

    # Columns in the order ARCtrl reads processes into a table: Input, the protocol's
    # columns, characteristics, components, parameters, factors, comments, Output
    # (performer and date, which ARCtrl drops, before the comments).
    io_column(HeaderKind.INPUT, inputs)
    text_column(CompositeHeader.protocol_ref(), lambda line: line.protocol[0])
    types = [line.protocol_type for line, _ in pairs]
    if any(types):
        columns.append(
            (
                CompositeHeader.protocol_type(),
                [TermCell(reader.term(t, "protocolType")) if t else EMPTY_TERM_CELL for t in types],
            )
        )
    for index, header in enumerate(
        (
            CompositeHeader.protocol_description(),
            CompositeHeader.protocol_uri(),
            CompositeHeader.protocol_version(),
        ),
        start=1,
    ):
        text_column(header, lambda line, i=index: line.protocol[i])  # type: ignore[misc]
    value_columns(HeaderKind.CHARACTERISTIC, [n.values if n else _NO_VALUES for n in inputs])
    kinds: dict[OntologyAnnotation, None] = {}
    for line, _ in pairs:
        for kind, _cell in line.components:
            kinds.setdefault(kind, None)
    for kind in kinds:
        cells = [
            next((c for k, c in line.components if k == kind), EMPTY_TERM_CELL) for line, _ in pairs
        ]
        unit = any(isinstance(c, UnitizedCell) for c in cells)
        columns.append((CompositeHeader.component(kind, has_unit=unit), cells))
    value_columns(HeaderKind.PARAMETER, [line.params for line, _ in pairs])
    value_columns(HeaderKind.FACTOR, [n.values if n else _NO_VALUES for n in outputs])
    text_column(CompositeHeader.performer(), lambda line: line.performer)
    text_column(CompositeHeader.date(), lambda line: line.date)
    keys: dict[str, None] = {}
    for line, _ in pairs:
        for key, _value in line.comments:
            keys.setdefault(key, None)
    for key in keys:
        text_column(CompositeHeader.comment(key), lambda line, k=key: line.comment(k))  # type: ignore[misc]
    io_column(HeaderKind.OUTPUT, outputs)
    try:
        return ArcTable(name, columns)
    except (InvalidTable, IsaConflict) as exc:
        raise reader.fail(first.path, str(exc)) from None


__all__ = ["foreign_tables"]
