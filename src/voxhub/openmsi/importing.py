"""Importing MSI files from the server's disk: allowed folders only, published then registered.

The API names a file by a path *relative* to one of ``VOXHUB_IMPORT_ROOTS``;
absolute paths, ``..`` and symlinks that lead out of a root are refused
(``storage.local.safe_join``). The CLI imports any path its user can read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from voxhub.arrays.msi.store import MsiLayout
from voxhub.catalog.register import upsert_dataset
from voxhub.errors import NotFound, PermissionDenied
from voxhub.formats import imzml
from voxhub.formats.dataset_import import published_marker
from voxhub.formats.msi_import import import_msi
from voxhub.formats.properties import DatasourceProperties
from voxhub.hub import Hub
from voxhub.openmsi.analyses import list_analyses
from voxhub.openmsi.errors import MissingParameter
from voxhub.storage.local import check_name, safe_join


def resolve_import_path(roots: Sequence[Path], relative: str | None) -> Path:
    """``relative`` inside the first import root that holds it."""
    if not roots:
        raise PermissionDenied(
            "path: this server allows no imports from its disk (VOXHUB_IMPORT_ROOTS)"
        )
    if relative is None or not str(relative).strip():
        raise MissingParameter("path: give the file's path relative to an import folder")
    for root in roots:
        candidate = safe_join(root, str(relative).strip())
        if candidate.exists():
            return candidate
    raise NotFound(f"path: {relative!r} is not in any import folder")


def register(
    hub: Hub, organization: str, dataset: str, properties: DatasourceProperties
) -> dict[str, Any]:
    """Index a published MSI dataset and the analyses it brought along; the job's result."""
    with hub.transaction() as session:
        upsert_dataset(session, organization, dataset, properties)
    hub.index.refresh(force=True)
    entry = hub.index.get(organization, dataset)
    analyses = list_analyses(hub, entry) if entry is not None else []
    return {
        "organization": organization,
        "dataset": dataset,
        "layers": [layer.name for layer in properties.data_layers],
        "analyses": [a.identifier for a in analyses],
    }


def import_file(
    hub: Hub,
    path: Path,
    organization: str,
    dataset: str,
    *,
    layer: str = "msi",
    tolerance_ppm: float = imzml.DEFAULT_TOLERANCE_PPM,
    marker: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Import an MSI file as a new dataset and register it (idempotent for ``marker``)."""
    check_name(organization, "organization name")
    check_name(dataset, "dataset name")
    root = hub.data_root
    key = root.dataset_key(organization, dataset)
    if marker is not None and root.exists(key) and published_marker(root, key) == marker:
        return register(hub, organization, dataset, root.read_properties(key))

    def report(_index: int, done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)

    properties = import_msi(
        hub.data_root,
        path,
        organization=organization,
        dataset=dataset,
        layer=layer,
        layout=MsiLayout(zarr_format=hub.settings.zarr_format),
        tolerance_ppm=tolerance_ppm,
        progress=report,
        marker=marker,
    )
    return register(hub, organization, dataset, properties)


__all__ = ["import_file", "register", "resolve_import_path"]
