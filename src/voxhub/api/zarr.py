"""``/zarr``: every layer as an OME-Zarr image over plain HTTP, one chunk = one URL.

This is the hot path. A request resolves ``org/dataset/layer`` in the
in-memory catalog index, asks ``can()`` (the principal is cached by token),
stats one file in a thread (``voxhub.storage.offload``) and hands it to the
server (ASGI ``pathsend`` where the server offers it). No database query per
chunk in the steady state.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import stat
from email.utils import formatdate
from typing import Any

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from voxhub.access.errors import Hidden
from voxhub.access.principal import Principal
from voxhub.api.deps import authorize_dataset, elsewhere, get_hub, get_principal, layer_of
from voxhub.api.errors import error_response, status_for
from voxhub.api.zarr_http import (
    CORS,
    EXPOSED_HEADERS,  # noqa: F401  (app.py reads it from here)
    range_refusal,
)
from voxhub.api.zarr_http import not_found as _not_found
from voxhub.api.zarr_http import not_modified as _not_modified
from voxhub.api.zarr_http import range_problem as _range_problem
from voxhub.api.zarr_objects import send_object
from voxhub.api.zarr_remote import is_remote_layer, serve_remote
from voxhub.catalog.index import DatasetEntry
from voxhub.errors import VoxhubError
from voxhub.formats.properties import PROPERTIES_FILE
from voxhub.storage.offload import Offload

log = logging.getLogger("voxhub.zarr")
router = APIRouter(prefix="/zarr", tags=["zarr"])

ROOT_FILES = {"zarr.json", ".zgroup", ".zattrs", PROPERTIES_FILE}
MEDIA_TYPES = {
    ".json": "application/json",
    ".zattrs": "application/json",
    ".zarray": "application/json",
}


def _etag(st: os.stat_result) -> str:
    return f'"{st.st_mtime_ns:x}-{st.st_size:x}"'


@functools.lru_cache(maxsize=4096)
def _http_date(seconds: int) -> str:
    """Last-Modified of a whole second; chunks of one write share a few, so cached."""
    return formatdate(seconds, usegmt=True)


SMALL_FILE = 64 * 1024
_RAW_CORS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in CORS.items()]
_CONDITIONAL = (b"if-none-match", b"if-modified-since", b"range")
# The stat (and small reads) of chunk files: asyncio.to_thread cost ~26 us CPU per chunk
DISK = Offload()


def _look(path: str, read_small: bool) -> tuple[os.stat_result, bytes | None] | None:
    """The file's stat (None: no regular file there) and, when asked and small, its bytes."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    if not (read_small and st.st_size <= SMALL_FILE):
        return st, None
    try:
        with open(path, "rb") as handle:
            body = handle.read()
    except OSError:
        return None
    # a file rewritten between stat and read: its bytes decide the length, not the stat
    return st, body


class _DiskFile(Response):
    """A file of a dataset on disk, answered as HTTP says (conditional GETs, ranges).

    Its stat (and a small file's bytes) are read in a thread (``DISK``, which costs ~3 us
    per call where ``asyncio.to_thread`` cost 26) when sent, so a slow disk (NFS, a
    spun-down drive) stalls only the requests that wait for it, never the event loop.
    A plain GET of a larger file hands the path to the server (ASGI ``pathsend``:
    granian reads and sends it outside Python); without pathsend it is read in a thread.
    Reading files up to 1 MiB in the stat's thread and sending bytes instead measured
    the same server CPU per 242 kB chunk (284 vs 278 us), so pathsend stays. Plain GETs
    are answered with headers built here: Starlette's ``FileResponse`` (an md5 ETag it
    does not use, a header object, range parsing) cost more per chunk. Where the rest of
    a chunk GET's CPU goes (mostly granian): docs/scaling.md.
    """

    def __init__(self, path: str, cache_control: str) -> None:
        # Not Response.__init__: its header list (content-length of an empty body) is
        # never sent, since __call__ below builds the headers, and cost ~4 us per chunk.
        self.status_code = 200
        self.background = None
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.path = path
        self.cache_control = cache_control

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        plain = scope["method"] == "GET" and not any(k in _CONDITIONAL for k, _ in scope["headers"])
        looked = await DISK.run(_look, self.path, plain)
        if looked is None:
            await _not_found("no such key")(scope, receive, send)
            return
        st, body = looked
        if not plain:
            special = self._special(Request(scope, receive), st)
            if special is not None:
                await special(scope, receive, send)
                return
        size = st.st_size if body is None else len(body)
        await send({"type": "http.response.start", "status": 200,
                    "headers": self._file_headers(st, size)})  # fmt: skip
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
        elif body is not None:
            await send({"type": "http.response.body", "body": body})
        elif "http.response.pathsend" in scope.get("extensions", {}):
            await send({"type": "http.response.pathsend", "path": self.path})
        else:  # a server without pathsend: read in a thread, in pieces
            async with await anyio.open_file(self.path, "rb") as handle:
                more = True
                while more:
                    piece = await handle.read(SMALL_FILE)
                    more = len(piece) == SMALL_FILE
                    await send({"type": "http.response.body", "body": piece, "more_body": more})

    def _file_headers(self, st: os.stat_result, size: int) -> list[tuple[bytes, bytes]]:
        return [
            (b"content-type", _media_type(os.path.basename(self.path)).encode()),
            (b"content-length", str(size).encode()),
            (b"etag", _etag(st).encode()),
            (b"last-modified", _http_date(int(st.st_mtime)).encode()),
            (b"cache-control", self.cache_control.encode()),
            (b"accept-ranges", b"bytes"),
            *_RAW_CORS,
        ]

    def _special(self, request: Request, st: os.stat_result) -> Response | None:
        """The answer to a conditional or ranged request; None: the whole file."""
        etag = _etag(st)
        headers = {
            **CORS,
            "ETag": etag,
            "Cache-Control": self.cache_control,
            "Last-Modified": _http_date(int(st.st_mtime)),
            "Accept-Ranges": "bytes",
        }
        if _not_modified(request, etag, st.st_mtime):
            return Response(status_code=304, headers=headers)
        if "range" not in request.headers:
            return None
        problem = _range_problem(request.headers["range"], st.st_size)
        if problem == "ignore":  # RFC 9110 14.2: an unknown unit is ignored
            return None
        if problem is not None:
            assert not isinstance(problem, str)
            return range_refusal(problem, st.st_size)
        media = _media_type(os.path.basename(self.path))
        return FileResponse(self.path, stat_result=st, headers=headers, media_type=media)


def cache_control(entry: DatasetEntry) -> str:
    return ("public" if entry.is_public else "private") + ", max-age=60"


def _send_file(request: Request, entry: DatasetEntry, path: str) -> Response:
    return _DiskFile(path, cache_control(entry))


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


def _media_type(name: str) -> str:
    return MEDIA_TYPES.get(os.path.splitext(name)[1] or name, "application/octet-stream")


def _send_key(request: Request, entry: DatasetEntry, key: str) -> Response:
    """A file of the dataset: handed over from disk, or fetched from the object store."""
    storage = entry.storage
    assert storage is not None
    path = storage.local_file(key)
    if path is not None:
        return _send_file(request, entry, path)
    media = _media_type(key.rsplit("/", 1)[-1])
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
    """The two routes above document /zarr in the schema; ``ZarrFastPath`` answers their
    GETs before routing. When they do run (an app without the middleware), the URL is
    read by ``dispatch`` too: one parser, whichever way a request comes in."""
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


def _has_nul(scope: Any) -> bool:
    query = scope.get("query_string", b"")
    return "\x00" in scope["path"] or (b"%00" in query or b"\x00" in query)


class ZarrFastPath:
    """ASGI middleware answering chunk and metadata GETs of ``/zarr`` directly.

    The same ``serve`` (and so the same ``can()`` check) as the documented
    routes above, minus FastAPI's routing and dependency resolution, which
    cost more than the chunk read itself on the hot path.
    """

    def __init__(self, app: Any, root: Any = None) -> None:
        self.app = app
        self.root = root  # the FastAPI app, when wrapped around it from outside

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            # No name, key, path or id in voxhub holds a NUL byte; refused here, before
            # it can reach a file-system call or PostgreSQL (which raise on it).
            refusal = error_response(400, "invalid_input", "the URL contains a NUL byte")
            refusal.headers.update(CORS)
            await refusal(scope, receive, send)
            return
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith("/zarr/")
        ):
            await self.app(scope, receive, send)
            return
        if self.root is not None:
            scope.setdefault("app", self.root)
        request = Request(scope, receive)
        response: Response | None
        try:
            if getattr(get_hub(request).authenticator, "asks_hub", False):
                # a datastore node may ask the hub (a network round trip) on a cache
                # miss: off the event loop, so other requests keep being answered
                response = await asyncio.to_thread(dispatch, request)
            else:
                response = dispatch(request)
        except VoxhubError as exc:
            response = error_response(status_for(exc), exc.code, exc.detail)
            response.headers.update(CORS)
        except Exception:  # outside Starlette's error middleware: answer in our shape
            log.exception("unexpected error serving %s", scope["path"])
            response = error_response(500, "internal_error", "see the server log")
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)
