"""The client's exceptions: one per API error status, carrying the server's code and detail.

::

    ClientError                    (voxhub.errors.VoxhubError)
     +-- TransportError            the server could not be reached
     +-- BadAnswer                 an answer that is not what was asked for (cut short, …)
     +-- ApiError                  the server answered 4xx/5xx: .status, .code, .detail
          +-- BadRequest           400 (bad input, unreadable file, …)
          +-- Unauthenticated      401 (missing, bad or revoked token)
          +-- Forbidden            403
          +-- NotFound             404 (also: a private dataset you may not see)
          +-- Conflict             409
          +-- TooLarge             413
          +-- TooManyRequests      429
          +-- ServerError          5xx
     +-- JobFailed                 a job the client waited for failed or was cancelled
"""

from __future__ import annotations

from typing import Any

from voxhub.errors import VoxhubError


class ClientError(VoxhubError):
    code = "client_error"


class TransportError(ClientError):
    code = "transport_error"


class BadAnswer(ClientError):
    """The server's answer does not fit the request: another shape or type, too few or
    too many bytes (a stream cut short, a proxy's page)."""

    code = "bad_answer"


class ApiError(ClientError):
    """The server refused: ``status`` is the HTTP status, ``code`` the API's error code."""

    status = 0

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail, code=code)
        self.status = status


class BadRequest(ApiError):
    pass


class Unauthenticated(ApiError):
    pass


class Forbidden(ApiError):
    pass


class NotFound(ApiError):
    pass


class Conflict(ApiError):
    pass


class TooLarge(ApiError):
    pass


class TooManyRequests(ApiError):
    pass


class ServerError(ApiError):
    pass


class JobFailed(ClientError):
    code = "job_failed"

    def __init__(self, job: dict[str, Any]) -> None:
        detail = job.get("error") or job.get("message") or job.get("state", "failed")
        super().__init__(f"job {job.get('id')} ({job.get('kind')}) {job.get('state')}: {detail}")
        self.job = job


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: TooLarge,
    422: BadRequest,
    429: TooManyRequests,
}


def error_for(status: int, body: Any) -> ApiError:
    """The exception for an error answer (``{"error": code, "detail": text}`` or anything else)."""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        code, detail = body["error"], str(body.get("detail") or body["error"])
    else:
        code, detail = f"http_{status}", f"the server answered {status}"
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    return cls(status, code, detail)


__all__ = [
    "ApiError",
    "BadAnswer",
    "BadRequest",
    "ClientError",
    "Conflict",
    "Forbidden",
    "JobFailed",
    "NotFound",
    "ServerError",
    "TooLarge",
    "TooManyRequests",
    "TransportError",
    "Unauthenticated",
    "error_for",
]
