"""``/zarr`` keys of datasets held in an object store (S3), after the permission check.

Two ways, chosen by ``VOXHUB_S3_REDIRECT``:

- ``proxy`` (default): the object is fetched from the bucket on the server's
  event loop and passed on whole or by range, with the bucket's ETag and
  Last-Modified, so clients' caches and conditional requests work as for
  files on disk. A plain GET costs one request to the bucket; HEAD,
  conditional and ranged GETs a HEAD first (the size decides what a range
  means; the ETag whether the client's copy is current).
- ``presigned``: a 307 to a presigned URL valid for ``VOXHUB_S3_PRESIGN_SECONDS``,
  so chunk bytes never pass through voxhub. The redirect itself is never
  cached (``no-store``): the URL expires, the permission may be revoked.
"""

from __future__ import annotations

from email.utils import formatdate
from typing import Any

from fastapi import Request, Response

from voxhub.api.zarr_http import (
    CORS,
    not_found,
    not_modified,
    range_problem,
    range_refusal,
    single_range,
)
from voxhub.config import Settings
from voxhub.storage.store import DataStore, ObjectInfo


def send_object(
    storage: DataStore, key: str, cache_control: str, media_type: str, settings: Settings
) -> Response:
    """The response for ``key`` of an object-store dataset the principal may read."""
    if settings.s3_redirect == "presigned":
        url = storage.sign(key, settings.s3_presign_seconds)
        if url is not None:
            headers = {**CORS, "Location": url, "Cache-Control": "private, no-store"}
            return Response(status_code=307, headers=headers)
    return ObjectResponse(storage, key, cache_control, media_type)


class ObjectResponse(Response):
    """Fetches the object when sent, on the server's loop, and answers as a file would."""

    def __init__(self, storage: Any, key: str, cache_control: str, media_type: str) -> None:
        super().__init__(status_code=200)
        self.storage, self.key = storage, key
        self.cache_control, self.object_media_type = cache_control, media_type

    def _object_headers(self, info: ObjectInfo) -> dict[str, str]:
        return {
            **CORS,
            "ETag": info.etag,
            "Cache-Control": self.cache_control,
            "Last-Modified": formatdate(info.mtime, usegmt=True),
            "Accept-Ranges": "bytes",
            "Content-Type": self.object_media_type,
        }

    async def _answer(self, request: Request) -> Response:
        headers = request.headers
        plain = request.method == "GET" and not (
            {"range", "if-none-match", "if-modified-since"} & set(headers.keys())
        )
        if plain:  # the hot path: one request to the bucket
            got = await self.storage.get_async(self.key)
            if got is None:
                return not_found("no such key")
            info, body = got
            return Response(body, status_code=200, headers=self._object_headers(info))
        info = await self.storage.head_async(self.key)
        if info is None:
            return not_found("no such key")
        out = self._object_headers(info)
        if not_modified(request, info.etag, info.mtime):
            return Response(status_code=304, headers=out)
        if request.method == "HEAD":
            response = Response(status_code=200, headers=out)
            response.headers["content-length"] = str(info.size)
            return response
        byte_range = None
        if "range" in headers:
            problem = range_problem(headers["range"], info.size)
            if not isinstance(problem, str) and problem is not None:
                return range_refusal(problem, info.size)
            if problem is None:
                byte_range = single_range(headers["range"], info.size)
        got = await self.storage.get_async(self.key, byte_range)
        if got is None:
            return not_found("no such key")
        info, body = got
        if byte_range is None:
            return Response(body, status_code=200, headers=self._object_headers(info))
        start, end = byte_range
        out["Content-Range"] = f"bytes {start}-{end - 1}/{info.size}"
        return Response(body, status_code=206, headers=out)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        response = await self._answer(Request(scope, receive))
        await response(scope, receive, send)


__all__ = ["ObjectResponse", "send_object"]
