"""Errors raised by :mod:`voxhub.isa`.

VoxhubError
├── NotFound
│   └── IsaNotFound          an identifier (study, assay, table, column, cell) does not exist
├── InvalidInput
│   ├── InvalidTable         an ArcTable operation would break a table invariant
│   ├── InvalidIsa           a model value is malformed (empty identifier, bad term ...)
│   └── UnreadableInput
│       └── IsaReadError     a file (xlsx, ISA-JSON, ARC folder) is corrupt; names file and cell
└── Conflict
    └── IsaConflict          an identifier or table name is already taken
"""

from __future__ import annotations

from voxhub.errors import Conflict, InvalidInput, NotFound, UnreadableInput, VoxhubError


class IsaNotFound(NotFound):
    code = "isa_not_found"


class InvalidTable(InvalidInput):
    code = "invalid_isa_table"


class InvalidIsa(InvalidInput):
    code = "invalid_isa"


class IsaConflict(Conflict):
    code = "isa_conflict"


class IsaReadError(UnreadableInput):
    """A file could not be read; ``file`` and ``location`` (cell, sheet or JSON path) say where."""

    code = "unreadable_isa"

    def __init__(self, file: str, location: str | None, problem: str) -> None:
        where = f"{file}, {location}" if location else file
        super().__init__(f"{where}: {problem}")
        self.file = file
        self.location = location
        self.problem = problem


class ExecuteFailed(VoxhubError):
    """An EXECUTE contract's command could not run or exited non-zero."""

    code = "execute_failed"


__all__ = [
    "ExecuteFailed",
    "InvalidIsa",
    "InvalidTable",
    "IsaConflict",
    "IsaNotFound",
    "IsaReadError",
]
