"""ArcTable: one protocol application as a table of typed columns.

Invariants (checked by every method before anything changes, so a failed
call leaves the table as it was):

* unique columns (Input, Output, Protocol REF, Protocol Type, ... and each
  Comment/FreeText name) occur once; term columns may repeat;
* every column holds exactly ``row_count`` cells: a shorter new column is
  padded with empty cells, a longer one pads every other column;
* term columns hold Term or Unitized cells, other columns FreeText cells,
  Input/Output [Data] columns Data cells;
* insert positions run from 0 to the current size (append) and no further;
  ``set_*`` replaces and never adds; reading outside raises
  :class:`IsaNotFound` (``get_*``) or returns None (``try_get_*``).

Mutating methods work in place; ``copy()`` and a ``copy_and_<method>`` twin
for each of them return a new table instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
from voxhub.isa.errors import InvalidTable, IsaConflict, IsaNotFound
from voxhub.isa.headers import CompositeHeader

if TYPE_CHECKING:
    import weakref

    from voxhub.isa.tables import ArcTables

_BAD_NAME = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True, slots=True)
class CompositeColumn:
    header: CompositeHeader
    cells: tuple[CompositeCell, ...] = ()

    def __post_init__(self) -> None:
        # One look at the kinds of cells present (C speed); row by row only to name a bad one.
        if not set(map(type, self.cells)) <= _kinds(self.header):
            for row, cell in enumerate(self.cells):
                check_cell(self.header, cell, row)


def _kinds(header: CompositeHeader) -> set[type]:
    """The cell classes a column of this header holds."""
    if header.is_term_column:
        return {TermCell, UnitizedCell}
    if header.is_data_column:
        return {DataCell}
    return {FreeTextCell}


def empty_cell(header: CompositeHeader) -> CompositeCell:
    """The cell a column of this header is padded with."""
    if header.is_term_column:
        return EMPTY_TERM_CELL
    if header.is_data_column:
        return EMPTY_DATA_CELL
    return EMPTY_FREE_TEXT_CELL


def check_cell(header: CompositeHeader, cell: CompositeCell, row: int | None = None) -> None:
    """Raise :class:`InvalidTable` unless ``cell`` may stand in a column of ``header``."""
    if header.is_term_column:
        ok = type(cell) is TermCell or type(cell) is UnitizedCell
    elif header.is_data_column:
        ok = type(cell) is DataCell
    else:
        ok = type(cell) is FreeTextCell
    if not ok:
        where = f" (row {row})" if row is not None else ""
        raise InvalidTable(
            f"column '{header.label}' cannot hold a {type(cell).__name__}{where}: "
            + (
                "term columns take Term or Unitized cells"
                if header.is_term_column
                else "Data columns take Data cells"
                if header.is_data_column
                else "this column takes FreeText cells"
            )
        )


def check_table_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidTable("a table needs a non-empty name")
    if len(name) > 31 or _BAD_NAME.search(name):
        raise InvalidTable(
            f"table name '{name}' must be at most 31 characters without []:*?/\\ "
            "(it becomes a spreadsheet name)"
        )
    return name


class ArcTable:
    """A named table of :class:`CompositeHeader` columns holding :class:`CompositeCell` s."""

    # _owner: a weak reference to the ArcTables holding the table, for the unique-name check
    __slots__ = ("_name", "_headers", "_columns", "_owner", "__weakref__")
    _owner: weakref.ref[ArcTables]

    def __init__(
        self,
        name: str,
        columns: Iterable[CompositeColumn | tuple[CompositeHeader, Sequence[CompositeCell]]] = (),
    ) -> None:
        self._name = check_table_name(name)
        self._headers: list[CompositeHeader] = []
        self._columns: list[list[CompositeCell]] = []
        cols = [
            c if isinstance(c, CompositeColumn) else CompositeColumn(c[0], tuple(c[1]))
            for c in columns
        ]
        if cols:
            self.add_columns(cols)

    @classmethod
    def _trusted(
        cls, name: str, headers: list[CompositeHeader], columns: list[list[CompositeCell]]
    ) -> ArcTable:
        """Build from parts a reader has already checked, without copying them."""
        table = cls.__new__(cls)
        table._name = check_table_name(name)
        table._headers = headers
        table._columns = columns
        return table

    # -- reading --------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def headers(self) -> tuple[CompositeHeader, ...]:
        return tuple(self._headers)

    @property
    def column_count(self) -> int:
        return len(self._headers)

    @property
    def row_count(self) -> int:
        return len(self._columns[0]) if self._columns else 0

    @property
    def columns(self) -> list[CompositeColumn]:
        return [
            CompositeColumn(h, tuple(c)) for h, c in zip(self._headers, self._columns, strict=True)
        ]

    def get_column(self, index: int) -> CompositeColumn:
        self._check_index(index, self.column_count, "column")
        return CompositeColumn(self._headers[index], tuple(self._columns[index]))

    def try_get_column(self, index: int) -> CompositeColumn | None:
        return self.get_column(index) if 0 <= index < self.column_count else None

    def column_cells(self, index: int) -> Sequence[CompositeCell]:
        """A read-only view of one column's cells, without copying."""
        self._check_index(index, self.column_count, "column")
        return _ReadOnly(self._columns[index])

    def try_column_index(self, header: CompositeHeader) -> int | None:
        """Index of the first column equal to ``header`` (for Input/Output: of that kind)."""
        for i, h in enumerate(self._headers):
            if h == header or (h.is_io and header.is_io and h.kind is header.kind):
                return i
        return None

    def column_index(self, header: CompositeHeader) -> int:
        index = self.try_column_index(header)
        if index is None:
            raise IsaNotFound(f"table '{self._name}' has no column '{header.label}'")
        return index

    def get_cell(self, column: int, row: int) -> CompositeCell:
        self._check_index(column, self.column_count, "column")
        self._check_index(row, self.row_count, "row")
        return self._columns[column][row]

    def try_get_cell(self, column: int, row: int) -> CompositeCell | None:
        if 0 <= column < self.column_count and 0 <= row < self.row_count:
            return self._columns[column][row]
        return None

    def get_row(self, index: int) -> list[CompositeCell]:
        self._check_index(index, self.row_count, "row")
        return [c[index] for c in self._columns]

    def try_get_row(self, index: int) -> list[CompositeCell] | None:
        return self.get_row(index) if 0 <= index < self.row_count else None

    def iter_rows(self) -> Iterator[tuple[CompositeCell, ...]]:
        return zip(*self._columns, strict=True) if self._columns else iter(())

    def validate(self) -> None:
        """Re-check every invariant (the methods keep them; this is for tests and readers)."""
        check_table_name(self._name)
        if len(self._headers) != len(self._columns):
            raise InvalidTable(f"table '{self._name}': headers and columns differ in number")
        for i, header in enumerate(self._headers):
            for other in self._headers[i + 1 :]:
                if header.clashes_with(other):
                    raise InvalidTable(f"table '{self._name}': duplicate column '{header.label}'")
            if len(self._columns[i]) != self.row_count:
                raise InvalidTable(f"table '{self._name}': column {i} has a different length")
            for row, cell in enumerate(self._columns[i]):
                check_cell(header, cell, row)

    def copy(self) -> ArcTable:
        return ArcTable._trusted(self._name, list(self._headers), [list(c) for c in self._columns])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ArcTable):
            return NotImplemented
        return (
            self._name == other._name
            and self._headers == other._headers
            and self._columns == other._columns
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        heads = ", ".join(h.label for h in self._headers)
        return f"ArcTable({self._name!r}, {self.row_count} rows: {heads})"

    # -- columns --------------------------------------------------------------
    def rename(self, name: str) -> None:
        """Rename; a name another table of the same study or assay has is refused."""
        name = check_table_name(name)
        owner = getattr(self, "_owner", None)
        tables = owner() if owner is not None else None
        if tables is not None and tables._holds(self) and name != self._name:
            if name in tables.names:
                raise IsaConflict(f"a table named '{name}' already exists")
        self._name = name

    def add_column(
        self,
        header: CompositeHeader,
        cells: Sequence[CompositeCell] | None = None,
        index: int | None = None,
        force_replace: bool = False,
    ) -> None:
        """Insert a column at ``index`` (default: append); ``force_replace`` swaps out a clash."""
        self.add_columns([CompositeColumn(header, tuple(cells or ()))], index, force_replace)

    def add_columns(
        self,
        columns: Sequence[CompositeColumn],
        index: int | None = None,
        force_replace: bool = False,
    ) -> None:
        columns = list(columns)
        at = self.column_count if index is None else index
        self._check_index(at, self.column_count + 1, "column insert position")
        for i, col in enumerate(columns):
            for other in columns[i + 1 :]:
                if col.header.clashes_with(other.header):
                    raise InvalidTable(
                        f"duplicate column '{col.header.label}' in the columns added"
                    )
        rows = self.row_count
        headers, cols = list(self._headers), [list(c) for c in self._columns]
        for col in columns:
            clash = next((i for i, h in enumerate(headers) if h.clashes_with(col.header)), None)
            if clash is not None and not force_replace:
                raise InvalidTable(
                    f"table '{self._name}' already has a column '{headers[clash].label}'"
                )
            if clash is not None:
                headers[clash], cols[clash] = col.header, list(col.cells)
            else:
                headers.insert(at, col.header)
                cols.insert(at, list(col.cells))
                at += 1
        self._headers, self._columns = headers, cols
        self._pad(rows)

    def set_column(
        self, index: int, header: CompositeHeader, cells: Sequence[CompositeCell] | None = None
    ) -> None:
        """Replace the column at ``index`` (which must exist)."""
        self._check_index(index, self.column_count, "column")
        column = CompositeColumn(header, tuple(cells or ()))
        self._check_no_clash(header, skip=index)
        rows = self.row_count
        self._headers[index] = header
        self._columns[index] = list(column.cells)
        self._pad(rows)

    def update_header(self, index: int, header: CompositeHeader) -> None:
        """Give the column at ``index`` a new header its cells fit."""
        self._check_index(index, self.column_count, "column")
        for row, cell in enumerate(self._columns[index]):
            check_cell(header, cell, row)
        self._check_no_clash(header, skip=index)
        self._headers[index] = header

    def remove_column(self, index: int) -> None:
        self._check_index(index, self.column_count, "column")
        del self._headers[index]
        del self._columns[index]

    def remove_columns(self, indices: Iterable[int]) -> None:
        wanted = sorted(set(indices), reverse=True)
        for i in wanted:
            self._check_index(i, self.column_count, "column")
        for i in wanted:
            del self._headers[i]
            del self._columns[i]

    def move_column(self, source: int, target: int) -> None:
        self._check_index(source, self.column_count, "column")
        self._check_index(target, self.column_count, "column")
        self._headers.insert(target, self._headers.pop(source))
        self._columns.insert(target, self._columns.pop(source))

    def set_cell(self, column: int, row: int, cell: CompositeCell) -> None:
        self._check_index(column, self.column_count, "column")
        self._check_index(row, self.row_count, "row")
        check_cell(self._headers[column], cell, row)
        self._columns[column][row] = cell

    # -- rows -----------------------------------------------------------------
    def add_row(
        self, cells: Sequence[CompositeCell] | None = None, index: int | None = None
    ) -> None:
        """Insert a row at ``index`` (default: append); None means a row of empty cells."""
        self.add_rows([cells] if cells is not None else [None], index)

    def add_rows(
        self, rows: Sequence[Sequence[CompositeCell] | None], index: int | None = None
    ) -> None:
        if not self._headers:
            raise InvalidTable(f"table '{self._name}' has no columns to add rows to")
        at = self.row_count if index is None else index
        self._check_index(at, self.row_count + 1, "row insert position")
        checked = [self._checked_row(r, at + i) for i, r in enumerate(rows)]
        for c, column in enumerate(self._columns):
            column[at:at] = [row[c] for row in checked]

    def set_row(self, index: int, cells: Sequence[CompositeCell]) -> None:
        """Replace the row at ``index`` (which must exist)."""
        self._check_index(index, self.row_count, "row")
        row = self._checked_row(cells, index)
        for column, cell in zip(self._columns, row, strict=True):
            column[index] = cell

    def remove_row(self, index: int) -> None:
        self._check_index(index, self.row_count, "row")
        for column in self._columns:
            del column[index]

    def remove_rows(self, indices: Iterable[int]) -> None:
        wanted = sorted(set(indices), reverse=True)
        for i in wanted:
            self._check_index(i, self.row_count, "row")
        for column in self._columns:
            for i in wanted:
                del column[i]

    # -- functional twins -----------------------------------------------------
    def _copy_and(self, method: str, *args: Any, **kwargs: Any) -> ArcTable:
        new = self.copy()
        getattr(new, method)(*args, **kwargs)
        return new

    def copy_and_rename(self, name: str) -> ArcTable:
        return self._copy_and("rename", name)

    def copy_and_add_column(
        self,
        header: CompositeHeader,
        cells: Sequence[CompositeCell] | None = None,
        index: int | None = None,
        force_replace: bool = False,
    ) -> ArcTable:
        return self._copy_and("add_column", header, cells, index, force_replace)

    def copy_and_add_columns(
        self,
        columns: Sequence[CompositeColumn],
        index: int | None = None,
        force_replace: bool = False,
    ) -> ArcTable:
        return self._copy_and("add_columns", columns, index, force_replace)

    def copy_and_set_column(
        self, index: int, header: CompositeHeader, cells: Sequence[CompositeCell] | None = None
    ) -> ArcTable:
        return self._copy_and("set_column", index, header, cells)

    def copy_and_update_header(self, index: int, header: CompositeHeader) -> ArcTable:
        return self._copy_and("update_header", index, header)

    def copy_and_remove_column(self, index: int) -> ArcTable:
        return self._copy_and("remove_column", index)

    def copy_and_remove_columns(self, indices: Iterable[int]) -> ArcTable:
        return self._copy_and("remove_columns", list(indices))

    def copy_and_move_column(self, source: int, target: int) -> ArcTable:
        return self._copy_and("move_column", source, target)

    def copy_and_set_cell(self, column: int, row: int, cell: CompositeCell) -> ArcTable:
        return self._copy_and("set_cell", column, row, cell)

    def copy_and_add_row(
        self, cells: Sequence[CompositeCell] | None = None, index: int | None = None
    ) -> ArcTable:
        return self._copy_and("add_row", cells, index)

    def copy_and_add_rows(
        self, rows: Sequence[Sequence[CompositeCell] | None], index: int | None = None
    ) -> ArcTable:
        return self._copy_and("add_rows", rows, index)

    def copy_and_set_row(self, index: int, cells: Sequence[CompositeCell]) -> ArcTable:
        return self._copy_and("set_row", index, cells)

    def copy_and_remove_row(self, index: int) -> ArcTable:
        return self._copy_and("remove_row", index)

    def copy_and_remove_rows(self, indices: Iterable[int]) -> ArcTable:
        return self._copy_and("remove_rows", list(indices))

    # -- helpers --------------------------------------------------------------
    def _check_index(self, index: int, size: int, what: str) -> None:
        if not isinstance(index, int) or not 0 <= index < size:
            limit = f"0..{size - 1}" if size else "none (empty)"
            raise IsaNotFound(f"table '{self._name}': {what} {index} out of range ({limit})")

    def _check_no_clash(self, header: CompositeHeader, skip: int) -> None:
        for i, h in enumerate(self._headers):
            if i != skip and h.clashes_with(header):
                raise InvalidTable(f"table '{self._name}' already has a column '{h.label}'")

    def _checked_row(self, cells: Sequence[CompositeCell] | None, row: int) -> list[CompositeCell]:
        if cells is None:
            return [empty_cell(h) for h in self._headers]
        cells = list(cells)
        if len(cells) != len(self._headers):
            raise InvalidTable(
                f"table '{self._name}': a row needs {len(self._headers)} cells, got {len(cells)}"
            )
        for header, cell in zip(self._headers, cells, strict=True):
            check_cell(header, cell, row)
        return cells

    def _pad(self, at_least: int = 0) -> None:
        rows = max((len(c) for c in self._columns), default=0)
        rows = max(rows, at_least) if self._columns else 0
        for header, column in zip(self._headers, self._columns, strict=True):
            if len(column) < rows:
                column.extend([empty_cell(header)] * (rows - len(column)))


class _ReadOnly(Sequence[CompositeCell]):
    __slots__ = ("_items",)

    def __init__(self, items: list[CompositeCell]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self._items[index]


MUTATING_METHODS = (
    "rename",
    "add_column",
    "add_columns",
    "set_column",
    "update_header",
    "remove_column",
    "remove_columns",
    "move_column",
    "set_cell",
    "add_row",
    "add_rows",
    "set_row",
    "remove_row",
    "remove_rows",
)

__all__ = ["ArcTable", "CompositeColumn", "MUTATING_METHODS", "check_cell", "empty_cell"]
