"""The root of voxhub's error tree.

Every error a user can cause is a ``VoxhubError`` subclass with a stable
``code``. Pure libraries raise these and never mention HTTP; ``voxhub.api.errors``
maps each class (by walking its MRO) to a status code, and the CLI prints
``detail`` on one line and exits non-zero.

    VoxhubError
    ├── NotFound          something named does not exist (or may not be seen)
    ├── InvalidInput      the request or file is malformed or out of range
    │   └── UnreadableInput  an input file cannot be read / is corrupt
    ├── Conflict          the request clashes with existing state
    ├── Unauthenticated   no or bad credentials
    ├── PermissionDenied  credentials fine, action not allowed
    ├── TooLarge          the request exceeds a configured limit
    ├── TooManyRequests   a rate limit was hit; try again later
    ├── Unavailable       something the server needs is not there yet
    └── BadGateway        a server voxhub reads from refused or failed the request
"""

from __future__ import annotations


class VoxhubError(Exception):
    """Base class: carries a machine-readable ``code`` and human ``detail``."""

    code = "error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.detail


class NotFound(VoxhubError):
    code = "not_found"


class InvalidInput(VoxhubError):
    code = "invalid_input"


class BadName(InvalidInput):
    """A display name, folder or team name, tag or search text that cannot be stored."""

    code = "bad_name"


class UnreadableInput(InvalidInput):
    code = "unreadable_input"


class Conflict(VoxhubError):
    code = "conflict"


class Unauthenticated(VoxhubError):
    code = "unauthenticated"


class PermissionDenied(VoxhubError):
    code = "permission_denied"


class TooLarge(VoxhubError):
    code = "too_large"


class TooManyRequests(VoxhubError):
    code = "too_many_requests"


class Unavailable(VoxhubError):
    """Something the server needs is not there yet (an unbuilt web app, a busy resource)."""

    code = "unavailable"


class BadGateway(VoxhubError):
    """A server voxhub reads from on the user's behalf (a remote layer's source) refused
    or failed the request: nothing the user sent was wrong, and voxhub itself is fine."""

    code = "bad_gateway"


__all__ = [
    "BadGateway",
    "BadName",
    "Conflict",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "TooLarge",
    "TooManyRequests",
    "Unauthenticated",
    "Unavailable",
    "UnreadableInput",
    "VoxhubError",
]
