"""Injection through names, tags, search and folder names; secrets never in logs or answers."""

from __future__ import annotations

import logging

import pytest
from tests.api.world import PASSWORD, auth, build_world

NASTY = [
    "'; DROP TABLE datasets; --",
    '" OR 1=1 --',
    "%_%",
    "\\\\server\\share",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "名前 ünïcode",
    "${jndi:ldap://x}",
]


@pytest.fixture
def world(hub, client):
    return build_world(hub, ["lab/team_ds", "lab/private_ds"])


def test_nasty_text_is_stored_as_given_and_matches_only_itself(client, world):
    admin = auth(world.tokens["admin"])
    url = "/api/v1/datasets/lab/team_ds"
    changed = client.patch(url, json={"tags": NASTY, "displayName": NASTY[0]}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert sorted(changed.json()["tags"]) == sorted(NASTY)
    for text in NASTY:
        found = client.get("/api/v1/datasets", params={"q": text}, headers=admin).json()
        assert [d["name"] for d in found] == ["team_ds"], text
        tagged = client.get("/api/v1/datasets", params={"tags": [text]}, headers=admin).json()
        assert [d["name"] for d in tagged] == ["team_ds"], text
    nothing = client.get("/api/v1/datasets", params={"q": "' OR '1'='1"}, headers=admin).json()
    assert nothing == []
    everything = client.get("/api/v1/datasets", headers=admin).json()
    assert {d["name"] for d in everything} == {"team_ds", "private_ds"}  # no table was dropped


def test_nasty_folder_and_team_names(client, world):
    admin = auth(world.tokens["admin"])
    root = client.get("/api/v1/folders/root", headers=admin).json()["id"]
    for text in NASTY:
        if "/" in text:
            answer = client.post(
                "/api/v1/folders", json={"parentId": root, "name": text}, headers=admin
            )
            assert answer.status_code == 400
            continue
        made = client.post("/api/v1/folders", json={"parentId": root, "name": text}, headers=admin)
        assert made.status_code == 201 and made.json()["name"] == text
        team = client.post("/api/v1/teams", json={"name": text}, headers=admin)
        assert team.status_code == 201 and team.json()["name"] == text
    tree = client.get("/api/v1/folders/tree", headers=admin).json()
    assert {f["name"] for f in tree} >= {t for t in NASTY if "/" not in t}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/datasets/lab/..%2Fteam_ds",
        "/api/v1/datasets/lab/team_ds%00",
        "/api/v1/datasets/..%2F..%2Fetc/passwd",
        "/zarr/lab/team_ds/..%2F..%2Fprivate_ds/color/zarr.json",
        "/zarr/lab/team_ds/color/%2e%2e/%2e%2e/private_ds/color/zarr.json",
        "/api/v1/datasets/lab/team_ds/layers/..%2F..%2Fprivate_ds/data",
    ],
)
def test_path_injection_finds_nothing(client, world, path):
    response = client.get(path, headers=auth(world.tokens["alice"]))
    if "%00" in path:  # NUL bytes are refused before routing (issue 9 item 9)
        assert response.status_code == 400, response.text
        assert "private_ds" not in response.text and "team_ds" not in response.text
        return
    assert response.status_code == 404
    assert response.json()["error"] in ("not_found", "mag_not_found")


def test_secrets_never_reach_logs_or_answers(client, world, caplog):
    caplog.set_level(logging.DEBUG)
    token = world.tokens["alice"]
    share = client.post(
        "/api/v1/datasets/lab/private_ds/sharing-token", headers=auth(world.tokens["admin"])
    ).json()["sharingToken"]
    answers = [
        client.get("/zarr/lab/team_ds/color/zarr.json", params={"token": token}),
        client.get(f"/zarr/token/{token}/lab/team_ds/color/zarr.json"),
        client.get(f"/zarr/token/{token}x/lab/team_ds/color/zarr.json"),
        client.get("/api/v1/datasets/lab/private_ds", params={"sharingToken": share}),
        client.get(f"/zarr/token/{share}/lab/private_ds/nolayer/zarr.json"),
        client.get("/api/v1/datasets", headers=auth(token + "x")),
        client.post("/api/v1/auth/login", json={"email": "alice@lab.org", "password": PASSWORD}),
        client.post(
            "/api/v1/auth/login", json={"email": "alice@lab.org", "password": PASSWORD + "!"}
        ),
    ]
    assert [a.status_code for a in answers] == [200, 200, 401, 200, 404, 401, 200, 401]
    secrets = [token, share, PASSWORD]
    # httpx is the test's own client logging what it sent; everything else is the server
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    for secret in secrets:
        assert secret not in logged
        for answer in answers[2:]:
            if answer.headers.get("content-type", "").startswith("application/json"):
                assert secret not in answer.text.replace(f"/zarr/token/{share}/", "")
