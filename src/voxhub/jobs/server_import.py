"""The ``import`` job kind: a file or folder from the server's import folders becomes a dataset.

Admins pick a path inside one of ``VOXHUB_IMPORT_ROOTS`` (the same rule as the
MSI import: relative paths only, no ``..``, no symlink that leads out of a
root); the worker converts it with the ``convert`` machinery, like an upload,
and gives the new dataset its folder, teams and importer. The source is only
read, never moved or changed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from voxhub.catalog.datasets import set_initial_access
from voxhub.db.models import Dataset
from voxhub.errors import NotFound, PermissionDenied
from voxhub.jobs.context import JobContext
from voxhub.jobs.convert import convert_into
from voxhub.jobs.kinds import register_kind
from voxhub.storage.local import safe_join

MAX_LISTED = 1000  # entries one listing returns: a folder of a million slices stays cheap


@dataclass(frozen=True)
class FolderEntryInfo:
    name: str
    is_dir: bool
    size: int | None  # bytes of a file; None for folders (not walked)


def list_import_folder(roots: Sequence[Path], relative: str) -> tuple[list[FolderEntryInfo], bool]:
    """What ``relative`` holds in every import root (merged, sorted); and whether cut short."""
    if not roots:
        raise PermissionDenied("this server allows no imports from its disk (VOXHUB_IMPORT_ROOTS)")
    relative = relative.strip().strip("/")
    found: dict[str, FolderEntryInfo] = {}
    exists = False
    truncated = False
    for root in roots:
        folder = safe_join(root, relative) if relative else root
        if not folder.is_dir():
            continue
        exists = True
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.name in found:
                    continue
                if len(found) >= MAX_LISTED:
                    truncated = True
                    break
                try:
                    is_dir = entry.is_dir()
                    size = None if is_dir else entry.stat().st_size
                except OSError:
                    continue
                found[entry.name] = FolderEntryInfo(entry.name, is_dir, size)
    if not exists:
        raise NotFound(f"path: {relative!r} is not a folder in any import folder")
    return sorted(found.values(), key=lambda e: (not e.is_dir, e.name.lower())), truncated


def run_import(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    def on_new(session: Session, dataset: Dataset) -> None:
        set_initial_access(
            session,
            dataset,
            uploader_id=params.get("owner_id"),
            folder_id=params.get("folder_id"),
            team_ids=params.get("team_ids") or (),
        )

    source = Path(params["source"])
    if not source.exists():
        raise NotFound(f"{params.get('path', source.name)!r} is no longer in the import folder")
    return convert_into(
        ctx, source, params["organization"], params["dataset"], params, on_new=on_new
    )


register_kind("import", run_import)
