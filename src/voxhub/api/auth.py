"""``/api/v1/auth``: login, logout, the current user (and its password), API tokens, invitations."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from voxhub.access import audit, sessions
from voxhub.access import login as login_service
from voxhub.access.accounts import get_user, issue_token, revoke_token
from voxhub.access.throttle import LoginThrottle
from voxhub.api.credentials import (
    clear_session_cookies,
    session_cookies,
    session_id_of,
    set_session_cookies,
)
from voxhub.api.deps import HubDep, PrincipalDep, changing, client_address, get_hub, require_login
from voxhub.api.fields import Id
from voxhub.api.people import UserOut, describe_user
from voxhub.db.models import ApiToken
from voxhub.hub import Hub

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginIn(BaseModel):
    email: str = Field(max_length=256)
    password: str = Field(max_length=1024)


class InviteIn(BaseModel):
    token: str = Field(max_length=256)
    password: str = Field(max_length=1024)


class MePatch(BaseModel):
    """Change your display name, or your password (give the old one too)."""

    name: str | None = Field(None, min_length=1, max_length=256)
    oldPassword: str = Field("", max_length=1024, description="Needed when you have a password")
    newPassword: str | None = Field(None, max_length=1024)


class MeOut(UserOut):
    csrfToken: str | None = Field(None, description="Send as X-CSRF-Token with cookie sessions")


class TokenIn(BaseModel):
    name: str = Field("", max_length=128)
    expiresInDays: float | None = Field(None, gt=0, le=3650)


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created: datetime
    expires: datetime | None
    lastUsed: datetime | None
    revoked: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself; shown only this once")


def _token_out(row: ApiToken) -> dict:
    return {
        "id": row.id, "name": row.name, "prefix": row.prefix + "…", "created": row.created,
        "expires": row.expires, "lastUsed": row.last_used, "revoked": row.revoked,
    }  # fmt: skip


def _address(request: Request) -> str:
    return client_address(request, get_hub(request).settings.trusted_proxies)


def _me(hub: Hub, user_id: int, csrf: str | None) -> MeOut:
    with hub.transaction() as session:
        user = describe_user(session, get_user(session, user_id))
    return MeOut(**user.model_dump(), csrfToken=csrf)


def _start_session(request: Request, response: Response, hub: Hub, user_id: int, sid: str) -> MeOut:
    return _me(hub, user_id, set_session_cookies(request, response, sid))


def _throttle(hub: Hub) -> LoginThrottle:
    settings = hub.settings
    return LoginThrottle(
        settings.login_attempts, settings.login_attempts_per_address, settings.login_window_seconds
    )


@router.post("/login", response_model=MeOut)
def login(body: LoginIn, request: Request, response: Response, hub: HubDep) -> MeOut:
    """Start a browser session (a new session id every time); rate-limited."""
    user, session_id = login_service.login(
        hub.sessions, _throttle(hub), timedelta(days=hub.settings.session_days),
        body.email, body.password, _address(request), session_id_of(request),
    )  # fmt: skip
    return _start_session(request, response, hub, user.id, session_id)


@router.post("/logout", status_code=204)
def logout(request: Request, hub: HubDep, principal: PrincipalDep) -> Response:
    """End the browser session everywhere and clear its cookies."""
    require_login(principal)
    response = Response(status_code=204)
    session_id = getattr(request.state, "session_id", None)
    if session_id:
        with changing(hub) as session:
            sessions.end(session, session_id)
    clear_session_cookies(response)
    return response


@router.get("/me", response_model=MeOut)
def me(request: Request, hub: HubDep, principal: PrincipalDep) -> MeOut:
    """The logged-in user (and the CSRF token of a cookie session)."""
    require_login(principal)
    session_id = getattr(request.state, "session_id", None)
    csrf = session_cookies(request).csrf_token(session_id) if session_id else None
    return _me(hub, principal.user_id, csrf)  # type: ignore[arg-type]


@router.patch("/me", response_model=MeOut)
def change_me(body: MePatch, request: Request, hub: HubDep, principal: PrincipalDep) -> MeOut:
    """Change your name, or your password with the old one; your other sessions end."""
    require_login(principal)
    session_id = getattr(request.state, "session_id", None)
    if body.newPassword is not None:
        login_service.change_own_password(
            hub.sessions, _throttle(hub), principal, body.oldPassword, body.newPassword,
            _address(request), session_id,
        )  # fmt: skip
    if body.name is not None:
        with hub.transaction() as session:
            get_user(session, principal.user_id).name = body.name  # type: ignore[arg-type]
    hub.index.invalidate()
    csrf = session_cookies(request).csrf_token(session_id) if session_id else None
    return _me(hub, principal.user_id, csrf)  # type: ignore[arg-type]


@router.post("/invites/accept", response_model=MeOut)
def accept_invite(body: InviteIn, request: Request, response: Response, hub: HubDep) -> MeOut:
    """Choose a password with an invitation token; logs in."""
    with hub.transaction() as session:
        user = login_service.accept_invite(session, body.token, body.password)
        session_id = sessions.start(
            session, user, timedelta(days=hub.settings.session_days), _address(request)
        )
        user_id = user.id
    return _start_session(request, response, hub, user_id, session_id)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(hub: HubDep, principal: PrincipalDep) -> list[dict]:
    """Your API tokens (never their values)."""
    require_login(principal)
    with hub.transaction() as session:
        rows = session.scalars(
            select(ApiToken).where(ApiToken.user_id == principal.user_id).order_by(ApiToken.id)
        )
        return [_token_out(row) for row in rows]


@router.post("/tokens", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenIn, hub: HubDep, principal: PrincipalDep) -> dict:
    """A new API token for yourself; its value is in this response only."""
    require_login(principal)
    with hub.transaction() as session:
        user = get_user(session, principal.user_id)  # type: ignore[arg-type]
        issued = issue_token(session, user, body.name, body.expiresInDays)
        return {**_token_out(issued.row), "token": issued.token}


@router.delete("/tokens/{token_id}", status_code=204)
def delete_token(token_id: Id, hub: HubDep, principal: PrincipalDep) -> Response:
    """Revoke one of your tokens; every server stops accepting it within seconds."""
    require_login(principal)
    with changing(hub) as session:
        user = get_user(session, principal.user_id)  # type: ignore[arg-type]
        row = revoke_token(session, token_id, user)
        audit.record(session, principal, "token.revoke", f"{user.email}:{row.prefix}…",
                     user.organization_id, token_id=row.id)  # fmt: skip
    return Response(status_code=204)
