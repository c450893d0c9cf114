"""ISA-JSON processes → ArcTables (the inverse of :mod:`voxhub.isa.processes`).

With a ``voxhub:tables`` layout comment the tables come back exactly as they
were written. Without one (ISA-JSON from other tools) processes are grouped
by the protocol they execute, one table per protocol, one row per
input/output pair, columns in the order ARCtrl reads them: Input, protocol
columns, characteristics, components, parameters, factors, (performer, date,)
comments, Output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from voxhub.isa.cells import (
    EMPTY_FREE_TEXT_CELL,
    EMPTY_TERM_CELL,
    CompositeCell,
    FreeTextCell,
    TermCell,
    UnitizedCell,
)
from voxhub.isa.errors import InvalidTable, IsaConflict
from voxhub.isa.foreign_tables import foreign_tables
from voxhub.isa.headers import CompositeHeader, HeaderKind
from voxhub.isa.jsonvalues import JsonReader, header_from_json
from voxhub.isa.process_catalog import Catalog, Row, io_cell
from voxhub.isa.processes import CELL, LAYOUT, category_id
from voxhub.isa.table import ArcTable, check_cell

_EMPTY_UNITIZED = UnitizedCell()


def _getter(
    header: CompositeHeader, column: int, scope: str, table: str, nth: int
) -> Callable[[Row], CompositeCell]:
    """How to find column ``column``'s cell in a process."""
    kind = header.kind
    category = {
        HeaderKind.PARAMETER: "parameter",
        HeaderKind.CHARACTERISTIC: "characteristic",
        HeaderKind.FACTOR: "factor",
    }.get(kind)
    cat_id = category_id(scope, table, category, column) if category else ""

    def get(row: Row) -> CompositeCell:
        r, reader, path = row, row.reader, row.path
        if column in r.fallback:
            return r.fallback[column]
        if kind is HeaderKind.INPUT:
            return io_cell(header, r.node("inputs"), reader, f"{path}.inputs[0]")
        if kind is HeaderKind.OUTPUT:
            return io_cell(header, r.node("outputs"), reader, f"{path}.outputs[0]")
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
        def get_unitized(row: Row) -> CompositeCell:
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
        return foreign_tables(processes, catalog, reader, path)
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
        getters: list[Callable[[Row], CompositeCell]] = []
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
            row = Row(reader.obj(processes[position + r], where_p), catalog, reader, where_p)
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


__all__ = ["Catalog", "read_tables"]
