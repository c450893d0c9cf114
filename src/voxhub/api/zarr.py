"""``/zarr``: every layer as an OME-Zarr image over plain HTTP, one chunk = one URL.

This is the hot path. A request resolves ``org/dataset/layer`` in the
in-memory catalog index, asks ``can()`` (the principal is cached by token),
stats one file in a thread (``voxhub.storage.offload``) and hands it to the
server (ASGI ``pathsend`` where the server offers it). No database query per
chunk in the steady state.

This module reads the URL (``dispatch``) and answers it (``serve``: listings,
root documents, layers, keys) and holds the documented routes. Around it:
``zarr_fast`` (the ASGI middleware that answers before FastAPI's routing),
``zarr_disk`` (a file on disk as HTTP says), ``zarr_objects`` (an object of
an object store), ``zarr_remote`` (remote layers), ``zarr_http`` (headers,
ranges, conditional GETs).
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from voxhub.access.errors import Hidden
from voxhub.access.principal import Principal
from voxhub.api.deps import authorize_dataset, elsewhere, get_hub, get_principal, layer_of
from voxhub.api.zarr_disk import DiskFile, media_type
from voxhub.api.zarr_http import CORS
from voxhub.api.zarr_http import not_found as _not_found
from voxhub.api.zarr_objects import send_object
from voxhub.api.zarr_remote import is_remote_layer, serve_remote
from voxhub.catalog.index import DatasetEntry
from voxhub.formats.properties import PROPERTIES_FILE

router = APIRouter(prefix="/zarr", tags=["zarr"])

ROOT_FILES = {"zarr.json", ".zgroup", ".zattrs", PROPERTIES_FILE}


def cache_control(entry: DatasetEntry) -> str:
    return ("public" if entry.is_public else "private") + ", max-age=60"


def _send_file(request: Request, entry: DatasetEntry, path: str) -> Response:
    return DiskFile(path, cache_control(entry))


def _split(key: str) -> list[str] | None:
    """The segments of a key, or None when it could name anything but a file below the layer."""
    parts = key.split("/")
    if any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in parts):
        return None
    return parts


def _dataset_listing(entry: DatasetEntry, base: str) -> JSONResponse:
    layers = [{"name": name, "url": f"{base}/{name}/"} for name in entry.layers]
    body = {"organization": entry.organization, "dataset": entry.name, "layers": layers}
    return JSONResponse(body, headers={**CORS, "Cache-Control": cache_control(entry)})


def _send_key(request: Request, entry: DatasetEntry, key: str) -> Response:
    """A file of the dataset: handed over from disk, or fetched from the object store."""
    storage = entry.storage
    assert storage is not None
    path = storage.local_file(key)
    if path is not None:
        return _send_file(request, entry, path)
    media = media_type(key.rsplit("/", 1)[-1])
    return send_object(storage, key, cache_control(entry), media, get_hub(request).settings)


def _root_file(request: Request, entry: DatasetEntry, name: str) -> Response:
    if entry.storage is not None and entry.storage.local_path(entry.key) is None:
        return _send_key(request, entry, f"{entry.key}/{name}")  # published with its group
    path = os.path.join(entry.path, name)
    if os.path.isfile(path):
        return _send_file(request, entry, path)
    # Datasets registered from bare OME-Zarr layers have no group document: a v3 one is
    # made up, unless the dataset is Zarr v2 (a client must not see two formats at once).
    if name == "zarr.json" and not os.path.isfile(os.path.join(entry.path, ".zgroup")):
        document = {"zarr_format": 3, "node_type": "group", "attributes": {}}
        return JSONResponse(document, headers={**CORS, "Cache-Control": cache_control(entry)})
    return _not_found("no such key")


def serve(
    request: Request, principal: Principal, organization: str, dataset: str, key: str, base: str
) -> Response:
    hub = get_hub(request)
    try:
        entry = authorize_dataset(hub, principal, organization, dataset)
    except Hidden as exc:
        return _not_found(exc.detail)
    redirect = elsewhere(hub, entry, request)
    if redirect is not None:  # its bytes are on an external datastore: go there
        return redirect
    if key == "":
        return _dataset_listing(entry, base)
    if key.endswith("/") and key.count("/") == 1:  # the listing's layer URLs: ``color/``
        key = key[:-1]
    parts = _split(key)
    if parts is None:
        return _not_found("no such key")
    if len(parts) == 1 and parts[0] in ROOT_FILES:
        return _root_file(request, entry, parts[0])
    try:
        layer = layer_of(entry, parts[0])
    except Hidden as exc:
        return _not_found(exc.detail)
    if len(parts) == 1:
        return JSONResponse(
            {
                "layer": layer.name,
                "category": layer.category,
                "mags": [m.to_json() for m in layer.mags],
            },
            headers=CORS,
        )
    if is_remote_layer(layer):
        headers = {**CORS, "Cache-Control": cache_control(entry)}
        return serve_remote(entry, layer, parts[1:], headers, _not_found)
    return _send_key(request, entry, "/".join([layer.key, *parts[1:]]))


@router.api_route("/token/{token}/{organization}/{dataset}/{key:path}", methods=["GET", "HEAD"])
async def zarr_with_token(
    request: Request, token: str, organization: str, dataset: str, key: str
) -> Response:
    """The same as below, for clients that cannot send headers: the token is in the path."""
    return _routed(request)


@router.api_route("/{organization}/{dataset}/{key:path}", methods=["GET", "HEAD"])
async def zarr_key(request: Request, organization: str, dataset: str, key: str) -> Response:
    """A metadata document or chunk file of a dataset's layer; ``Range`` supported."""
    return _routed(request)


def _routed(request: Request) -> Response:
    """The two routes above document /zarr in the schema; ``zarr_fast.ZarrFastPath``
    answers their GETs before routing. When they do run (an app without the middleware),
    the URL is read by ``dispatch`` too: one parser, whichever way a request comes in."""
    return dispatch(request) or _not_found("no such key")


def dispatch(request: Request) -> Response | None:
    """Serve a ``/zarr/…`` GET/HEAD without FastAPI's routing; None when no route matches."""
    path = request.scope["path"]  # not request.url: building a URL costs more than the chunk
    parts = path.split("/", 5)  # ["", "zarr", a, b, c, rest]
    if len(parts) < 5:
        return None
    if parts[2] == "token":
        rest = path.split("/", 6)
        if len(rest) < 6:
            return None
        token, organization, dataset = rest[3], rest[4], rest[5]
        key = rest[6] if len(rest) > 6 else ""
        principal = get_hub(request).authenticator.from_token(token)
        base = f"/zarr/token/{token}/{organization}/{dataset}"
        return serve(request, principal, organization, dataset, key, base)
    organization, dataset = parts[2], parts[3]
    key = parts[4] if len(parts) == 5 else f"{parts[4]}/{parts[5]}"
    principal = get_principal(request)
    return serve(request, principal, organization, dataset, key, f"/zarr/{organization}/{dataset}")
