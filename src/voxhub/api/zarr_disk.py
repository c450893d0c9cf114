"""A file of a dataset on disk, answered on ``/zarr`` as HTTP says (conditional GETs, ranges).

The hot path of a local chunk: one stat in a thread (``DISK``), then the path
handed to the server (ASGI ``pathsend``) or a small file's bytes.
"""

from __future__ import annotations

import functools
import os
import stat
from email.utils import formatdate
from typing import Any

import anyio
from fastapi import Request, Response
from fastapi.responses import FileResponse

from voxhub.api.zarr_http import CORS, range_refusal
from voxhub.api.zarr_http import not_found as _not_found
from voxhub.api.zarr_http import not_modified as _not_modified
from voxhub.api.zarr_http import range_problem as _range_problem
from voxhub.storage.offload import Offload

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


class DiskFile(Response):
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
            (b"content-type", media_type(os.path.basename(self.path)).encode()),
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
        media = media_type(os.path.basename(self.path))
        return FileResponse(self.path, stat_result=st, headers=headers, media_type=media)


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(os.path.splitext(name)[1] or name, "application/octet-stream")


__all__ = ["DISK", "SMALL_FILE", "DiskFile", "media_type"]
