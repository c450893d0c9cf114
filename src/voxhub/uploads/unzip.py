"""Unpacking an uploaded zip without trusting it.

Refused: entries that would leave the target (absolute, ``..``, drive
letters), links and special files, more than ``max_entries`` entries, a
declared or actual total over ``max_bytes``, and entries that inflate more
than ``max_ratio`` times (zip bombs). Sizes are counted while inflating,
because headers can lie.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from voxhub.storage.errors import UnsafePath
from voxhub.storage.local import safe_join
from voxhub.uploads.errors import ArchiveTooLarge, UnsafeArchive

COPY_BUFFER = 1 << 20
SKIPPED_PREFIXES = ("__MACOSX/",)


@dataclass(frozen=True)
class ZipLimits:
    max_bytes: int
    max_entries: int = 100_000
    max_ratio: float = 200.0
    ratio_applies_above: int = 1 << 20  # tiny entries may compress extremely well


def _entries(archive: zipfile.ZipFile, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    infos = [i for i in archive.infolist() if not i.filename.startswith(SKIPPED_PREFIXES)]
    if len(infos) > limits.max_entries:
        raise ArchiveTooLarge(f"the zip has {len(infos)} entries (limit {limits.max_entries})")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_bytes:
        raise ArchiveTooLarge(f"the zip unpacks to {declared} bytes (limit {limits.max_bytes})")
    for info in infos:
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip tool gave no file type
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeArchive(f"zip entry {info.filename!r} is a link or special file")
        if info.file_size > limits.ratio_applies_above:
            ratio = info.file_size / max(1, info.compress_size)
            if ratio > limits.max_ratio:
                raise ArchiveTooLarge(
                    f"zip entry {info.filename!r} inflates {ratio:.0f} times (a zip bomb?)"
                )
    return infos


def check_zip(path: Path, limits: ZipLimits) -> int:
    """Validate the central directory; the declared unpacked size."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = _entries(archive, limits)
            for info in infos:
                _check_name(info.filename)
    except zipfile.BadZipFile as exc:
        raise UnsafeArchive(f"{path.name}: not a readable zip ({exc})") from None
    return sum(i.file_size for i in infos)


def _check_name(name: str) -> str:
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        raise UnsafeArchive(f"zip entry {name!r} has an absolute path")
    if any(part == ".." for part in cleaned.split("/")):
        raise UnsafeArchive(f"zip entry {name!r} leaves the folder")
    return cleaned


def extract_zip(path: Path, target: Path, limits: ZipLimits) -> Path:
    """Unpack ``path`` into ``target`` (created); on any refusal nothing stays behind."""
    target.mkdir(parents=True, exist_ok=False)
    try:
        _extract(path, target, limits)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def _extract(path: Path, target: Path, limits: ZipLimits) -> None:
    written = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in _entries(archive, limits):
                name = _check_name(info.filename).rstrip("/")
                if not name:
                    continue
                try:
                    destination = safe_join(target, name)
                except UnsafePath as exc:
                    raise UnsafeArchive(f"zip entry {info.filename!r}: {exc.detail}") from None
                if info.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(destination, "xb") as sink:
                    entry = 0
                    while block := source.read(COPY_BUFFER):
                        entry += len(block)
                        written += len(block)
                        if entry > info.file_size or written > limits.max_bytes:
                            raise ArchiveTooLarge(
                                f"zip entry {info.filename!r} inflates past its declared size"
                            )
                        sink.write(block)
    except zipfile.BadZipFile as exc:
        raise UnsafeArchive(f"{path.name}: corrupt zip ({exc})") from None
    except FileExistsError as exc:
        raise UnsafeArchive(f"zip has the entry {exc.filename} twice") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise UnsafeArchive(f"{path.name}: cannot unpack ({exc})") from None
