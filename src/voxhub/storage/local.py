"""The local data folder: safe names, staging folders and atomic publishing.

Writers never build in place. They work in ``<data>/.staging/<random>/`` and
``publish`` moves the finished folder into ``binaryData`` with one
``os.rename``, so readers see nothing or everything. A crash leaves only a
staging folder, which ``clean_staging`` removes.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from voxhub.storage.errors import AlreadyExists, UnsafePath

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


def check_name(name: str, what: str = "name") -> str:
    """A single safe path segment: letters, digits, ``_``, ``-``, ``.``; no ``..``."""
    if not NAME_PATTERN.match(name) or ".." in name:
        raise UnsafePath(
            f"invalid {what} {name!r}: use 1-128 letters, digits, '_', '-' or '.', "
            "starting with a letter or digit"
        )
    return name


def safe_join(root: Path, relative: str) -> Path:
    """``root / relative``, refusing absolute paths, ``..``, NUL bytes and symlink escapes."""
    if "\x00" in relative:
        raise UnsafePath(f"path {relative!r} contains a NUL byte")
    if not relative or relative.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", relative):
        raise UnsafePath(f"path {relative!r} must be relative")
    parts = Path(relative).parts
    if any(p in ("..", "") for p in parts):
        raise UnsafePath(f"path {relative!r} may not contain '..'")
    candidate = root.joinpath(*parts)
    real_root = root.resolve()
    if not candidate.resolve().is_relative_to(real_root):
        raise UnsafePath(f"path {relative!r} leaves its folder")
    return candidate


@contextmanager
def staging_folder(staging_root: Path) -> Iterator[Path]:
    """A fresh folder for building; removed afterwards unless it was published."""
    staging_root.mkdir(parents=True, exist_ok=True)
    folder = staging_root / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish(built: Path, target: Path) -> None:
    """Move ``built`` to ``target`` atomically; refuse to replace anything."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        raise AlreadyExists(f"{target.name} already exists")
    try:
        os.rename(built, target)
    except OSError as exc:  # a racing writer published first
        raise AlreadyExists(f"{target.name} already exists ({exc.strerror})") from None


def clean_staging(staging_root: Path, older_than_seconds: float = 24 * 3600) -> int:
    """Remove staging folders left behind by crashed writers; returns how many."""
    if not staging_root.is_dir():
        return 0
    removed = 0
    cutoff = time.time() - older_than_seconds
    for child in staging_root.iterdir():
        if child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed
