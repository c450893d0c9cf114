"""Contracts: descriptions of file operations, kept apart from performing them.

The ARC API (:mod:`voxhub.isa.arc`) answers every change with a list of
:class:`Contract` s; :mod:`voxhub.isa.fulfil` performs them on a local folder
(another layer could perform them on object storage or in a browser). A
contract names an operation, a path relative to the ARC root, the kind of
content (``dto_type``) and the content itself (``dto``).
"""

from __future__ import annotations

import enum
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from voxhub.isa.errors import InvalidIsa


class Operation(enum.Enum):
    CREATE = "CREATE"
    READ = "READ"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    EXECUTE = "EXECUTE"


class DTOType(enum.Enum):
    ISA_INVESTIGATION = "ISA_Investigation"
    ISA_STUDY = "ISA_Study"
    ISA_ASSAY = "ISA_Assay"
    ISA_DATAMAP = "ISA_Datamap"
    JSON = "JSON"
    MARKDOWN = "Markdown"
    PLAIN_TEXT = "PlainText"
    CLI = "CLI"

    @property
    def is_spreadsheet(self) -> bool:
        return self in (
            DTOType.ISA_INVESTIGATION,
            DTOType.ISA_STUDY,
            DTOType.ISA_ASSAY,
            DTOType.ISA_DATAMAP,
        )


@dataclass(frozen=True)
class SpreadsheetDTO:
    """xlsx content. Read contracts carry ``data``; write contracts carry ``build``.

    ``build(existing)`` returns the new file, merged into ``existing`` bytes
    when the file is already there (so foreign sheets and styles survive).
    """

    data: bytes | None = None
    build: Callable[[bytes | None], bytes] | None = field(default=None, compare=False)

    def render(self, existing: bytes | None = None) -> bytes:
        if self.build is not None:
            return self.build(existing)
        if self.data is None:
            raise InvalidIsa("spreadsheet DTO has neither data nor a builder")
        return self.data


@dataclass(frozen=True)
class TextDTO:
    """Text content: JSON, markdown or plain text."""

    text: str = ""


@dataclass(frozen=True)
class CliDTO:
    """A command as an argv list (never a shell string) and, once run, its outcome."""

    argv: tuple[str, ...]
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.argv, str):  # "git status" would run "g" with arguments "i" "t" ...
            raise InvalidIsa(
                f"an EXECUTE contract needs an argv list, not the string {self.argv!r}"
            )
        if not self.argv or not all(isinstance(a, str) for a in self.argv):
            raise InvalidIsa("an EXECUTE contract needs a non-empty argv list of strings")


DTO = SpreadsheetDTO | TextDTO | CliDTO


def check_path(path: str) -> str:
    """A clean relative POSIX path inside the ARC, or :class:`InvalidIsa`."""
    if not isinstance(path, str) or "\\" in path or "\x00" in path:
        raise InvalidIsa(f"invalid contract path {path!r}")
    if path == "":
        return path
    norm = posixpath.normpath(path)
    if posixpath.isabs(path) or norm == ".." or norm.startswith("../") or norm == ".":
        raise InvalidIsa(f"contract path {path!r} must stay inside the ARC")
    return norm


@dataclass(frozen=True)
class Contract:
    operation: Operation
    path: str
    dto_type: DTOType | None = None
    dto: DTO | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", check_path(self.path))
        if self.operation is Operation.EXECUTE and not isinstance(self.dto, CliDTO):
            raise InvalidIsa("an EXECUTE contract carries a CliDTO")
        if self.operation in (Operation.CREATE, Operation.UPDATE) and self.dto is None:
            raise InvalidIsa(f"a {self.operation.value} contract for {self.path} needs content")

    @classmethod
    def create(cls, path: str, dto_type: DTOType, dto: DTO) -> Contract:
        return cls(Operation.CREATE, path, dto_type, dto)

    @classmethod
    def update(cls, path: str, dto_type: DTOType, dto: DTO) -> Contract:
        return cls(Operation.UPDATE, path, dto_type, dto)

    @classmethod
    def read(cls, path: str, dto_type: DTOType) -> Contract:
        return cls(Operation.READ, path, dto_type)

    @classmethod
    def delete(cls, path: str) -> Contract:
        return cls(Operation.DELETE, path)

    @classmethod
    def execute(cls, argv: Sequence[str]) -> Contract:
        """Run ``argv`` (no shell) in the ARC root, e.g. ``["git", "pull"]``; a plain string
        is refused (it is not split, and as a sequence it would be its characters)."""
        if isinstance(argv, str):
            raise InvalidIsa(f"an EXECUTE contract needs an argv list, not the string {argv!r}")
        return cls(Operation.EXECUTE, "", DTOType.CLI, CliDTO(tuple(argv)))

    def with_dto(self, dto: DTO) -> Contract:
        return replace(self, dto=dto)

    def __str__(self) -> str:
        if isinstance(self.dto, CliDTO):
            return f"{self.operation.value} {' '.join(self.dto.argv)}"
        return f"{self.operation.value} {self.path}"


def dto_type_for(path: str) -> DTOType:
    """The content kind a path holds in an ARC."""
    name = posixpath.basename(path)
    if name == "isa.investigation.xlsx":
        return DTOType.ISA_INVESTIGATION
    if name == "isa.study.xlsx":
        return DTOType.ISA_STUDY
    if name == "isa.assay.xlsx":
        return DTOType.ISA_ASSAY
    if name.endswith(".json"):
        return DTOType.JSON
    if name.endswith(".md"):
        return DTOType.MARKDOWN
    return DTOType.PLAIN_TEXT


__all__ = [
    "DTO",
    "CliDTO",
    "Contract",
    "DTOType",
    "Operation",
    "SpreadsheetDTO",
    "TextDTO",
    "check_path",
    "dto_type_for",
]
