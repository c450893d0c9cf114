"""Unpacking an uploaded zip without trusting it.

Refused: entries that would leave the target (absolute, ``..``, drive
letters), links and special files, more than ``max_entries`` entries, and a
declared or actual total over ``max_bytes``. Sizes are counted while
inflating (``voxhub.storage.archives``), because headers can lie. A high
compression ratio alone is accepted: real data (empty KNOSSOS edge cubes)
compresses hundreds of times, and the total is what bounds the disk.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
import zlib
from pathlib import Path

from voxhub.storage.archives import Inflation, ZipLimits
from voxhub.storage.errors import UnsafePath
from voxhub.storage.local import safe_join
from voxhub.uploads.errors import UnsafeArchive

SKIPPED_PREFIXES = ("__MACOSX/",)

__all__ = ["ZipLimits", "check_zip", "extract_zip"]


def _entries(archive: zipfile.ZipFile, inflation: Inflation) -> list[zipfile.ZipInfo]:
    infos = [i for i in archive.infolist() if not i.filename.startswith(SKIPPED_PREFIXES)]
    inflation.check_declared(infos)
    for info in infos:
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip tool gave no file type
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeArchive(f"zip entry {info.filename!r} is a link or special file")
        _check_name(info.filename)
    return infos


def check_zip(path: Path, limits: ZipLimits) -> int:
    """Validate the central directory; the declared unpacked size."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = _entries(archive, Inflation(limits))
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
        _extract(path, target, Inflation(limits))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def _extract(path: Path, target: Path, inflation: Inflation) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in _entries(archive, inflation):
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
                with open(destination, "xb") as sink:
                    inflation.copy(archive, info, sink.write)
    except zipfile.BadZipFile as exc:
        raise UnsafeArchive(f"{path.name}: corrupt zip ({exc})") from None
    except FileExistsError:
        raise UnsafeArchive(f"zip has the entry {info.filename!r} twice") from None
    except (OSError, EOFError, zlib.error) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__  # no server paths
        raise UnsafeArchive(f"{path.name}: cannot unpack ({reason})") from None
