"""Every route of the app goes through the permission check.

The route list comes from the app itself: a new route that reads or changes
data without asking ``can()`` fails here. Anonymous requests against a
private dataset never succeed on any route, with any method, and no answer
mentions its name.
"""

import re

import pytest
from tests.helpers import add_dataset

from voxhub.api.app import iter_routes

# Routes that read no user data at all and are open to anyone.
OPEN_ROUTES = {
    "/health",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/docs/assets/{name}",
}

SECRET = "secret_dataset_x7"

# Values for path parameters that point at the private fixture dataset.
PARAMS = {
    "organization": "lab",
    "org": "lab",
    "name": SECRET,
    "dataset": SECRET,
    "layer": "color",
    "key": "color/zarr.json",
    "token": "not-a-token",
}


def concrete(path: str) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1).split(":")[0]
        return PARAMS.get(name, "1")

    return re.sub(r"{([^}]+)}", fill, path)


def app_routes(app):
    return list(iter_routes(app.routes))


def test_every_route_is_either_open_or_checked(client, hub):
    add_dataset(hub, "lab", SECRET)
    checked = 0
    for route in app_routes(client.app):
        if route.path in OPEN_ROUTES:
            continue
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            response = client.request(method, concrete(route.path))
            if response.status_code < 300:  # listings may answer, but never with the secret
                assert SECRET not in response.text, f"{method} {route.path} leaks a private name"
                checked += 1
                continue
            assert response.status_code in (400, 401, 403, 404, 405, 409, 422), (
                f"{method} {route.path} answered {response.status_code} to an anonymous "
                "request for a private dataset: it must ask can() first"
            )
            if response.headers.get("content-type", "").startswith("application/json"):
                assert set(response.json()) == {"error", "detail"}, route.path
            checked += 1
    assert checked >= 4


def test_open_routes_exist_and_read_nothing(client):
    paths = {r.path for r in app_routes(client.app)}
    assert {"/health", "/openapi.json", "/docs"} <= paths
    assert client.get("/health").json()["status"] == "ok"


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/zarr", "/zarr/lab"])
def test_unknown_paths_are_json_404s(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
