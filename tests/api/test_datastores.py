"""External datastores on the hub: keys, registration, the access question, liveness.

In-process against a real SQLite/PostgreSQL catalog; ``tests/e2e/test_datastore.py``
runs a real node next to a real hub.
"""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select
from tests.helpers import add_dataset

from voxhub.access.accounts import create_user, issue_token
from voxhub.access.passwords import hash_password
from voxhub.access.sessions import COOKIE, CSRF_COOKIE
from voxhub.access.tokens import hash_token
from voxhub.catalog.register import ensure_organization
from voxhub.catalog.scan import scan
from voxhub.config import Settings
from voxhub.db.models import Datastore
from voxhub.formats.properties import PROPERTIES_FILE
from voxhub.hub import Hub

NODE = "http://node.example:9000"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def key_header(key: str) -> dict[str, str]:
    return {"X-Datastore-Key": key}


@pytest.fixture
def root_token(hub: Hub) -> str:
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        root = create_user(session, email="root@hub.org", organization=org, is_superuser=True)
        return issue_token(session, root, "tests").token


@pytest.fixture
def properties(tmp_path) -> dict:
    """The datasource-properties.json of a real dataset on another machine's disk."""
    elsewhere = Hub(Settings(data=tmp_path / "node", database_url=None)).prepare()
    add_dataset(elsewhere, "lab", "far")
    elsewhere.close()
    return json.loads((tmp_path / "node/binaryData/lab/far" / PROPERTIES_FILE).read_text())


def create(client, root_token: str, name: str = "disk", url: str = NODE) -> str:
    answer = client.post(
        "/api/v1/datastores", json={"name": name, "url": url}, headers=bearer(root_token)
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["key"]


def register(client, key: str, *items: tuple[str, str, dict]):
    body = {"datasets": [{"organization": o, "name": n, "properties": p} for o, n, p in items]}
    return client.put("/api/v1/datastore/datasets", json=body, headers=key_header(key))


def test_only_server_admins_create_datastores_and_the_key_is_kept_hashed(
    client, hub, root_token, admin_token
):
    refused = client.post(
        "/api/v1/datastores", json={"name": "d", "url": NODE}, headers=bearer(admin_token)
    )
    assert refused.status_code in (403, 404)  # an organization admin is not a server admin
    assert client.post("/api/v1/datastores", json={"name": "d", "url": NODE}).status_code in (
        401,
        404,
    )
    key = create(client, root_token)
    with hub.transaction() as session:
        row = session.scalar(select(Datastore))
        assert row.key_hash == hash_token(key) and key not in (row.prefix, row.key_hash)
    again = client.post(
        "/api/v1/datastores", json={"name": "disk", "url": NODE}, headers=bearer(root_token)
    )
    assert again.status_code == 409
    for url in ("ftp://x.org", "http://user:pw@x.org", "http://x.org/?q=1", "x" * 3000, "nohost"):
        bad = client.post(
            "/api/v1/datastores", json={"name": "e", "url": url}, headers=bearer(root_token)
        )
        assert bad.status_code in (400, 422), url
        assert set(bad.json()) == {"error", "detail"}
    listed = client.get("/api/v1/datastores", headers=bearer(root_token)).json()
    assert [(d["name"], d["reachable"], d["datasets"]) for d in listed] == [("disk", False, 0)]
    assert "key" not in listed[0]
    assert client.get("/api/v1/datastores", headers=bearer(admin_token)).status_code in (403, 404)


def test_node_routes_need_the_key(client):
    for method, path in (
        ("POST", "/api/v1/datastore/heartbeat"),
        ("PUT", "/api/v1/datastore/datasets"),
        ("POST", "/api/v1/datastore/access"),
    ):
        body = {"organization": "lab", "dataset": "far"} if path.endswith("access") else {}
        for headers in ({}, key_header("vxd_forged"), key_header("x" * 5000)):
            answer = client.request(method, path, json=body, headers=headers)
            assert answer.status_code == 401, (path, answer.text)
            assert answer.json()["error"] == "bad_datastore_key"


def test_registration_takes_what_it_may_and_says_why_not_the_rest(
    client, hub, root_token, admin_token, properties
):
    add_dataset(hub, "lab", "local")  # a hub-held dataset: a node may not take its name
    key = create(client, root_token)
    escaping = json.loads(json.dumps(properties))
    escaping["dataLayers"][0]["mags"][0]["path"] = "../../../../etc"
    answer = register(
        client, key,
        ("lab", "far", properties), ("nowhere", "x", properties), ("lab", "local", properties),
        ("lab", "evil", escaping), ("lab", "../up", properties),
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["registered"] == ["lab/far"]
    assert set(result["refused"]) == {"nowhere/x", "lab/local", "lab/evil", "lab/../up"}

    described = client.get("/api/v1/datasets/lab/far", headers=bearer(admin_token)).json()
    assert described["datastoreUrl"] == NODE
    assert described["zarrUrl"] == f"{NODE}/zarr/lab/far/"
    assert described["status"] == "active"  # it just registered, which counts as a beat
    assert (
        client.get("/api/v1/datasets/lab/local", headers=bearer(admin_token)).json()["datastoreUrl"]
        is None
    )

    # the hub's scan leaves it alone, and a local folder may not take its name
    (hub.settings.binary_data / "lab" / "far").mkdir(parents=True)
    with hub.transaction() as session:
        report = scan(session, hub.storage)
    assert "lab/far" in report.errors and "lab/far" not in report.missing
    hub.index.refresh(force=True)
    assert (
        client.get("/api/v1/datasets/lab/far", headers=bearer(admin_token)).json()["datastoreUrl"]
        == NODE
    )

    # the hub's own routes send readers to the node after their own check
    chunk = "/zarr/lab/far/color/1/c/0/0/0/0"
    moved = client.get(chunk, headers=bearer(admin_token), follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == NODE + chunk
    assert client.get(chunk, follow_redirects=False).status_code == 404
    box = "/api/v1/datasets/lab/far/layers/color/data?width=4"
    moved = client.get(box, headers=bearer(admin_token), follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == NODE + box

    # its files are the node's: the hub does not trash or rewrite them
    for method, path in (
        ("DELETE", "/api/v1/datasets/lab/far?confirm=far"),
        ("PUT", "/api/v1/datasets/lab/far/properties"),
        ("POST", "/api/v1/datasets/lab/far/properties/disk/apply"),
    ):
        refused = client.request(
            method, path, headers=bearer(admin_token), json=properties if method == "PUT" else None
        )
        assert refused.status_code == 409, (path, refused.text)
        assert refused.json()["error"] == "held_by_datastore"

    # a second registration without it removes it from the catalog
    assert register(client, key).json()["removed"] == ["lab/far"]
    assert client.get("/api/v1/datasets/lab/far", headers=bearer(admin_token)).status_code == 404


def test_a_malformed_or_oversized_registration_is_refused(client, root_token):
    key = create(client, root_token)
    for body in (b"not json", b"[]", b'{"datasets": 3}', b'{"datasets": [{"name": "x"}]}'):
        answer = client.put("/api/v1/datastore/datasets", content=body, headers=key_header(key))
        assert answer.status_code == 400, body
        assert set(answer.json()) == {"error", "detail"}
    huge = {**key_header(key), "Content-Length": str(2**40)}
    assert client.put("/api/v1/datastore/datasets", content=b"{}", headers=huge).status_code in (
        400,
        413,
    )


def test_the_access_answer_is_the_hubs_can(
    client, hub, root_token, admin_token, outsider_token, properties
):
    key = create(client, root_token)
    other = create(client, root_token, name="other", url="http://other.example")
    assert register(client, key, ("lab", "far", properties)).json()["registered"] == ["lab/far"]

    def ask(node_key: str, **credentials: object) -> bool:
        body = {"organization": "lab", "dataset": "far", **credentials}
        answer = client.post("/api/v1/datastore/access", json=body, headers=key_header(node_key))
        assert answer.status_code == 200, answer.text
        assert answer.json()["cacheSeconds"] == hub.settings.access_cache_seconds
        return answer.json()["allowed"]

    assert ask(key, token=admin_token) is True
    assert ask(key) is False  # anonymous, private dataset
    assert ask(key, token=outsider_token) is False
    assert ask(key, token="vxh_forged") is False
    assert ask(other, token=admin_token) is False  # a node learns nothing of others' datasets
    share = client.post("/api/v1/datasets/lab/far/sharing-token", headers=bearer(admin_token))
    share_token = share.json()["sharingToken"]
    assert ask(key, token=share_token) is True
    assert ask(key, shareTokenHashes=[hash_token(share_token)]) is True
    assert ask(key, shareTokenHashes=["0" * 64]) is False

    # a browser session of the hub, forwarded whole by the node, counts; after logout it does not
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        create_user(session, email="web@lab.org", organization=org, role="admin",
                    password_hash=hash_password("pw-123456789"))  # fmt: skip
    from fastapi.testclient import TestClient

    with TestClient(client.app) as browser:
        logged_in = browser.post(
            "/api/v1/auth/login", json={"email": "web@lab.org", "password": "pw-123456789"}
        )
        assert logged_in.status_code == 200, logged_in.text
        cookie = browser.cookies[COOKIE]
        assert ask(key, session=cookie) is True
        # a character inside the signature: the last one also holds base64 padding bits
        forged = cookie[:-5] + ("A" if cookie[-5] != "A" else "B") + cookie[-4:]
        assert ask(key, session=forged) is False  # the hub checks the signature
        csrf = {"X-CSRF-Token": browser.cookies.get(CSRF_COOKIE, "")}
        assert browser.post("/api/v1/auth/logout", headers=csrf).status_code == 204
    assert ask(key, session=cookie) is False
    too_many = client.post(
        "/api/v1/datastore/access",
        json={"organization": "lab", "dataset": "far", "shareTokenHashes": ["a"] * 50},
        headers=key_header(key),
    )
    assert too_many.status_code in (400, 422)


def test_a_silent_datastore_shows_its_datasets_unreachable(tmp_path, database_url, properties):
    settings = Settings(
        data=tmp_path / "data", database_url=database_url, scan_interval=0, workers=0,
        access_cache_seconds=0.0, datastore_timeout_seconds=0.5,
    )  # fmt: skip
    hub = Hub(settings).prepare()
    from fastapi.testclient import TestClient

    from voxhub.api.app import create_app

    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        root = create_user(session, email="root@hub.org", organization=org, is_superuser=True)
        token = issue_token(session, root, "tests").token
    try:
        with TestClient(create_app(hub)) as client:
            key = create(client, token)
            register(client, key, ("lab", "far", properties))

            def status() -> str:
                return client.get("/api/v1/datasets/lab/far", headers=bearer(token)).json()[
                    "status"
                ]

            assert status() == "active"
            time.sleep(1.6)  # past the timeout and the heartbeat cache's refresh
            assert status() == "unreachable"
            beat = client.post("/api/v1/datastore/heartbeat", json={}, headers=key_header(key))
            assert beat.status_code == 200
            assert status() == "active"  # a beat this process took is seen at once
            deleted = client.delete("/api/v1/datastores/disk", headers=bearer(token))
            assert deleted.status_code == 204
            assert client.get("/api/v1/datasets/lab/far", headers=bearer(token)).status_code == 404
            assert (
                client.post(
                    "/api/v1/datastore/heartbeat", json={}, headers=key_header(key)
                ).status_code
                == 401
            )
    finally:
        hub.close()
