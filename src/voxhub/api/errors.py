"""One table from error class to HTTP status, one handler, one JSON shape.

Every error leaves the API as ``{"error": code, "detail": text}``. The status
is found by walking the exception's MRO through ``STATUS``, so a new subclass
inherits its parent's status without touching this file.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from voxhub import errors

log = logging.getLogger("voxhub.api")

STATUS: dict[type[errors.VoxhubError], int] = {
    errors.NotFound: 404,
    errors.InvalidInput: 400,
    errors.Conflict: 409,
    errors.Unauthenticated: 401,
    errors.PermissionDenied: 403,
    errors.TooLarge: 413,
    errors.TooManyRequests: 429,
    errors.Unavailable: 503,
    errors.BadGateway: 502,
    errors.VoxhubError: 400,
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    416: "range_not_satisfiable",
    429: "too_many_requests",
    502: "bad_gateway",
    503: "unavailable",
}


def status_for(exc: errors.VoxhubError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_response(status: int, code: str, detail: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


async def _voxhub_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.VoxhubError)
    response = error_response(status_for(exc), exc.code, exc.detail)
    retry_after = getattr(exc, "retry_after", None)  # rate limits say when to come back
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
    detail = f"{where}: {first['msg']}" if where else str(first["msg"])
    return error_response(400, "invalid_input", detail)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, "error")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    response = error_response(exc.status_code, code, detail)
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return error_response(500, "internal_error", "an unexpected error occurred; see the server log")


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.VoxhubError, _voxhub_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
