"""The permission matrix: every principal × every dataset situation × every dataset route.

The route list is taken from the app: a route without an entry in ``DATASET_ROUTES`` or
``OTHER_ROUTES`` fails ``test_every_route_has_a_rule``. Every refusal of a dataset the
principal may not see must be indistinguishable from a dataset that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.api.world import DATASETS, World, auth, build_world

from voxhub.api.app import iter_routes
from voxhub.api.front import ACCESS_PATH, front_secret

LAB = {key for key in DATASETS if key.startswith("lab/")}
VIEW: dict[str, set[str]] = {
    "admin": LAB,
    "manager": LAB,
    "alice": {"lab/team_ds", "lab/deep_ds", "lab/public_ds"},
    "carol": {"lab/team_ds", "lab/deep_ds", "lab/public_ds"},
    "bob": {"lab/other_team_ds", "lab/public_ds"},
    "nobody": {"lab/public_ds"},
    "anonymous": {"lab/public_ds"},
    "share": {"lab/public_ds", "lab/shared_ds"},
    "old_share": {"lab/public_ds"},
    "other_admin": {"lab/public_ds", "other/ds"},
    "other_member": {"lab/public_ds", "other/ds"},
}
EDIT: dict[str, set[str]] = {
    "admin": LAB,
    "manager": LAB,
    "carol": {"lab/team_ds", "lab/deep_ds"},
    "other_admin": {"other/ds"},
}
MANAGE: dict[str, set[str]] = {"admin": LAB, "manager": LAB, "other_admin": {"other/ds"}}
UNAUTHENTICATED = {"revoked", "bad_token"}  # a presented token that is not valid: 401
PRINCIPALS = [*VIEW, *UNAUTHENTICATED]
WITH_TOKEN = {p for p in PRINCIPALS if p not in ("anonymous", "share", "old_share")}

Request = tuple[str, dict, object]  # url, query params, json body
Build = Callable[[str, str], Request]
BOX = {"x": 0, "y": 0, "z": 0, "width": 4, "height": 4, "depth": 2}


def _get(suffix: str = "", params: dict | None = None) -> Build:
    return lambda org, name: (f"/api/v1/datasets/{org}/{name}{suffix}", params or {}, None)


def _openmsi(path: str) -> Build:
    extra = {"mtype": "file"} if path.rstrip("/").endswith("qmetadata") else {}
    return lambda org, name: (path, {"file": f"{org}/{name}", **extra}, None)


# (method, path) -> (action, request builder, statuses that mean "allowed")
DATASET_ROUTES: dict[tuple[str, str], tuple[str, Build, set[int]]] = {
    ("GET", "/api/v1/datasets/{organization}/{name}"): ("view", _get(), {200}),
    ("GET", "/api/v1/datasets/{organization}/{name}/layers/{layer}/data"): (
        "view", _get("/layers/color/data", BOX), {200}),
    ("GET", "/api/v1/datasets/{organization}/{name}/layers/{layer}/thumbnail.png"): (
        "view", _get("/layers/color/thumbnail.png", {"size": 16}), {200}),
    ("GET", "/api/v1/datasets/{organization}/{name}/properties"): (
        "view", _get("/properties"), {200}),
    ("GET", "/zarr/{organization}/{dataset}/{key:path}"): (
        "view", lambda o, n: (f"/zarr/{o}/{n}/color/1/c/0/0/0/0", {}, None), {200}),
    ("GET", "/zarr/token/{token}/{organization}/{dataset}/{key:path}"): (
        "view", lambda o, n: (f"/zarr/token/{{token}}/{o}/{n}/color/zarr.json", {}, None), {200}),
    ("PATCH", "/api/v1/datasets/{organization}/{name}"): (
        "edit", lambda o, n: (f"/api/v1/datasets/{o}/{n}", {}, {}), {200}),
    ("PUT", "/api/v1/datasets/{organization}/{name}/teams"): (
        "edit", lambda o, n: (f"/api/v1/datasets/{o}/{n}/teams", {}, {"teamIds": [999999]}),
        {400}),
    ("GET", "/api/v1/datasets/{organization}/{name}/sharing-token"): (
        "edit", _get("/sharing-token"), {200}),
    ("POST", "/api/v1/datasets/{organization}/{name}/sharing-token"): (
        "edit", _get("/sharing-token"), {200}),
    ("DELETE", "/api/v1/datasets/{organization}/{name}/sharing-token"): (
        "edit", _get("/sharing-token"), {204}),
    ("GET", "/api/v1/datasets/{organization}/{name}/access"): ("edit", _get("/access"), {200}),
    ("PUT", "/api/v1/datasets/{organization}/{name}/properties"): (
        "edit", lambda o, n: (f"/api/v1/datasets/{o}/{n}/properties", {}, {}), {400}),
    ("GET", "/api/v1/datasets/{organization}/{name}/properties/disk"): (
        "edit", _get("/properties/disk"), {200}),
    ("POST", "/api/v1/datasets/{organization}/{name}/properties/disk/apply"): (
        "edit", _get("/properties/disk/apply"), {200}),
    ("DELETE", "/api/v1/datasets/{organization}/{name}"): (
        "manage", _get("", {"confirm": "not-its-name"}), {400}),
    # hosted datasets have no remote layer to copy; copying also needs edit on the organization
    ("POST", "/api/v1/datasets/{organization}/{name}/copy"): (
        "edit", lambda o, n: (f"/api/v1/datasets/{o}/{n}/copy", {}, {"target": "copy_x"}), {400}),
    # OpenMSI queries name the dataset in ?file=; our volumes are no MSI cubes, so "allowed"
    # only means "not answered like a missing dataset".
    **{
        ("GET", f"/openmsi/{query}{slash}"): ("view", _openmsi(f"/openmsi/{query}{slash}"), set())
        for query in ("qslice", "qspectrum", "qcube", "qmz", "qaxes", "qmetadata")
        for slash in ("", "/")  # OpenMSI's URLs end in a slash; both answer
    },
    ("POST", "/openmsi/analyses"): (
        "edit", lambda o, n: ("/openmsi/analyses", {"file": f"{o}/{n}"}, {"type": "tic_normalize"}),
        set()),
}  # fmt: skip

# Routes that name no dataset, with the rule they follow and where it is tested.
OTHER_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): "open",
    ("GET", "/docs"): "open",
    ("GET", "/docs/oauth2-redirect"): "open",
    ("GET", "/docs/assets/{name}"): "open: Swagger UI's files",
    ("GET", "/health"): "open",
    ("GET", "/_voxhub/front-access/{organization}/{dataset}/{layer}"): (
        "nginx's secret, then can(view): test_nginx_access_answers_follow_the_view_matrix"
    ),
    ("GET", "/api/v1/datasets"): "filtered by can(view): test_listing_is_exactly_the_view_set",
    ("POST", "/api/v1/datasets/move"): "edit on each dataset and the folder: test_dataset_settings",
    ("POST", "/api/v1/auth/login"): "anyone, throttled: tests/api/test_auth.py",
    ("POST", "/api/v1/auth/logout"): "own session, CSRF: tests/api/test_auth.py",
    ("GET", "/api/v1/auth/me"): "logged in: tests/api/test_auth.py",
    ("PATCH", "/api/v1/auth/me"): "logged in, old password: tests/api/test_auth.py",
    ("POST", "/api/v1/auth/invites/accept"): "invitation token: tests/api/test_people.py",
    ("GET", "/api/v1/auth/tokens"): "own tokens: tests/api/test_auth.py",
    ("POST", "/api/v1/auth/tokens"): "own tokens: tests/api/test_auth.py",
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): "own tokens: tests/api/test_auth.py",
    ("GET", "/api/v1/organizations"): "own organization: tests/api/test_people.py",
    ("POST", "/api/v1/organizations"): "superusers: tests/api/test_people.py",
    ("GET", "/api/v1/users"): "organization and team managers: tests/api/test_people.py",
    ("POST", "/api/v1/users"): "organization admins: tests/api/test_people.py",
    ("PATCH", "/api/v1/users/{user_id}"): "organization admins: tests/api/test_people.py",
    ("POST", "/api/v1/users/{user_id}/password"): "organization admins: test_people.py",
    ("GET", "/api/v1/audit"): "organization admins: tests/api/test_people.py",
    ("GET", "/api/v1/teams"): "organization members: tests/api/test_people.py",
    ("POST", "/api/v1/teams"): "organization admins: tests/api/test_people.py",
    ("DELETE", "/api/v1/teams/{team_id}"): "organization admins: tests/api/test_people.py",
    ("GET", "/api/v1/teams/{team_id}/members"): "organization members: test_people.py",
    ("PUT", "/api/v1/teams/{team_id}/members/{user_id}"): "admins, team managers: test_people",
    ("DELETE", "/api/v1/teams/{team_id}/members/{user_id}"): "admins, team managers: test_people",
    ("GET", "/api/v1/folders/root"): "organization members: tests/api/test_folders.py",
    ("GET", "/api/v1/folders/tree"): "can(view) per folder: tests/api/test_folders.py",
    ("GET", "/api/v1/folders/{folder_id}"): "can(view): tests/api/test_folders.py",
    ("POST", "/api/v1/folders"): "can(edit) on the parent: tests/api/test_folders.py",
    ("PATCH", "/api/v1/folders/{folder_id}"): "can(edit) on both: tests/api/test_folders.py",
    ("PUT", "/api/v1/folders/{folder_id}/teams"): "can(edit): tests/api/test_folders.py",
    ("DELETE", "/api/v1/folders/{folder_id}"): "can(edit): tests/api/test_folders.py",
    ("GET", "/api/v1/trash"): "can(manage) on the organization: tests/api/test_trash.py",
    ("POST", "/api/v1/trash/{entry_id}/restore"): "can(manage): tests/api/test_trash.py",
    ("DELETE", "/api/v1/trash/{entry_id}"): "can(manage): tests/api/test_trash.py",
    ("POST", "/api/v1/scan"): "superusers; admins, their org: tests/api/test_disk_scan.py",
    ("POST", "/api/v1/datastores"): "superusers: tests/api/test_datastores.py",
    ("GET", "/api/v1/datastores"): "superusers: tests/api/test_datastores.py",
    ("DELETE", "/api/v1/datastores/{name}"): "superusers: tests/api/test_datastores.py",
    ("POST", "/api/v1/datastore/heartbeat"): "a datastore's key: tests/api/test_datastores.py",
    ("PUT", "/api/v1/datastore/datasets"): "a datastore's key: tests/api/test_datastores.py",
    ("POST", "/api/v1/datastore/access"): "a datastore's key, then can(view) on its dataset: "
    "tests/api/test_datastores.py",
    ("GET", "/openmsi/client/viewer/"): "open: the viewer's static files",
    ("GET", "/openmsi/client/viewer/{asset}"): "open: the viewer's static files",
    ("POST", "/api/v1/datasets/explore"): "can(edit) on the organization: test_remote.py",
    ("POST", "/api/v1/datasets/remote"): "can(edit) on the organization: test_remote_layers.py",
    **{
        (method, f"/api/v1/remote-credentials{path}"): "can(admin) on the organization; other "
        "organizations get a missing one's 404: tests/api/test_remote_credentials.py"
        for method, path in (
            ("GET", ""),
            ("POST", ""),
            ("PUT", "/{credential_id}"),
            ("DELETE", "/{credential_id}"),
        )
    },  # fmt: skip
    ("GET", "/"): "open: redirect to the web app",
    ("GET", "/ui"): "open: redirect to the web app",
    ("GET", "/ui/{path:path}"): "open: the app shell and assets (test_ui.py)",
    ("POST", "/openmsi/import"): "edit on the organization: tests/api/test_openmsi*.py",
    ("GET", "/api/v1/import/files"): "organization admins: tests/api/test_server_import.py",
    ("POST", "/api/v1/import"): "organization admins: tests/api/test_server_import.py",
    **{
        (method, f"/api/v1/investigations{path}"): "can(investigation) and can(dataset) for links: "
        "tests/api/test_isa*.py"
        for method, path in (
            ("GET", ""),
            ("POST", ""),
            ("POST", "/import"),
            ("GET", "/{organization}/{identifier}"),
            ("PUT", "/{organization}/{identifier}"),
            ("PATCH", "/{organization}/{identifier}"),
            ("DELETE", "/{organization}/{identifier}"),
            ("GET", "/{organization}/{identifier}/export"),
            ("GET", "/{organization}/{identifier}/tables"),
            ("POST", "/{organization}/{identifier}/assays/{assay}/links"),
            ("DELETE", "/{organization}/{identifier}/links/{link_id}"),
        )
    },  # fmt: skip
    ("GET", "/api/v1/jobs"): "own jobs, managers all: tests/api/test_jobs.py",
    ("GET", "/api/v1/jobs/{job_id}"): "own jobs, managers all: tests/api/test_jobs.py",
    ("POST", "/api/v1/jobs/{job_id}/cancel"): "own jobs, managers all: tests/api/test_jobs.py",
    ("POST", "/api/v1/jobs/{job_id}/retry"): "own jobs, managers all: tests/api/test_jobs.py",
    ("POST", "/api/v1/uploads"): "organization members: tests/api/test_uploads.py",
    ("GET", "/api/v1/uploads"): "own uploads: tests/api/test_uploads.py",
    ("GET", "/api/v1/uploads/{upload_id}/chunks"): "own uploads: tests/api/test_uploads.py",
    ("POST", "/api/v1/uploads/{upload_id}/chunks"): "own uploads: tests/api/test_uploads.py",
    ("POST", "/api/v1/uploads/{upload_id}/finish"): "own uploads: tests/api/test_uploads.py",
    ("DELETE", "/api/v1/uploads/{upload_id}"): "own uploads: tests/api/test_uploads.py",
}


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in iter_routes(app.routes)
        for method in (route.methods or {"GET"})
        if method != "HEAD"
    }


def test_every_route_has_a_rule(client):
    missing = sorted(app_routes(client.app) - set(DATASET_ROUTES) - set(OTHER_ROUTES))
    assert not missing, f"give these routes an access rule in this file: {missing}"


def credentials(world: World, principal: str) -> tuple[dict, dict, str | None]:
    """Headers, query parameters and the token for the /zarr/token/ path form."""
    if principal == "anonymous":
        return {}, {}, None
    if principal in ("share", "old_share"):
        token = world.share_token if principal == "share" else world.old_share_token
        return {}, {"sharingToken": token}, token
    token = "vxh_not-a-token" if principal == "bad_token" else world.tokens[principal]
    return auth(token), {}, token


def call(client, world, principal, method, build, key):
    headers, params, path_token = credentials(world, principal)
    org, name = key.split("/")
    url, query, body = build(org, name)
    if "{token}" in url:
        if path_token is None:
            return None
        url, headers, params = url.replace("{token}", path_token), {}, {}
    return client.request(method, url, params={**query, **params}, headers=headers, json=body)


def shape(response, key: str) -> tuple:
    """What a refusal looks like, with the dataset's name taken out."""
    content_type = response.headers.get("content-type")
    json = content_type == "application/json" and response.content
    body = response.json() if json else {}
    body = body if isinstance(body, dict) else {}  # data (an OpenMSI answer) is no refusal
    detail = str(body.get("detail", "")).replace(key, "\x01").replace(key.split("/")[1], "\x02")
    error = body.get("error")
    return response.status_code, content_type, error, detail


def expected(principal: str, action: str, key: str) -> str:
    if principal in UNAUTHENTICATED:
        return "401"
    if key not in VIEW[principal]:
        return "hidden"
    rules = {"view": VIEW, "edit": EDIT, "manage": MANAGE}[action]
    if key in rules.get(principal, set()):
        return "allowed"
    return "403" if principal in WITH_TOKEN else "401"


def run_matrix(client, world, routes, datasets):
    failures = []
    for (method, path), (action, build, ok) in routes.items():
        for principal in PRINCIPALS:
            for key in datasets:
                absent = key.split("/")[0] + "/missing_ds"
                missing = call(client, world, principal, method, build, absent)
                if missing is None:
                    continue
                response = call(client, world, principal, method, build, key)
                want = expected(principal, action, key)
                got = response.status_code
                if want == "hidden":  # routes that need a login may say 401 to everyone
                    good = shape(response, key) == shape(missing, absent) and got in (401, 404)
                elif want == "allowed":
                    good = got in ok if ok else shape(response, key) != shape(missing, absent)
                else:
                    good = got == int(want)
                if not good:
                    failures.append(f"{principal} {method} {path} {key}: {got}, want {want}")
    assert not failures, "\n".join(failures[:40])


@pytest.fixture
def world(hub, client) -> World:
    return build_world(hub)


def present(client, routes):
    here = app_routes(client.app)
    return {route: rule for route, rule in routes.items() if route in here}


def test_reading_routes(client, world):
    routes = {r: rule for r, rule in DATASET_ROUTES.items() if rule[0] == "view"}
    run_matrix(client, world, present(client, routes), [*DATASETS])


def test_changing_routes(client, world):
    # the datasets whose sharing tokens the matrix relies on are left out: renewing changes them
    datasets = [k for k in DATASETS if "share" not in k]
    routes = {r: rule for r, rule in DATASET_ROUTES.items() if rule[0] != "view"}
    run_matrix(client, world, present(client, routes), datasets)


def test_listing_is_exactly_the_view_set(client, world):
    for principal in VIEW:
        headers, params, _ = credentials(world, principal)
        listing = client.get("/api/v1/datasets", headers=headers, params=params).json()
        seen = {f"{d['organization']}/{d['name']}" for d in listing}
        assert seen == VIEW[principal], principal
    for principal in UNAUTHENTICATED:
        headers, _, _ = credentials(world, principal)
        assert client.get("/api/v1/datasets", headers=headers).status_code == 401


def test_nginx_access_answers_follow_the_view_matrix(client, hub, world):
    """nginx's access question names the layer's folder exactly when ``can(view)`` says yes."""
    front = {"X-Voxhub-Front": front_secret(hub.settings)}
    wrong = []
    for principal in PRINCIPALS:
        headers, params, path_token = credentials(world, principal)
        if params:  # sharing tokens reach nginx only in the /zarr/token/ path form
            headers = {"X-Voxhub-Path-Token": path_token}
        for key in DATASETS:
            answer = client.get(f"{ACCESS_PATH}/{key}/color", headers={**front, **headers})
            named = answer.headers.get("x-voxhub-dir")
            want = f"{key}/color" if expected(principal, "view", key) == "allowed" else None
            if answer.status_code != 200 or named != want:
                wrong.append(f"{principal} {key}: {answer.status_code} {named!r}, want {want!r}")
    assert not wrong, "\n".join(wrong)
