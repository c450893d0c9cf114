"""The one check for every path a dataset description names.

A ``datasource-properties.json`` names folders: each layer's folder (the
layer's name) and each mag's array (``path``: ``./color/1`` from the dataset
folder, ``1`` from the layer folder, or a URL for a remote layer). These
strings come from users (uploads, properties edits, imports) as well as from
operators, so whatever registers, reads or converts a dataset resolves them
here, never by joining paths itself:

- a layer name is one safe path segment;
- a local mag path is relative, without ``..``, backslashes or NUL bytes, so
  it stays inside its own dataset folder whatever the folder is;
- ``links=False`` (content that came from an upload) also checks the disk:
  no symbolic link on the way, and the resolved path inside the dataset's
  real folder. Operators may place symlinks (a layer folder on another disk),
  so the catalog follows them for datasets put on disk by hand (``links=True``);
- a URL goes through the SSRF guard (``voxhub.storage.remote``).

Callers: ``catalog.register.upsert_dataset`` (every registration: scan, CLI
import, upload, properties edit, trash restore), the upload job before it
publishes (``links=False``), the data readers (box route, thumbnail) and the
importer of WEBKNOSSOS folders.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from voxhub.formats.properties import DatasourceProperties
from voxhub.storage.errors import UnsafePath
from voxhub.storage.local import check_name
from voxhub.storage.remote import AllowedHosts, check_remote_url

__all__ = ["check_layer_paths", "is_remote", "mag_location", "refuse_links"]


def is_remote(path: str) -> bool:
    return "://" in path


def _parts(relative: str, what: str) -> list[str]:
    """The segments of a relative path that cannot leave its folder."""
    if not relative or "\x00" in relative or "\\" in relative or len(relative) > 1024:
        raise UnsafePath(f"{what}: path {relative!r} is not allowed")
    if relative.startswith("/") or (len(relative) > 1 and relative[1] == ":"):
        raise UnsafePath(f"{what}: path {relative!r} must be relative to the dataset folder")
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafePath(f"{what}: path {relative!r} leaves the dataset folder")
    return parts


def mag_location(
    dataset_dir: Path,
    layer: str,
    mag_path: str,
    *,
    links: bool = True,
    allowed: AllowedHosts | None = None,
) -> Path | str:
    """Where a mag's array lives: a folder inside ``dataset_dir``, or a checked URL.

    ``./x/y`` starts at the dataset folder, anything else at the layer folder;
    ``allowed`` are the hosts the operator lets remote layers use.
    """
    what = f"layer {layer}"
    check_name(layer, "layer name")
    if is_remote(mag_path):
        return check_remote_url(mag_path, allowed)
    if mag_path.startswith("./") or mag_path == ".":
        location = dataset_dir.joinpath(*_parts(mag_path, what))
    else:
        location = dataset_dir.joinpath(layer, *_parts(mag_path, what))
    if not links:
        _inside_without_links(dataset_dir, location, what, mag_path)
    return location


def _inside_without_links(dataset_dir: Path, location: Path, what: str, shown: str) -> None:
    current = dataset_dir
    for part in location.relative_to(dataset_dir).parts:
        current = current / part
        if current.is_symlink():
            raise UnsafePath(f"{what}: path {shown!r} goes through a symbolic link")
    if not location.resolve().is_relative_to(dataset_dir.resolve()):
        raise UnsafePath(f"{what}: path {shown!r} leaves the dataset folder")


def check_layer_paths(
    properties: DatasourceProperties,
    dataset_dir: Path | None = None,
    *,
    links: bool = True,
    allowed: AllowedHosts | None = None,
) -> None:
    """Refuse a description whose layer names or mag paths could leave the dataset.

    Without ``dataset_dir`` only the strings are checked (what the catalog
    stores); with it and ``links=False`` the disk is checked too.
    """
    root = dataset_dir if dataset_dir is not None else Path(".")
    for layer in properties.data_layers:
        check_name(layer.name, "layer name")
        for entry in layer.mags:
            relative = entry.path or default_mag_path(entry.mag)
            mag_location(
                root, layer.name, relative, links=links or dataset_dir is None, allowed=allowed
            )


def default_mag_path(mag: Sequence[int]) -> str:
    """The folder of a mag that names no path, relative to its layer (``1``, ``2-2-1``)."""
    x, y, z = mag
    return str(x) if x == y == z else f"{x}-{y}-{z}"


def refuse_links(folder: Path) -> None:
    """Uploaded content may hold no symbolic links (nor other special files) at all."""
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            if path.is_symlink():
                shown = path.relative_to(folder).as_posix()
                raise UnsafePath(f"{shown} is a symbolic link; uploads may not contain links")
