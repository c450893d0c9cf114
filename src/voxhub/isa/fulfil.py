"""Perform contracts on a local ARC folder.

Writes are atomic (temporary file + rename), so a failed write leaves the
previous file in place. Spreadsheet CREATE/UPDATE contracts merge into an
existing file, keeping its foreign sheets and styles; CREATE contracts for
other files never overwrite what is there. EXECUTE runs the argv list with
no shell, in the ARC root.
"""

from __future__ import annotations

import io
import os
import posixpath
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from voxhub.isa.arc import ARC
from voxhub.isa.contracts import (
    CliDTO,
    Contract,
    Operation,
    SpreadsheetDTO,
    TextDTO,
    check_path,
)
from voxhub.isa.errors import ExecuteFailed, InvalidIsa, IsaNotFound, IsaReadError
from voxhub.storage.archives import read_member

# ISA files in a zip larger than this are refused (a zip bomb guard).
MAX_ZIP_MEMBER = 512 * 1024 * 1024

# Folders that are never part of the ARC's own listing.
_SKIP_DIRS = {".git", "__pycache__"}


def _target(root: Path, path: str) -> Path:
    target = (root / path).resolve() if path else root.resolve()
    base = root.resolve()
    if target != base and base not in target.parents:
        raise InvalidIsa(f"contract path {path!r} leaves the ARC folder")
    return target


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fulfil(contract: Contract, root: str | os.PathLike[str], timeout: float = 600) -> Contract:
    """Perform one contract; READ and EXECUTE return it with the result filled in."""
    root = Path(root)
    target = _target(root, contract.path)
    op = contract.operation
    if op is Operation.READ:
        if not target.is_file():
            raise IsaNotFound(f"{contract.path}: no such file in {root}")
        data = target.read_bytes()
        if contract.dto_type is not None and contract.dto_type.is_spreadsheet:
            return contract.with_dto(SpreadsheetDTO(data=data))
        return contract.with_dto(TextDTO(data.decode("utf-8")))
    if op in (Operation.CREATE, Operation.UPDATE):
        dto = contract.dto
        if isinstance(dto, SpreadsheetDTO):
            existing = target.read_bytes() if target.is_file() else None
            _atomic_write(target, dto.render(existing))
        elif isinstance(dto, TextDTO):
            if op is Operation.CREATE and target.exists():
                return contract
            _atomic_write(target, dto.text.encode("utf-8"))
        else:
            raise InvalidIsa(f"{op.value} {contract.path}: unsupported content")
        return contract
    if op is Operation.DELETE:
        if target == root.resolve():
            raise InvalidIsa("refusing to delete the ARC root")
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        return contract
    dto = contract.dto
    assert isinstance(dto, CliDTO)
    try:
        done = subprocess.run(
            list(dto.argv), cwd=target, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExecuteFailed(f"{' '.join(dto.argv)}: could not run ({exc})") from None
    result = CliDTO(dto.argv, done.returncode, done.stdout, done.stderr)
    if done.returncode != 0:
        raise ExecuteFailed(
            f"{' '.join(dto.argv)} exited with {done.returncode}: {done.stderr.strip()[:500]}"
        )
    return contract.with_dto(result)


def fulfil_all(contracts: Iterable[Contract], root: str | os.PathLike[str]) -> list[Contract]:
    return [fulfil(c, root) for c in contracts]


def list_files(root: str | os.PathLike[str]) -> list[str]:
    """Every file below ``root`` as a relative POSIX path (``.git`` left out)."""
    root = Path(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        rel = Path(dirpath).relative_to(root)
        for name in sorted(filenames):
            found.append((rel / name).as_posix())
    return found


def load_arc(root: str | os.PathLike[str]) -> ARC:
    """Read the ARC at ``root``: paths → READ contracts → fulfilled → model."""
    root = Path(root)
    if not root.is_dir():
        raise IsaNotFound(f"no ARC folder at {root}")
    paths = list_files(root)
    if "isa.investigation.xlsx" not in paths:
        raise IsaReadError(str(root / "isa.investigation.xlsx"), None, "missing: not an ARC folder")
    contracts = fulfil_all(ARC.read_contracts(paths), root)
    return ARC.from_contracts(contracts, paths)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def write_arc(arc: ARC, root: str | os.PathLike[str]) -> list[Contract]:
    """Write (or bring up to date) a whole ARC at ``root``.

    The ARC is written into a staging folder beside ``root`` (a hard-linked copy of what
    is there: datasets are not copied) that then takes ``root``'s place, as datasets are
    published: a model that cannot be written, or a write that fails half-way, leaves
    ``root`` as it was. Files are replaced by rename, never written through a link, so
    the old tree is never touched.
    """
    root = Path(root).resolve()
    root.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}.writing-"))
    try:
        if root.is_dir():
            shutil.copytree(
                root, stage, symlinks=True, copy_function=_link_or_copy, dirs_exist_ok=True
            )
        arc.file_paths |= set(list_files(stage))
        done = fulfil_all(arc.write_contracts(), stage)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if root.exists():
        old = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}.old-"))
        os.replace(root, old / "arc")
        os.replace(stage, root)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(stage, root)
    return done


def write_arc_zip(arc: ARC) -> bytes:
    """The whole ARC (ISA files, READMEs, folder keepers) as a zip, performed in memory."""
    out = io.BytesIO()
    fresh = ARC(arc.investigation)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for contract in fresh.write_contracts():
            dto = contract.dto
            if isinstance(dto, SpreadsheetDTO):
                zf.writestr(contract.path, dto.render(None))
            elif isinstance(dto, TextDTO):
                zf.writestr(contract.path, dto.text)
    return out.getvalue()


def read_arc_zip(data: bytes, source: str = "arc.zip") -> ARC:
    """Read an ARC from a zip (its files at the top or in one top-level folder)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise IsaReadError(source, None, f"not a readable zip file ({exc})") from None
    with zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        prefix = ""
        if "isa.investigation.xlsx" not in names:
            tops = [n for n in names if posixpath.basename(n) == "isa.investigation.xlsx"]
            shallow = [n for n in tops if n.count("/") == 1]
            if not shallow:
                raise IsaReadError(source, None, "no isa.investigation.xlsx: not an ARC")
            prefix = shallow[0].split("/")[0] + "/"
        paths = {}
        for name in names:
            if name.startswith(prefix):
                try:
                    paths[check_path(name[len(prefix) :])] = name
                except InvalidIsa:
                    raise IsaReadError(source, name, "unsafe path in zip") from None
        contracts = []
        for contract in ARC.read_contracts(paths):
            info = zf.getinfo(paths[contract.path])
            if info.file_size > MAX_ZIP_MEMBER:
                raise IsaReadError(source, info.filename, "file too large")
            try:
                body = read_member(zf, info)  # bounded, charged to the caller's inflation
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise IsaReadError(source, info.filename, f"cannot unpack ({exc})") from None
            contracts.append(contract.with_dto(SpreadsheetDTO(data=body)))
    return ARC.from_contracts(contracts, paths)


__all__ = [
    "fulfil",
    "fulfil_all",
    "list_files",
    "load_arc",
    "read_arc_zip",
    "write_arc",
    "write_arc_zip",
]
