"""Errors of authentication and authorisation."""

from voxhub.errors import NotFound, PermissionDenied, TooManyRequests, Unauthenticated


class BadToken(Unauthenticated):
    code = "bad_token"


class LoginRequired(Unauthenticated):
    code = "login_required"


class BadCredentials(Unauthenticated):
    """Wrong email or password (which one is never said)."""

    code = "bad_credentials"


class WrongPassword(PermissionDenied):
    """The old password given to change it is wrong (the caller is logged in already)."""

    code = "wrong_password"


class Forbidden(PermissionDenied):
    code = "forbidden"


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


class Hidden(NotFound):
    """Access denied to something whose existence must not be revealed."""

    code = "not_found"


class TeamNotFound(NotFound):
    code = "team_not_found"


class TooManyAttempts(TooManyRequests):
    code = "too_many_attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
