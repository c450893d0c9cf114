"""Request-level helpers every router uses: the hub, the principal, the check."""

from __future__ import annotations

from fastapi import Request

from voxhub.access.errors import Hidden
from voxhub.access.policy import Action, can
from voxhub.access.principal import Principal
from voxhub.catalog.index import DatasetEntry, LayerEntry
from voxhub.hub import Hub


def get_hub(request: Request) -> Hub:
    return request.app.state.hub


def presented_token(request: Request) -> str | None:
    """An API token from ``Authorization: Bearer``, ``X-Auth-Token`` or ``?token=``."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return request.headers.get("x-auth-token") or request.query_params.get("token") or None


def get_principal(request: Request) -> Principal:
    """Who is asking; cached on the request so several checks cost one lookup."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    hub = get_hub(request)
    principal = hub.authenticator.from_token(presented_token(request))
    for resolver in getattr(request.app.state, "principal_resolvers", ()):
        principal = resolver(request, principal)
    request.state.principal = principal
    return principal


def authorize_dataset(
    hub: Hub, principal: Principal, organization: str, name: str, action: Action = "view"
) -> DatasetEntry:
    """The dataset entry if ``principal`` may ``action`` it; a 404 otherwise.

    Refusals look exactly like missing datasets so names of private datasets
    cannot be probed.
    """
    entry = hub.index.get(organization, name)
    if entry is None or not can(principal, action, entry):
        raise Hidden(f"dataset {organization}/{name} not found")
    return entry


def layer_of(entry: DatasetEntry, layer: str) -> LayerEntry:
    try:
        return entry.layers[layer]
    except KeyError:
        raise Hidden(f"layer {layer!r} not found in {entry.organization}/{entry.name}") from None
