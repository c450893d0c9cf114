"""``ZarrFastPath``: the ASGI middleware answering ``/zarr`` GETs before FastAPI's routing."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import Request, Response

from voxhub.api.deps import get_hub
from voxhub.api.errors import error_response, status_for
from voxhub.api.front import ACCESS_PATH, dispatch_access
from voxhub.api.zarr import dispatch
from voxhub.api.zarr_http import CORS
from voxhub.errors import VoxhubError

log = logging.getLogger("voxhub.zarr")


def _has_nul(scope: Any) -> bool:
    query = scope.get("query_string", b"")
    return "\x00" in scope["path"] or (b"%00" in query or b"\x00" in query)


class ZarrFastPath:
    """ASGI middleware answering chunk and metadata GETs of ``/zarr`` (and nginx's access
    questions, ``voxhub.api.front``) directly.

    The same ``serve`` (and so the same ``can()`` check) as the documented
    routes of ``voxhub.api.zarr``, minus FastAPI's routing and dependency
    resolution, which cost more than the chunk read itself on the hot path.
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
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/zarr/"):
            handler = dispatch
        elif scope["path"].startswith(ACCESS_PATH + "/"):  # nginx in front asking
            handler = dispatch_access
        else:
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
                response = await asyncio.to_thread(handler, request)
            else:
                response = handler(request)
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


__all__ = ["ZarrFastPath"]
