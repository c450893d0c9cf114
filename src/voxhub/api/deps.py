"""Request-level helpers every router uses: the hub, the principal, the check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from voxhub.access.errors import Forbidden, Hidden, LoginRequired
from voxhub.access.policy import Action, can
from voxhub.access.principal import Principal
from voxhub.catalog.errors import HeldByDatastore
from voxhub.catalog.index import DatasetEntry, FolderEntry, LayerEntry
from voxhub.hub import Hub


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


@contextmanager
def changing(hub: Hub) -> Iterator[Session]:
    """A transaction whose changes this process's index sees at once (others within seconds)."""
    with hub.transaction() as session:
        yield session
    hub.index.invalidate()


def presented_token(request: Request) -> str | None:
    """An API token from ``Authorization: Bearer``, ``X-Auth-Token`` or ``?token=``."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    token = request.headers.get("x-auth-token")
    if token:
        return token
    if b"token=" not in request.scope.get("query_string", b""):
        return None  # the hot path: no query string to parse
    return request.query_params.get("token") or None


def client_address(request: Request, trusted_proxies: tuple[str, ...]) -> str:
    """The client's address: the peer's, or when the peer is a trusted proxy (nginx in
    front), the last address in ``X-Forwarded-For`` that is not one (the proxy appends
    the address it saw; earlier entries are the client's own say)."""
    peer = request.client.host if request.client else "unknown"
    if peer not in trusted_proxies:
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed(hops):
        if hop and hop not in trusted_proxies:
            return hop[:64]
    return peer


def get_principal(request: Request) -> Principal:
    """Who is asking; cached on the request so several checks cost one lookup."""
    # request.state's dict itself: getattr on State raises (and formats) AttributeError
    # for the first lookup of every request, a cost the /zarr hot path pays per chunk
    state = request.scope.setdefault("state", {})
    cached: Principal | None = state.get("principal")
    if cached is not None:
        return cached
    hub = get_hub(request)
    principal = hub.authenticator.from_token(presented_token(request))
    for resolver in getattr(request.app.state, "principal_resolvers", ()):
        principal = resolver(request, principal)
    state["principal"] = principal
    return principal


def require(principal: Principal, action: Action, resource: object, what: str) -> None:
    """Pass when allowed; else 404 to whoever may not even view ``resource``, 403 otherwise.

    Refusals to those who cannot see a thing look exactly like a missing thing,
    so names of private datasets and folders cannot be probed.
    """
    if can(principal, action, resource):
        return
    if action != "view" and can(principal, "view", resource):
        if not principal.is_authenticated:
            raise LoginRequired(f"log in to {action} {what}")
        raise Forbidden(f"you may not {action} {what}")
    raise Hidden(f"{what} not found")


def target_organization(
    hub: Hub, principal: Principal, name: str | None, action: Action
) -> tuple[int, str]:
    """The organization a request names (default: the principal's own), once ``principal``
    may ``action`` it; a missing one and one that may not be seen answer the same 404."""
    organizations = hub.index.snapshot().organizations
    if name is None:
        org_id = principal.organization_id
        if org_id is None or org_id not in organizations:
            raise Hidden("you belong to no organization")
        name = organizations[org_id]
    else:
        found = next((i for i, n in organizations.items() if n == name), None)
        if found is None:
            raise Hidden(f"organization {name} not found")
        org_id = found
    require(principal, action, org_id, f"organization {name}")
    return org_id, name


def require_login(principal: Principal) -> Principal:
    if not principal.is_authenticated:
        raise LoginRequired("log in or send an API token")
    return principal


def authorize_dataset(
    hub: Hub, principal: Principal, organization: str, name: str, action: Action = "view"
) -> DatasetEntry:
    """The dataset entry if ``principal`` may ``action`` it; 404 if it may not see it, else 403."""
    entry = hub.index.lookup(organization, name)  # a miss checks for a just-registered one
    what = f"dataset {organization}/{name}"
    if entry is None:
        raise Hidden(f"{what} not found")
    require(principal, action, entry, what)
    return entry


def authorize_folder(
    hub: Hub, principal: Principal, folder_id: int, action: Action = "view"
) -> FolderEntry:
    entry = hub.index.folder(folder_id)
    if entry is None:
        raise Hidden(f"folder {folder_id} not found")
    require(principal, action, entry, f"folder {folder_id}")
    return entry


def elsewhere(hub: Hub, entry: DatasetEntry, request: Request) -> Response | None:
    """A redirect to the external datastore holding ``entry`` (same path and query), or None.

    Asked after the access check: the hub refuses what it would refuse anyway.
    """
    if entry.datastore_id is None:
        return None
    base = hub.index.snapshot().datastores.get(entry.datastore_id)
    if base is None:
        raise Hidden(f"dataset {entry.organization}/{entry.name} not found")
    query = request.url.query
    target = base + request.url.path + (f"?{query}" if query else "")
    return RedirectResponse(target, status_code=307, headers={"Access-Control-Allow-Origin": "*"})


def held_here(entry: DatasetEntry) -> DatasetEntry:
    """``entry`` when its files are in this hub's data folder; 409 when a datastore holds them."""
    if entry.datastore_id is not None:
        raise HeldByDatastore(
            f"dataset {entry.organization}/{entry.name} is held by an external datastore: "
            "change its files there (it re-registers them)"
        )
    return entry


def layer_of(entry: DatasetEntry, layer: str) -> LayerEntry:
    try:
        return entry.layers[layer]
    except KeyError:
        raise Hidden(f"layer {layer!r} not found in {entry.organization}/{entry.name}") from None


# The dependencies every router declares its handlers with (defined once, here).
HubDep = Annotated[Hub, Depends(get_hub)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_user(principal: PrincipalDep) -> Principal:
    """A logged-in principal: jobs, uploads and imports belong to people, anonymous has none."""
    return require_login(principal)


UserDep = Annotated[Principal, Depends(get_user)]
