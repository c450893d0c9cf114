"""Errors of authentication and authorisation."""

from voxhub.errors import NotFound, PermissionDenied, Unauthenticated


class BadToken(Unauthenticated):
    code = "bad_token"


class LoginRequired(Unauthenticated):
    code = "login_required"


class Forbidden(PermissionDenied):
    code = "forbidden"


class Hidden(NotFound):
    """Access denied to something whose existence must not be revealed."""

    code = "not_found"
