"""The ``upload`` job kind: unpack a finished upload, then register or convert it.

A single zip is unpacked (safely) first. A folder that is usable as it is
gets moved into a staging dataset folder and published with one rename;
anything else is converted by the ``convert`` machinery. Either way the
upload's files are removed once the dataset is registered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from voxhub.catalog.datasets import set_initial_access
from voxhub.db.jobs_models import Upload
from voxhub.db.models import Dataset, utcnow
from voxhub.errors import UnreadableInput, VoxhubError
from voxhub.formats.dataset_import import MARKER_FILE, published_marker
from voxhub.formats.paths import check_layer_paths, refuse_links
from voxhub.formats.properties import read_properties, write_properties
from voxhub.formats.registry import detect
from voxhub.hub import Hub
from voxhub.jobs.context import JobContext
from voxhub.jobs.convert import convert_into, register_published
from voxhub.jobs.kinds import register_kind
from voxhub.jobs.runner import add_housekeeper
from voxhub.storage.local import publish
from voxhub.uploads.errors import UnrecognisedUpload
from voxhub.uploads.recognise import recognise
from voxhub.uploads.service import expire_idle, upload_folder, zip_limits
from voxhub.uploads.unzip import extract_zip

IGNORED = {"__MACOSX", ".DS_Store", "Thumbs.db"}


def content_root(files: Path) -> Path:
    """What holds the data: lone wrapper folders are descended, a lone file is the input."""
    root = files
    while True:
        entries = [e for e in root.iterdir() if e.name not in IGNORED]
        if len(entries) == 1 and entries[0].is_dir():
            root = entries[0]
            continue
        if len(entries) == 1 and _is_volume_file(entries[0]):
            return entries[0]  # a multi-page TIFF, CZI, NIfTI …, not a one-slice folder
        return root


def _is_volume_file(path: Path) -> bool:
    try:
        return not detect(path).__name__.endswith(".images")
    except UnreadableInput:
        return False


def _unpacked(hub: Hub, ctx: JobContext, upload_id: str) -> Path:
    folder = upload_folder(hub, upload_id)
    unpacked = folder.root / "unpacked"
    if unpacked.is_dir():  # an earlier attempt got this far
        return unpacked
    files = [p for p in folder.files.rglob("*") if p.is_file()]
    if len(files) == 1 and files[0].suffix.lower() == ".zip":
        ctx.progress(0.02, 1.0, f"unpacking {files[0].name}")
        extract_zip(files[0], folder.root / ".unpacking", zip_limits(hub))
        (folder.root / ".unpacking").rename(unpacked)
        files[0].unlink()
        return unpacked
    return folder.files


def _set_state(hub: Hub, upload_id: str, state: str) -> None:
    with hub.transaction() as session:
        upload = session.get(Upload, upload_id)
        if upload is not None:
            upload.state = state
            upload.updated = utcnow()


def run_upload(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return _import_upload(ctx, params)
    except VoxhubError:  # the files stay for a retry; the owner may also cancel the upload
        _set_state(ctx.hub, params["upload_id"], "failed")
        raise


def _import_upload(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    hub = ctx.hub
    upload_id, organization, name = params["upload_id"], params["organization"], params["dataset"]
    with hub.transaction() as session:
        upload = session.get(Upload, upload_id)
        if upload is None:
            raise UnrecognisedUpload(f"upload {upload_id} no longer exists")
        options = dict(upload.options)
        access = {
            "uploader_id": upload.owner_id,
            "folder_id": int(upload.folder) if upload.folder else None,
            "team_ids": [int(t) for t in upload.initial_teams],
        }

    def on_new(session: Session, dataset: Dataset) -> None:
        set_initial_access(session, dataset, **access)

    target = hub.data_root.dataset_dir(organization, name)
    marker = f"job-{ctx.job_id}"
    if target.exists() and published_marker(target) == marker:
        result = register_published(hub, organization, name, read_properties(target), on_new)
    else:
        try:
            root = content_root(_unpacked(hub, ctx, upload_id))
        except FileNotFoundError:
            raise UnrecognisedUpload(f"upload {upload_id} has no files left to import") from None
        refuse_links(root if root.is_dir() else root.parent)
        usable = recognise(root)
        if usable is not None:
            ctx.progress(0.1, 1.0, f"registering {usable.kind} as it is")
            build = upload_folder(hub, upload_id).root / "build" / name
            properties = usable.arrange(build, name)
            properties.id = {"name": name, "team": organization}
            check_layer_paths(properties, build, links=False)  # uploaded: no way out, no links
            write_properties(build, properties)
            (build / MARKER_FILE).write_text(f'{{"marker": "{marker}"}}')
            publish(build, target)
            result = register_published(hub, organization, name, properties, on_new)
            result["registered_as"] = usable.kind
        else:
            params = {**options, "layer": options.get("layer") or "color"}
            result = convert_into(ctx, root, organization, name, params, start=0.05, on_new=on_new)
    upload_folder(hub, upload_id).remove()
    _set_state(hub, upload_id, "finished")
    return result


register_kind("upload", run_upload)
add_housekeeper(expire_idle)
