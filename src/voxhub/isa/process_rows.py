"""One table's rows as ISA-JSON processes, for :class:`voxhub.isa.processes.ScopeWriter`.

A table is looked at once (:class:`RowPlan`: which column goes where), then its rows
twice: :meth:`RowPlan.register` finds each row's protocol and input/output nodes
(a node collects the values of every row that names it, so all rows must be seen
before any node is written), and :meth:`RowPlan.processes` makes the process dicts
while the document is written, one at a time. What a cell becomes is worked out once
per distinct cell of a column and shared: a 50 000-row table has a few hundred
distinct values per column, not 50 000.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from voxhub.isa.cells import CompositeCell, TermCell
from voxhub.isa.headers import HeaderKind, IOType
from voxhub.isa.jsonvalues import cell_json, dumps_compact, is_json_date
from voxhub.isa.table import ArcTable

if TYPE_CHECKING:
    from voxhub.isa.processes import ScopeWriter

# A row's process refers to: its protocol's id, its input node's id, its output node's id.
Refs = tuple[str, str | None, str | None]

PROTOCOL_KINDS = (
    HeaderKind.PROTOCOL_REF,
    HeaderKind.PROTOCOL_TYPE,
    HeaderKind.PROTOCOL_DESCRIPTION,
    HeaderKind.PROTOCOL_URI,
    HeaderKind.PROTOCOL_VERSION,
    HeaderKind.COMPONENT,
)
CELL = "voxhub:cell:"
PREFIX = "voxhub:"

# Where a non-empty cell of a column goes in its process.
_PARAM, _CHAR, _FACTOR, _PERFORMER, _DATE, _COMMENT, _FALLBACK, _TYPE = range(8)
_SLOTS = {
    HeaderKind.PARAMETER: _PARAM,
    HeaderKind.CHARACTERISTIC: _CHAR,
    HeaderKind.FACTOR: _FACTOR,
    HeaderKind.PERFORMER: _PERFORMER,
    HeaderKind.DATE: _DATE,
    HeaderKind.COMMENT: _COMMENT,
    HeaderKind.PROTOCOL_TYPE: _TYPE,
}
_MISSING = object()


class RowPlan:
    """Where each column of one table goes in its processes."""

    def __init__(self, writer: ScopeWriter, table: ArcTable) -> None:
        self.writer = writer
        self.table = table
        headers = table.headers
        self.protocol_columns = [c for c, h in enumerate(headers) if h.kind in PROTOCOL_KINDS]
        io = {h.kind: (c, h) for c, h in enumerate(headers) if h.is_io}
        self.input, self.output = io.get(HeaderKind.INPUT), io.get(HeaderKind.OUTPUT)
        self.input_holds = self.input is not None and not self.input[1].is_data_column
        self.output_sample = self.output is not None and self.output[1].io_type == IOType.sample()
        # (column, slot, category) for every column a process holds something of
        self.columns: list[tuple[int, int, dict[str, Any] | None]] = []
        self.parameters: list[tuple[int, dict[str, Any]]] = []
        self.characteristics: list[tuple[int, dict[str, Any]]] = []
        self.factors: list[tuple[int, dict[str, Any]]] = []
        for c, h in enumerate(headers):
            if h.is_io or (h.kind in PROTOCOL_KINDS and h.kind is not HeaderKind.PROTOCOL_TYPE):
                continue
            slot = _SLOTS.get(h.kind, _FALLBACK)
            category = None
            if slot in (_PARAM, _CHAR, _FACTOR):
                kind = {_PARAM: "parameter", _CHAR: "characteristic", _FACTOR: "factor"}[slot]
                category = writer.category_ref(table.name, kind, c, h.term)  # type: ignore[arg-type]
                writer.sources.add(h.term.term_source_ref)  # type: ignore[union-attr]
            if slot == _PARAM:
                self.parameters.append((c, category))  # type: ignore[arg-type]
            elif slot == _CHAR:
                self.characteristics.append((c, category))  # type: ignore[arg-type]
            elif slot == _FACTOR:
                self.factors.append((c, category))  # type: ignore[arg-type]
            elif slot == _COMMENT and not writer.notes and h.text.startswith(PREFIX):
                continue  # voxhub's own notes stay out of exports
            elif slot in (_TYPE, _FALLBACK) and not writer.notes:
                continue  # only voxhub's notes hold these cells
            self.columns.append((c, slot, category))
        self._cache: list[dict[CompositeCell, Any]] = [{} for _ in headers]

    def _entry(self, c: int, category: dict[str, Any], cell: CompositeCell) -> Any:
        """A characteristic/factor/parameter cell's value entry (None for an empty cell)."""
        cache = self._cache[c]
        found = cache.get(cell, _MISSING)
        if found is _MISSING:
            found = None if cell.is_empty else self.writer.value_entry(category, cell)
            cache[cell] = found
        return found

    # -- first pass: protocols and nodes --------------------------------------------
    def register(self, row: tuple[CompositeCell, ...]) -> Refs:
        writer = self.writer
        pid = writer.protocol_id(self.table, self.protocol_columns, row)
        for c, category in self.parameters:
            # made now, so that the scope lists every unit (and term source) they use
            # before its processes are written
            self._entry(c, category, row[c])
        return pid, self._node(row, True), self._node(row, False)

    def _node(self, row: tuple[CompositeCell, ...], is_input: bool) -> str | None:
        io = self.input if is_input else self.output
        if io is None:
            return None
        c, header = io
        cell = row[c]
        if cell.is_empty:
            return None
        holds = self.input_holds if is_input else self.output_sample
        values, entries = [], []
        if holds:
            for vc, category in self.characteristics if is_input else self.factors:
                entry = self._entry(vc, category, row[vc])
                if entry is not None:
                    values.append((category, row[vc]))
                    entries.append(entry)
        key = "characteristics" if is_input else "factorValues"
        return self.writer.node_id(header, cell, key, values, entries)

    # -- second pass: the processes -------------------------------------------------
    def processes(self, refs: list[Refs]) -> Iterator[dict[str, Any]]:
        writer, name = self.writer, self.table.name
        notes, inline = writer.notes, writer.inline
        prefix = f"#process/{quote(writer.scope, safe='')}/{quote(name, safe='')}/"
        for r, (row, (pid, in_id, out_id)) in enumerate(
            zip(self.table.iter_rows(), refs, strict=True)
        ):
            process: dict[str, Any] = {
                "@id": f"{prefix}{r}",
                "name": f"{name}_{r}",
                "executesProtocol": writer.slim_protocol(pid) if inline else {"@id": pid},
            }
            params: list[dict[str, Any]] = []
            comments: list[dict[str, str]] = []
            fallback: list[tuple[int, CompositeCell]] = []
            for c, slot, category in self.columns:
                cell = row[c]
                if slot == _PARAM:
                    entry = self._entry(c, category, cell)  # type: ignore[arg-type]
                    if entry is not None:
                        params.append(entry)
                    continue
                if slot == _TYPE:
                    # a term travels in the protocol; anything else only in a note
                    if type(cell) is not TermCell:
                        fallback.append((c, cell))
                    continue
                if cell.is_empty:
                    continue
                if slot == _CHAR:
                    if not (self.input_holds and in_id is not None):
                        fallback.append((c, cell))
                elif slot == _FACTOR:
                    if not (self.output_sample and out_id is not None):
                        fallback.append((c, cell))
                elif slot == _PERFORMER:
                    process["performer"] = cell.text
                elif slot == _DATE:
                    if is_json_date(cell.text):
                        process["date"] = cell.text
                    else:
                        fallback.append((c, cell))
                elif slot == _COMMENT:
                    comments.append(self._comment(c, cell))
                else:
                    fallback.append((c, cell))
            process["parameterValues"] = params  # empty or not: isatools' validator needs it
            # Both lists always, empty or not: isatools' validator needs the keys.
            process["inputs"] = [writer.node_json(in_id)] if in_id is not None else []
            process["outputs"] = [writer.node_json(out_id)] if out_id is not None else []
            if notes and fallback:
                comments += [
                    {"name": f"{CELL}{c}", "value": dumps_compact(cell_json(cell))}
                    for c, cell in fallback
                ]
            if comments:
                process["comments"] = comments
            yield process

    def _comment(self, c: int, cell: CompositeCell) -> dict[str, str]:
        cache = self._cache[c]
        found = cache.get(cell)
        if found is None:
            found = {"name": self.table.headers[c].text, "value": cell.text}
            cache[cell] = found
        return found


__all__ = ["CELL", "PROTOCOL_KINDS", "Refs", "RowPlan"]
