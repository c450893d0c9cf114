"""Principal resolvers beyond the API token: sharing tokens and browser sessions.

Both run on every request that asks for the principal (``get_principal``),
so they only read the query string and a cookie and consult in-memory
caches. A request that authenticates with the session cookie and changes
state must carry the session's CSRF token in ``X-CSRF-Token``; requests with
an API token are exempt (no browser attaches one cross-site).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from fastapi import Request, Response

from voxhub.access.errors import CsrfFailed
from voxhub.access.principal import Principal
from voxhub.access.secrets import server_secret
from voxhub.access.sessions import COOKIE, CSRF_COOKIE, CSRF_HEADER, SessionCookies
from voxhub.access.tokens import SHARE_TOKEN_PREFIX, hash_token, is_share_token
from voxhub.hub import Hub

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SHARE_PARAMETERS = ("sharingToken", "token")
# Share tokens are URL-safe; only the "_" of the prefix could arrive percent-encoded.
SHARE_MARK = SHARE_TOKEN_PREFIX.rstrip("_").encode()


def session_cookies(request: Request) -> SessionCookies:
    cookies = getattr(request.app.state, "session_cookies", None)
    if cookies is None:
        hub: Hub = request.app.state.hub
        lifetime = timedelta(days=hub.settings.session_days).total_seconds()
        cookies = SessionCookies(server_secret(hub.settings), lifetime)
        request.app.state.session_cookies = cookies
    return cookies


def sharing_resolver(request: Request, principal: Principal) -> Principal:
    """Add the dataset sharing tokens of ``?sharingToken=`` / ``?token=``."""
    if SHARE_MARK not in request.scope.get("query_string", b""):
        return principal  # the hot path: no query string to parse
    params = request.query_params
    hashes = frozenset(
        hash_token(value)
        for value in (params.get(name) for name in SHARE_PARAMETERS)
        if value and is_share_token(value)
    )
    return principal.with_share_tokens(hashes)


def session_id_of(request: Request) -> str | None:
    """The id in a validly signed session cookie (it may still be ended or expired)."""
    return session_cookies(request).session_id(request.cookies.get(COOKIE))


def session_resolver(request: Request, principal: Principal) -> Principal:
    """The user of the session cookie, unless an API token already said who is asking."""
    if principal.is_authenticated or COOKIE not in request.cookies:
        return principal
    session_id = session_id_of(request)
    if session_id is None:
        return principal
    user = request.app.state.hub.authenticator.from_session(session_id)
    if user is None:
        return principal
    if request.method not in SAFE_METHODS and not session_cookies(request).csrf_ok(
        session_id, request.headers.get(CSRF_HEADER)
    ):
        raise CsrfFailed(f"missing or wrong CSRF token: send it in the {CSRF_HEADER} header")
    request.state.session_id = session_id
    return user.with_share_tokens(principal.share_token_hashes)


def session_forwarder(request: Request, principal: Principal) -> Principal:
    """On a datastore node: carry the hub's session cookie along unread (the hub checks it)."""
    cookie = request.cookies.get(COOKIE)
    if not cookie or principal.presented is None or len(cookie) > 1024:
        return principal
    return replace(principal, presented=replace(principal.presented, session=cookie))


RESOLVERS = (sharing_resolver, session_resolver)
DATASTORE_RESOLVERS = (sharing_resolver, session_forwarder)


def set_session_cookies(request: Request, response: Response, session_id: str) -> str:
    """Put the signed session id and the CSRF token in cookies; returns the CSRF token."""
    cookies = session_cookies(request)
    settings = request.app.state.hub.settings
    max_age = int(cookies.max_age_seconds)
    csrf = cookies.csrf_token(session_id)
    response.set_cookie(
        COOKIE, cookies.sign(session_id), max_age=max_age, httponly=True,
        samesite="lax", secure=settings.cookie_secure, path="/",
    )  # fmt: skip
    # Readable by the page's scripts, which echo it in the header (double submit).
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=max_age, httponly=False,
        samesite="strict", secure=settings.cookie_secure, path="/",
    )  # fmt: skip
    return csrf


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
