"""Fulfil a command's contracts on the ARC folder all together or not at all.

One command changes several files (``assay add``: the assay's folder, its
study's file, the investigation). Every spreadsheet is built before the first
write, deleted folders are set aside rather than removed, and what was written
is put back when a later contract fails, so a failing command leaves the ARC
as it found it.
"""

import contextlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from voxhub.isa import Contract, InvalidIsa, Operation, SpreadsheetDTO, fulfil


class _Undo:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.saved: dict[Path, bytes | None] = {}  # file → what it held (None: absent)
        self.made: list[Path] = []  # folders that did not exist
        self.aside: list[tuple[Path, Path]] = []  # (deleted path, where it waits)

    def inside(self, path: str) -> Path:
        target = (self.root / path).resolve()
        if target == self.root or self.root not in target.parents:
            raise InvalidIsa(f"contract path {path!r} leaves the ARC folder")
        return target

    def before_write(self, path: str) -> None:
        target = self.inside(path)
        if target not in self.saved:
            self.saved[target] = target.read_bytes() if target.is_file() else None
        missing = target.parent
        while missing != self.root and not missing.exists():
            if missing.parent == self.root or missing.parent.exists():
                self.made.append(missing)
            missing = missing.parent

    def delete(self, path: str) -> None:
        target = self.inside(path)
        if target.exists() or target.is_symlink():
            waiting = target.with_name(f".{target.name}.deleted-{os.getpid()}")
            os.replace(target, waiting)
            self.aside.append((target, waiting))

    def rollback(self) -> None:
        """Put back what was there; each step on its own (one failing does not stop the rest)."""
        for target, data in self.saved.items():
            with contextlib.suppress(OSError):
                if data is None:
                    target.unlink(missing_ok=True)
                else:
                    target.write_bytes(data)
        for folder in reversed(self.made):
            shutil.rmtree(folder, ignore_errors=True)
        for target, waiting in reversed(self.aside):
            with contextlib.suppress(OSError):
                os.replace(waiting, target)

    def commit(self) -> None:
        for _, waiting in self.aside:
            if waiting.is_dir() and not waiting.is_symlink():
                shutil.rmtree(waiting)
            else:
                waiting.unlink()


def _built(contract: Contract, root: Path) -> Contract:
    """A spreadsheet contract with its file already built (merged into the file there)."""
    dto = contract.dto
    if contract.operation not in (Operation.CREATE, Operation.UPDATE):
        return contract
    if not isinstance(dto, SpreadsheetDTO) or dto.build is None:
        return contract
    target = root / contract.path
    existing = target.read_bytes() if target.is_file() else None
    return contract.with_dto(SpreadsheetDTO(data=dto.render(existing)))


def apply_all(contracts: Iterable[Contract], root: Path) -> list[Contract]:
    """Fulfil every contract, or (when one fails) none: the folder is put back."""
    ready = [_built(c, root) for c in contracts]
    undo = _Undo(root)
    done = []
    try:
        for contract in ready:
            if contract.operation is Operation.DELETE:
                undo.delete(contract.path)
                done.append(contract)
                continue
            if contract.operation in (Operation.CREATE, Operation.UPDATE):
                undo.before_write(contract.path)
            done.append(fulfil(contract, root))
    except BaseException:
        undo.rollback()
        raise
    undo.commit()
    return done
