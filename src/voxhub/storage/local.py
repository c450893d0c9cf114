"""The local data folder: safe names, staging folders and atomic publishing.

Writers never build in place. They work in ``<data>/.staging/<random>/`` and
``publish`` moves the finished folder into ``binaryData`` with one
``os.rename``, so readers see nothing or everything. A crash leaves only a
staging folder, which ``clean_staging`` removes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

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


OWNER_FILE = ".owner.json"
_owner_job: ContextVar[int | None] = ContextVar("voxhub_staging_job", default=None)


@contextmanager
def staging_owned_by(job_id: int) -> Iterator[None]:
    """Staging folders made in this context record ``job_id`` as their owner."""
    token = _owner_job.set(job_id)
    try:
        yield
    finally:
        _owner_job.reset(token)


def staging_owner(folder: Path) -> dict[str, Any] | None:
    """Who built ``folder``: ``{"host", "pid", "job"}``, or None when it does not say."""
    try:
        owner = json.loads((folder / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return None
    return owner if isinstance(owner, dict) else None


def current_owner() -> dict[str, Any]:
    """Who is writing: this host, process and job (``staging_owned_by``)."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "job": _owner_job.get()}


@contextmanager
def staging_folder(staging_root: Path) -> Iterator[Path]:
    """A fresh folder for building; removed afterwards unless it was published.

    It names its owner (host, process, job) so that a start-up clean-up can
    tell a live writer's folder from a dead one's.
    """
    staging_root.mkdir(parents=True, exist_ok=True)
    folder = staging_root / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    (folder / OWNER_FILE).write_text(json.dumps(current_owner()))
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


def clean_staging(
    staging_root: Path,
    older_than_seconds: float = 24 * 3600,
    is_live: Callable[[dict[str, Any] | None, float], bool] | None = None,
) -> int:
    """Remove staging folders left behind by crashed writers; returns how many.

    With ``is_live(owner, age_seconds)`` a folder stays exactly while it says
    so; without it, folders older than ``older_than_seconds`` go.
    """
    if not staging_root.is_dir():
        return 0
    removed = 0
    now = time.time()
    for child in staging_root.iterdir():
        try:
            age = now - child.stat().st_mtime
        except OSError:  # removed meanwhile by its writer
            continue
        live = is_live(staging_owner(child), age) if is_live else age < older_than_seconds
        if not live:
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process of this id runs on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OSError:
        return False
    return True


def folder_bytes(folder: Path) -> int | None:
    """Bytes of the regular files under ``folder`` (symlinked files counted, linked dirs not)."""
    if not folder.is_dir():
        return None
    total = 0
    for root, _dirs, files in os.walk(folder, followlinks=False):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:  # removed while walking, or a dangling link
                continue
    return total
