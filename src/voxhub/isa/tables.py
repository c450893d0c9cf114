"""An ordered collection of uniquely named ArcTables (what a study or assay holds)."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator

from voxhub.isa.errors import InvalidTable, IsaConflict, IsaNotFound
from voxhub.isa.table import ArcTable, check_table_name


class ArcTables:
    """Tables in order; names are unique."""

    __slots__ = ("_tables", "__weakref__")

    def __init__(self, tables: Iterable[ArcTable] = ()) -> None:
        self._tables: list[ArcTable] = []
        for table in tables:
            self.add(table)

    def __iter__(self) -> Iterator[ArcTable]:
        return iter(list(self._tables))

    def __len__(self) -> int:
        return len(self._tables)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ArcTables):
            return NotImplemented
        return self._tables == other._tables

    __hash__ = None  # type: ignore[assignment]

    @property
    def names(self) -> list[str]:
        return [t.name for t in self._tables]

    def add(self, table: ArcTable, index: int | None = None) -> ArcTable:
        if not isinstance(table, ArcTable):
            raise InvalidTable(f"expected an ArcTable, got {type(table).__name__}")
        if table.name in self.names:
            raise IsaConflict(f"a table named '{table.name}' already exists")
        at = len(self._tables) if index is None else index
        if not 0 <= at <= len(self._tables):
            raise IsaNotFound(f"table insert position {at} out of range 0..{len(self._tables)}")
        self._tables.insert(at, table)
        table._owner = weakref.ref(self)  # so that table.rename() checks names here too
        return table

    def _holds(self, table: ArcTable) -> bool:
        return any(t is table for t in self._tables)

    def init(self, name: str, index: int | None = None) -> ArcTable:
        """Add a new empty table and return it."""
        return self.add(ArcTable(name), index)

    def get(self, name: str) -> ArcTable:
        for table in self._tables:
            if table.name == name:
                return table
        raise IsaNotFound(f"no table named '{name}' (have: {', '.join(self.names) or 'none'})")

    def try_get(self, name: str) -> ArcTable | None:
        return next((t for t in self._tables if t.name == name), None)

    def get_at(self, index: int) -> ArcTable:
        if not 0 <= index < len(self._tables):
            raise IsaNotFound(f"table index {index} out of range")
        return self._tables[index]

    def set(self, table: ArcTable) -> None:
        """Replace the table of the same name (which must exist)."""
        old = self.get(table.name)
        self._tables[self._tables.index(old)] = table
        table._owner = weakref.ref(self)

    def remove(self, name: str) -> None:
        self._tables.remove(self.get(name))

    def rename(self, old: str, new: str) -> None:
        check_table_name(new)
        table = self.get(old)
        if new != old and new in self.names:
            raise IsaConflict(f"a table named '{new}' already exists")
        table.rename(new)

    def copy(self) -> ArcTables:
        return ArcTables(t.copy() for t in self._tables)


__all__ = ["ArcTables"]
