"""The ``upload`` job kind: unpack a finished upload, then register or convert it.

A single zip is unpacked (safely) first. A folder that is usable as it is
gets moved into a staging dataset folder and published with one rename;
anything else is converted by the ``convert`` machinery. Either way the
upload's files are removed once the dataset is registered.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from voxhub.catalog.datasets import set_initial_access
from voxhub.catalog.register import registration
from voxhub.db.jobs_models import Upload
from voxhub.db.models import Dataset, utcnow
from voxhub.errors import UnreadableInput, VoxhubError
from voxhub.formats.dataset_import import MARKER_FILE, published_marker
from voxhub.formats.ingest import publish_registered
from voxhub.formats.paths import check_layer_paths, refuse_links
from voxhub.formats.properties import write_properties
from voxhub.formats.registry import detect
from voxhub.hub import Hub
from voxhub.jobs.context import JobContext
from voxhub.jobs.convert import convert_into, register_published
from voxhub.jobs.errors import JobLost
from voxhub.jobs.kinds import register_kind
from voxhub.jobs.runner import add_housekeeper
from voxhub.storage.errors import AlreadyExists
from voxhub.uploads.errors import NameUnavailable, UnrecognisedUpload, UploadClosed
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


def _work_copy(hub: Hub, ctx: JobContext, upload_id: str) -> Path:
    """A fresh working copy of the upload: a zip unpacked, other files hard-linked.

    Every attempt starts by discarding what an earlier one left (a worker
    killed while unpacking leaves ``.unpacking``; one killed while arranging
    leaves ``build``), and the received files are never moved or changed, so
    each step can run again.
    """
    folder = upload_folder(hub, upload_id)
    folder.discard_work()
    if not folder.files.is_dir():
        raise FileNotFoundError(upload_id)
    files = [p for p in folder.files.rglob("*") if p.is_file()]
    if len(files) == 1 and files[0].suffix.lower() == ".zip":
        ctx.progress(0.02, 1.0, f"unpacking {files[0].name}")
        extract_zip(files[0], folder.unpacking, zip_limits(hub))
    else:
        _link_tree(folder.files, folder.unpacking)
    folder.unpacking.rename(folder.unpacked)
    return folder.unpacked


def _link_tree(source: Path, target: Path) -> None:
    """``target`` mirrors ``source`` with hard links (no bytes copied, same disk)."""
    for root, _dirs, names in os.walk(source):
        here = target / Path(root).relative_to(source)
        here.mkdir(parents=True, exist_ok=True)
        for name in names:
            try:
                os.link(Path(root, name), here / name, follow_symlinks=False)
            except OSError:  # a file system without hard links
                shutil.copy2(Path(root, name), here / name, follow_symlinks=False)


def _set_state(hub: Hub, upload_id: str, state: str) -> None:
    with hub.transaction() as session:
        upload = session.get(Upload, upload_id)
        if upload is not None and upload.state not in ("cancelled", "expired"):
            upload.state = state
            upload.updated = utcnow()


def run_upload(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    upload_id = params["upload_id"]
    try:
        return _import_upload(ctx, params)
    except JobLost:  # another worker runs this job now: its files are not ours to touch
        raise
    except Exception as exc:
        # What this attempt unpacked goes; the received files stay for a retry
        # (or a DELETE). Server paths never reach the job's error.
        upload_folder(ctx.hub, upload_id).discard_work()
        _set_state(ctx.hub, upload_id, "failed")
        if isinstance(exc, VoxhubError):
            exc.detail = _without_server_paths(exc.detail, ctx.hub, upload_id)
        raise


def _without_server_paths(text: str, hub: Hub, upload_id: str) -> str:
    folder = upload_folder(hub, upload_id)
    for prefix in (folder.unpacked, folder.unpacking, folder.build, folder.files, folder.root):
        for form in {str(prefix), str(prefix.resolve())}:
            text = text.replace(form + os.sep, "").replace(form, ".")
    for form in {str(hub.settings.data), str(hub.settings.data.resolve())}:
        text = text.replace(form + os.sep, "").replace(form, ".")
    return text


def _import_upload(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    hub = ctx.hub
    upload_id, organization, name = params["upload_id"], params["organization"], params["dataset"]
    with hub.transaction() as session:
        upload = session.get(Upload, upload_id)
        if upload is None or upload.state in ("cancelled", "expired"):
            raise UploadClosed(f"upload {upload_id} was cancelled or has expired")
        upload.state = "finishing"  # also when a retry runs a failed upload again
        options = dict(upload.options)
        uploader_id = upload.owner_id
        folder_id = int(upload.folder) if upload.folder else None
        team_ids = [int(t) for t in upload.initial_teams]

    def on_new(session: Session, dataset: Dataset) -> None:
        set_initial_access(
            session, dataset, uploader_id=uploader_id, folder_id=folder_id, team_ids=team_ids
        )

    data_root = hub.data_root
    key = data_root.dataset_key(organization, name)
    marker = f"job-{ctx.job_id}"
    if data_root.exists(key) and published_marker(data_root, key) == marker:
        properties = data_root.read_properties(key)
        result = register_published(hub, organization, name, properties, on_new)
    elif data_root.exists(key):
        raise _unavailable(organization, name)
    else:
        try:
            root = content_root(_work_copy(hub, ctx, upload_id))
        except FileNotFoundError:
            raise UnrecognisedUpload(f"upload {upload_id} has no files left to import") from None
        refuse_links(root if root.is_dir() else root.parent)
        usable = recognise(root)
        if usable is not None:
            ctx.progress(0.1, 1.0, f"registering {usable.kind} as it is")
            build = upload_folder(hub, upload_id).build / name
            properties = usable.arrange(build, name)
            properties.id = {"name": name, "team": organization}
            check_layer_paths(properties, build, links=False)  # uploaded: no way out, no links
            write_properties(build, properties)
            (build / MARKER_FILE).write_text(f'{{"marker": "{marker}"}}')
            register = registration(hub.sessions, organization, name, on_new)
            try:  # the catalog accepts the rows before the rename makes the dataset visible
                publish_registered(data_root, build, key, properties, register)
            except AlreadyExists:
                raise _unavailable(organization, name) from None
            result = {
                "organization": organization,
                "dataset": name,
                "layers": [layer.name for layer in properties.data_layers],
                "registered_as": usable.kind,
            }
        else:
            params = {**options, "layer": options.get("layer") or "color"}
            result = convert_into(ctx, root, organization, name, params, start=0.05, on_new=on_new)
    upload_folder(hub, upload_id).remove()
    _set_state(hub, upload_id, "finished")
    return result


def _unavailable(organization: str, name: str) -> NameUnavailable:
    """The same words whether or not the uploader may see the dataset holding the name."""
    return NameUnavailable(
        f"the name {name!r} is not available in organization {organization}; "
        "upload again under another name"
    )


register_kind("upload", run_upload)
add_housekeeper(expire_idle)
