"""ArcTable ↔ spreadsheet columns (one Excel table object per ArcTable).

A term column spans a group of spreadsheet columns::

    Parameter [temperature] | Unit | Term Source REF (PATO:0000146)
        | Term Accession Number (PATO:0000146)

The id in parentheses is the column's own term, not the unit's. Cells of a
group with a Unit column are Unitized, as ARCtrl reads them (a value without
a unit too: it is a number missing its unit, not a term; and empty cells),
except a term with an accession and no unit. The header
remembers the Unit column (``has_unit``) so a column whose cells are all empty
still comes back with it. Data columns span ``Data Format`` and ``Data Selector Format``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from openpyxl.utils import get_column_letter

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
from voxhub.isa.errors import InvalidTable, IsaConflict, IsaReadError
from voxhub.isa.headers import CompositeHeader, HeaderKind
from voxhub.isa.ontology import OntologyAnnotation, parse_accession
from voxhub.isa.table import ArcTable, check_table_name
from voxhub.isa.xlsx.workbook import Workbook, cell_text

# ARCtrl names the Protocol Type column's own term with this accession.
PROTOCOL_TYPE_ID = "DPBO:1000161"
_PAREN = re.compile(r"^(Term Source REF|Term Accession Number)\s*\((.*)\)$")
TABLE_PREFIX = "annotationTable"


@dataclass
class _Group:
    """Where one ArcTable column's parts stand among the spreadsheet columns."""

    header: CompositeHeader
    main: int
    unit: int | None = None
    source: int | None = None
    accession: int | None = None
    data_format: int | None = None
    selector: int | None = None
    term_id: str = ""


# -- writing --------------------------------------------------------------------
def _term_id(header: CompositeHeader) -> str:
    if header.kind is HeaderKind.PROTOCOL_TYPE:
        return PROTOCOL_TYPE_ID
    term = header.term or OntologyAnnotation()
    return term.short or term.term_accession


def table_rows(table: ArcTable) -> tuple[list[str], Iterator[Sequence[str]]]:
    """The header texts and a row iterator for a table's sheet.

    The sheet's columns are made column by column (a list comprehension each) and
    turned into rows by ``zip`` at C speed: a 50 000-row table has 1.6 million
    spreadsheet cells.
    """
    header: list[str] = []
    columns: list[list[str]] = []
    for index, h in enumerate(table.headers):
        cells = table.column_cells(index)
        if h.is_term_column:
            has_unit = h.has_unit or any(type(c) is UnitizedCell for c in cells)
            tid = _term_id(h)
            header.append(h.label)
            if has_unit:
                header.append("Unit")
            header += [f"Term Source REF ({tid})", f"Term Accession Number ({tid})"]
            columns += _term_columns(cells, has_unit)
        elif h.is_data_column:
            header += [h.label, "Data Format", "Data Selector Format"]
            columns += [
                [c.name for c in cells],  # type: ignore[attr-defined]
                [c.format for c in cells],  # type: ignore[attr-defined]
                [c.selector_format for c in cells],  # type: ignore[attr-defined]
            ]
        else:
            header.append(h.label)
            columns.append([c.value for c in cells])  # type: ignore[attr-defined]
    return header, zip(*columns, strict=True)


def _term_columns(cells: Sequence[CompositeCell], has_unit: bool) -> list[list[str]]:
    """Value (Unit) Term Source REF, Term Accession Number: a unitized cell's term is its
    unit, a term cell's its own (and its Unit is empty)."""
    unitized = [type(c) is UnitizedCell for c in cells]
    terms = [c.unit if u else c.term for c, u in zip(cells, unitized, strict=True)]  # type: ignore[attr-defined]
    values = [c.value if u else t.name for c, u, t in zip(cells, unitized, terms, strict=True)]  # type: ignore[attr-defined]
    sources = [t.term_source_ref for t in terms]
    accessions = [t.term_accession for t in terms]
    if not has_unit:
        return [values, sources, accessions]
    units = [t.name if u else "" for u, t in zip(unitized, terms, strict=True)]
    return [values, units, sources, accessions]


# -- reading --------------------------------------------------------------------
def _where(sheet: str, col: int, row: int) -> str:
    return f"sheet '{sheet}' cell {get_column_letter(col + 1)}{row}"


def _groups(texts: Sequence[str], source: str, sheet: str, col0: int, row: int) -> list[_Group]:
    groups: list[_Group] = []
    for i, raw in enumerate(texts):
        text = raw.strip()
        where = _where(sheet, col0 + i, row)
        last = groups[-1] if groups else None
        paren = _PAREN.match(text)
        if text == "Unit" or paren:
            if last is None or not last.header.is_term_column:
                raise IsaReadError(source, where, f"'{text}' follows no term column")
            if text == "Unit":
                if last.unit is not None or last.source is not None:
                    raise IsaReadError(source, where, "misplaced 'Unit' column")
                last.unit = i
            elif paren.group(1) == "Term Source REF":  # type: ignore[union-attr]
                last.source, last.term_id = i, paren.group(2).strip()  # type: ignore[union-attr]
            else:
                last.accession = i
                last.term_id = last.term_id or paren.group(2).strip()  # type: ignore[union-attr]
            continue
        if text in ("Data Format", "Data Selector Format"):
            if last is None or not last.header.is_data_column:
                raise IsaReadError(source, where, f"'{text}' follows no Data column")
            if text == "Data Format":
                last.data_format = i
            else:
                last.selector = i
            continue
        try:
            header = _header(text)
        except InvalidTable as exc:
            raise IsaReadError(source, where, str(exc)) from None
        for g in groups:
            if g.header.clashes_with(header):
                first = _where(sheet, col0 + g.main, row)
                raise IsaReadError(
                    source, where, f"duplicate column '{header.label}' (first at {first})"
                )
        groups.append(_Group(header, i))
    for g in groups:
        if g.header.is_term_column:
            term = g.header.term
            if term is not None:
                parsed = parse_accession(g.term_id) if g.term_id else None
                full = OntologyAnnotation(
                    term.name, parsed[0] if parsed else "", g.term_id if g.term_id else ""
                )
                g.header = CompositeHeader(g.header.kind, term=full, has_unit=g.unit is not None)
            else:
                g.header = g.header.with_unit(g.unit is not None)
    return groups


def _header(text: str) -> CompositeHeader:
    from voxhub.isa.headers import parse_header_label

    return parse_header_label(text)


def _column_cells(group: _Group, parts: Sequence[Sequence[str]]) -> list[CompositeCell]:
    """One ArcTable column's cells from the spreadsheet columns its group spans.

    Cells are made once per distinct value (a 50 000-row column holds a few hundred)
    and shared; the loop over rows is a dict look-up each.
    """
    h = group.header
    rows = len(parts[0]) if parts else 0
    empty = repeat("", rows)

    def part(index: int | None) -> Iterable[str]:
        return parts[index] if index is not None else empty

    cache: dict[Any, CompositeCell] = {}
    if h.is_term_column:
        has_unit = group.unit is not None
        keys: Iterable[Any] = zip(
            part(group.main),
            part(group.unit),
            part(group.source),
            part(group.accession),
            strict=True,
        )

        def make(key: Any) -> CompositeCell:
            value, unit, tsr, tan = key
            if has_unit and (unit or not (tsr or tan)):
                # As in ARCtrl: a cell of a column with a Unit is Unitized, also a value
                # whose unit is missing (it is not a term named "37") and an empty one.
                # Only a term with an accession and no unit (voxhub lets a term stand
                # in a unit column) stays a term.
                return UnitizedCell(value, OntologyAnnotation(unit, tsr, tan))
            if value or tsr or tan:
                return TermCell(OntologyAnnotation(value, tsr, tan))
            return EMPTY_TERM_CELL

    elif h.is_data_column:
        keys = zip(part(group.main), part(group.data_format), part(group.selector), strict=True)

        def make(key: Any) -> CompositeCell:
            return DataCell(*key) if any(key) else EMPTY_DATA_CELL

    else:
        keys = part(group.main)

        def make(key: Any) -> CompositeCell:
            return FreeTextCell(key) if key else EMPTY_FREE_TEXT_CELL

    cells = []
    for key in keys:
        cell = cache.get(key)
        if cell is None:
            cell = cache[key] = make(key)
        cells.append(cell)
    return cells


def _texts(values: Sequence[object]) -> Sequence[str]:
    """A spreadsheet column as text (most are text already: then as it is)."""
    if set(map(type, values)) <= {str}:
        return values  # type: ignore[return-value]
    return [cell_text(v) for v in values]


def read_table(
    name: str,
    rows: Iterable[Sequence[object]],
    bounds: tuple[int, int, int, int],
    source: str,
) -> ArcTable:
    """Build an ArcTable from sheet rows inside an Excel table's bounds (1-based, inclusive)."""
    try:
        check_table_name(name)
    except InvalidTable as exc:
        raise IsaReadError(source, f"sheet '{name}'", str(exc)) from None
    min_col, min_row, max_col, max_row = bounds
    width = max_col - min_col + 1
    inside = []
    for number, raw in enumerate(rows, start=1):
        if number < min_row:
            continue
        if number > max_row:
            break
        row = raw[min_col - 1 : max_col]
        if len(row) < width:
            row = (*row, *[""] * (width - len(row)))
        inside.append(row)
    if not inside:
        raise IsaReadError(source, f"sheet '{name}'", "the table has no header row")
    header = [cell_text(v) for v in inside[0]]
    groups = _groups(header, source, name, min_col - 1, min_row)
    # Rows the table's range covers but that hold no cell at all are empty rows.
    missing = (max_row - min_row) - (len(inside) - 1)
    inside += [("",) * width] * missing
    # Column by column: zip(*rows) turns the rows around at C speed.
    parts = [_texts(col) for col in zip(*inside[1:], strict=True)] if len(inside) > 1 else []
    del inside
    if not parts:
        parts = [()] * width
    columns = [_column_cells(g, parts) for g in groups]
    return ArcTable._trusted(name, [g.header for g in groups], columns)


# -- table sheets of a study or assay workbook -------------------------------------
def write_table_sheets(wb: Workbook, tables: Iterable[ArcTable], metadata_sheet: str) -> None:
    """Write one sheet per table and drop annotation-table sheets the model no longer has."""
    tables = list(tables)
    names = [t.name for t in tables]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        # a table renamed behind its collection's back: refuse rather than overwrite a sheet
        raise IsaConflict(f"two tables are named '{twice[0]}'")
    if metadata_sheet in names:
        raise InvalidTable(f"a table may not be named '{metadata_sheet}' (the metadata sheet)")
    for old in table_sheets(wb):
        if old not in names:
            wb.remove_sheet(old)
    used = {t.name for sheet in wb.sheet_names for t in wb.tables(sheet) if sheet not in names}
    for index, table in enumerate(tables):
        table_name = f"{TABLE_PREFIX}{index}"
        while table_name in used:
            table_name += "_"
        used.add(table_name)
        header, rows = table_rows(table)
        if not header:
            wb.set_sheet(table.name, [])
            continue
        wb.set_sheet(table.name, _chain([header], rows), table_name, len(header))
    wb.order_sheets([metadata_sheet, *names])


def _chain(first: list[list[str]], rest: Iterator[Sequence[str]]) -> Iterator[Sequence[str]]:
    yield from first
    yield from rest


def table_sheets(wb: Workbook) -> list[str]:
    """Sheets holding an annotation table (an Excel table named ``annotationTable...``)."""
    return [
        sheet
        for sheet in wb.sheet_names
        if any(t.name.startswith(TABLE_PREFIX) for t in wb.tables(sheet))
    ]


def read_table_sheets(wb: Workbook) -> list[ArcTable]:
    tables = []
    for sheet in table_sheets(wb):
        ref = next(t for t in wb.tables(sheet) if t.name.startswith(TABLE_PREFIX))
        try:
            bounds = ref.bounds
        except ValueError:
            raise IsaReadError(
                wb.source, f"sheet '{sheet}'", f"table range '{ref.ref}' is invalid"
            ) from None
        tables.append(read_table(sheet, wb.rows(sheet), bounds, wb.source))
    return tables


__all__ = [
    "PROTOCOL_TYPE_ID",
    "TABLE_PREFIX",
    "read_table",
    "read_table_sheets",
    "table_rows",
    "table_sheets",
    "write_table_sheets",
]
