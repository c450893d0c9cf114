"""The access question nginx asks before it serves a chunk file itself ("voxhub behind nginx").

``voxhub nginx-config`` writes an nginx server whose chunk locations send each
``/zarr/{org}/{dataset}/{layer}/{key}`` GET through ``auth_request`` to the route
below, cached by nginx for ``VOXHUB_ACCESS_CACHE_SECONDS`` per credential and
layer. The answer is always 200: with ``X-Voxhub-Dir`` (the layer's folder,
relative to the data folder's ``binaryData``) when the one permission check said
yes *and* the layer's files are plain files on this disk, so nginx sends them with
``sendfile``; without it for everything else (refused, unknown, S3, remote layers,
datasets on a datastore), and nginx then hands the request itself to voxhub,
which answers it exactly as it would without nginx.

Only nginx may ask: the request must carry ``X-Voxhub-Front`` with the secret
derived from the server secret (the generated config holds it), so a direct
client learns nothing about the folders on disk.
"""

from __future__ import annotations

import hmac
import os

from fastapi import APIRouter, Request, Response

from voxhub.access.secrets import derive, server_secret
from voxhub.api.deps import authorize_dataset, get_hub, get_principal, layer_of
from voxhub.api.zarr import cache_control
from voxhub.api.zarr_http import not_found
from voxhub.api.zarr_remote import is_remote_layer
from voxhub.catalog.index import DatasetEntry, LayerEntry
from voxhub.config import Settings
from voxhub.errors import VoxhubError

router = APIRouter(tags=["zarr"], include_in_schema=False)

ACCESS_PATH = "/_voxhub/front-access"
SECRET_HEADER = "x-voxhub-front"
TOKEN_HEADER = "x-voxhub-path-token"
DIR_HEADER = "X-Voxhub-Dir"
CACHE_HEADER = "X-Voxhub-Cache-Control"


def front_secret(settings: Settings) -> str:
    """The value nginx sends in ``X-Voxhub-Front``: derived from the server secret."""
    return derive(server_secret(settings), "nginx-front", "v1")


def layer_folder(settings: Settings, entry: DatasetEntry, layer: LayerEntry) -> str | None:
    """The layer's folder relative to ``binaryData`` when its chunk keys are plain files
    there (the path voxhub itself would send them from); None for anything else."""
    if entry.datastore_id is not None or is_remote_layer(layer):
        return None
    storage = entry.storage
    if storage is None:
        return None
    folder = storage.local_file(layer.key) if layer.key else None
    if folder is None:  # an object store: voxhub streams or redirects
        return None
    root = os.path.abspath(settings.binary_data)
    relative = os.path.relpath(os.path.abspath(folder), root)
    parts = relative.split(os.sep)
    if any(p in ("", ".", "..") for p in parts) or not relative.isascii():
        return None  # not below binaryData, or not a name nginx's locations pass on
    return "/".join(parts)


@router.get(ACCESS_PATH + "/{organization}/{dataset}/{layer}")
def front_access(request: Request, organization: str, dataset: str, layer: str) -> Response:
    """Where nginx may read this layer's chunk files for this credential, if anywhere."""
    return answer(request, organization, dataset, layer)


def dispatch_access(request: Request) -> Response | None:
    """The route above without FastAPI's routing (``ZarrFastPath`` calls it): when an
    answer expires, the chunk GETs in flight all ask at once, and each is then a few
    dozen microseconds of Python instead of a routed request in the thread pool."""
    parts = request.scope["path"][len(ACCESS_PATH) + 1 :].split("/")
    if len(parts) != 3 or not all(parts):
        return None
    return answer(request, *parts)


def answer(request: Request, organization: str, dataset: str, layer: str) -> Response:
    hub = get_hub(request)
    presented = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(presented.encode(), front_secret(hub.settings).encode()):
        return not_found("no such route")
    headers = {"Cache-Control": "no-store"}
    path_token = request.headers.get(TOKEN_HEADER)
    try:
        if path_token:  # /zarr/token/{token}/…: the token alone says who asks (as in dispatch)
            principal = hub.authenticator.from_token(path_token)
        else:
            principal = get_principal(request)
        entry = authorize_dataset(hub, principal, organization, dataset)
        found = layer_of(entry, layer)
    except VoxhubError:  # a bad token, a hidden dataset: voxhub itself says so, in its words
        return Response(status_code=200, headers=headers)
    folder = layer_folder(hub.settings, entry, found)
    if folder is not None:
        headers[DIR_HEADER] = folder
        headers[CACHE_HEADER] = cache_control(entry)
    return Response(status_code=200, headers=headers)
