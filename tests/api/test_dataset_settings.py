"""Changing datasets: settings, teams (team managers' limits), sharing tokens, access list, moves,
and listing with filters, search and paging."""

from __future__ import annotations

import pytest
from tests.api.world import auth, build_world

from voxhub.catalog.datasets import find_dataset, set_initial_access


@pytest.fixture
def world(hub, client):
    return build_world(hub, ["lab/team_ds", "lab/deep_ds", "lab/private_ds", "lab/public_ds"])


def as_(world, user):
    return auth(world.tokens[user])


VIEW = {
    "position": [10, 12, 3],
    "zoom": 1.5,
    "interpolation": True,
    "layers": {
        "color": {
            "color": [255, 0, 0],
            "alpha": 80,
            "intensityRange": [0, 200],
            "isDisabled": False,
        }
    },
}


METADATA = [
    {"key": "sample", "type": "string", "value": "A1"},
    {"key": "age (days)", "type": "number", "value": 4.5},
    {"key": "stains", "type": "string[]", "value": ["DAPI", "GFP"]},
]


def test_partial_update(client, world):
    url = "/api/v1/datasets/lab/team_ds"
    body = {
        "displayName": "Mouse cortex",
        "description": "# EM\n\nsee *paper*",
        "tags": ["em", "cortex", "em"],
        "viewConfiguration": VIEW,
        "metadata": METADATA,
    }
    changed = client.patch(url, json=body, headers=as_(world, "carol"))
    assert changed.status_code == 200, changed.text
    out = changed.json()
    assert out["displayName"] == "Mouse cortex" and out["description"].startswith("# EM")
    assert out["tags"] == ["cortex", "em"]
    assert out["viewConfiguration"]["layers"]["color"]["alpha"] == 80
    assert out["metadata"] == [{**METADATA[0]}, {**METADATA[1], "value": 4.5}, METADATA[2]]
    assert "metadata" not in out["viewConfiguration"]  # a field of its own, as in WEBKNOSSOS
    assert out["isEditable"] is True
    again = client.patch(url, json={"tags": []}, headers=as_(world, "carol")).json()
    assert again["tags"] == [] and again["displayName"] == "Mouse cortex"  # the rest stays
    assert len(again["metadata"]) == 3
    assert client.get(url, headers=as_(world, "alice")).json()["isEditable"] is False


BAD_UPDATES = [
    ({"viewConfiguration": {"layers": {"nope": {}}}}, "bad_view_configuration"),
    ({"viewConfiguration": {"layers": {"color": {"alpha": 101}}}}, "bad_view_configuration"),
    (
        {"viewConfiguration": {"layers": {"color": {"intensityRange": [9, 1]}}}},
        "bad_view_configuration",
    ),
    ({"viewConfiguration": {"zoom": 0}}, "bad_view_configuration"),
    ({"viewConfiguration": {"unknownKey": 1}}, "bad_view_configuration"),
    ({"displayName": ""}, "bad_name"),
    ({"tags": ["ok", "bad\ntag"]}, "bad_name"),
    ({"tags": ["x" * 65]}, "bad_name"),
    ({"folderId": None}, "bad_name"),
    ({"isPublic": "maybe"}, "invalid_input"),
    ({"metadata": [{"key": "n", "type": "number", "value": "five"}]}, "bad_metadata"),
    ({"metadata": [{"key": "s", "type": "string", "value": ["a"]}]}, "bad_metadata"),
    ({"metadata": [{"key": "", "type": "string", "value": "x"}]}, "bad_metadata"),
    ({"metadata": [{"key": "k", "type": "date", "value": "x"}]}, "bad_metadata"),
    ({"metadata": [{"key": "k", "type": "string", "value": "x" * 2001}]}, "bad_metadata"),
    ({"metadata": [{"key": "k", "type": "string", "value": "x"}] * 2}, "bad_metadata"),
    ({"metadata": [{"key": "k", "type": "string", "value": "x", "extra": 1}]}, "bad_metadata"),
    (
        {"metadata": [{"key": f"k{i}", "type": "number", "value": i} for i in range(201)]},
        "invalid_input",
    ),
]


def test_bad_updates_change_nothing(client, world):
    url = "/api/v1/datasets/lab/team_ds"
    admin = as_(world, "admin")
    before = client.get(url, headers=admin).json()
    for body, error in BAD_UPDATES:
        response = client.patch(url, json={"displayName": "changed?", **body}, headers=admin)
        assert response.status_code == 400 and response.json()["error"] == error, response.text
    after = client.get(url, headers=admin).json()
    moving = ("lastUsed", "diskBytes")  # noted on reading; measured in the background
    assert {k: v for k, v in after.items() if k not in moving} == {
        k: v for k, v in before.items() if k not in moving
    }


def test_public_flag_and_folder(client, world):
    admin = as_(world, "admin")
    assert client.get("/api/v1/datasets/lab/private_ds").status_code == 404
    client.patch("/api/v1/datasets/lab/private_ds", json={"isPublic": True}, headers=admin)
    assert client.get("/api/v1/datasets/lab/private_ds").status_code == 200
    assert client.get("/zarr/lab/private_ds/color/zarr.json").status_code == 200
    moved = client.patch(
        "/api/v1/datasets/lab/private_ds", json={"folderId": world.folder_ids["f5"]}, headers=admin
    )
    assert moved.json()["folderId"] == world.folder_ids["f5"]
    assert (
        client.get("/api/v1/datasets/lab/private_ds", headers=as_(world, "alice")).status_code
        == 200
    )
    other_org = client.patch(
        "/api/v1/datasets/lab/private_ds", json={"folderId": 10**6}, headers=admin
    )
    assert other_org.status_code == 404


def test_team_managers_change_only_their_own_teams(client, world):
    a, b = world.team_ids["A"], world.team_ids["B"]
    admin, carol = as_(world, "admin"), as_(world, "carol")
    url = "/api/v1/datasets/lab/team_ds/teams"
    both = client.put(url, json={"teamIds": [a, b]}, headers=admin).json()
    assert sorted(t["name"] for t in both["allowedTeams"]) == ["A", "B"]
    # removing B (not hers) is refused; removing A keeps B
    assert client.put(url, json={"teamIds": [a]}, headers=carol).status_code == 403
    kept = client.put(url, json={"teamIds": [b]}, headers=carol)
    assert kept.status_code == 404  # done, and now she can no longer see the dataset
    assert [
        t["name"]
        for t in client.get("/api/v1/datasets/lab/team_ds", headers=admin).json()["allowedTeams"]
    ] == ["B"]
    deep_teams = "/api/v1/datasets/lab/deep_ds/teams"
    assert client.put(deep_teams, json={"teamIds": [b]}, headers=carol).status_code == 403
    assert client.put(deep_teams, json={"teamIds": [a]}, headers=carol).status_code == 200
    assert (
        client.put(deep_teams, json={"teamIds": [a]}, headers=as_(world, "alice")).status_code
        == 403
    )
    assert (
        client.put(deep_teams, json={"teamIds": [world.team_ids["O"]]}, headers=admin).status_code
        == 400
    )
    assert client.put(deep_teams, json={"teamIds": ["x"]}, headers=admin).status_code == 400


def test_sharing_tokens(client, world):
    admin = as_(world, "admin")
    url = "/api/v1/datasets/lab/private_ds/sharing-token"
    assert client.get(url, headers=admin).json() == {"sharingToken": None, "url": None}
    first = client.post(url, headers=admin).json()
    token = first["sharingToken"]
    assert token.startswith("vxs_") and len(token) >= 4 + 43  # 256 bits, base64
    assert client.get(url, headers=admin).json()["sharingToken"] == token
    data = "/api/v1/datasets/lab/private_ds"
    for request in (
        lambda: client.get(data, params={"sharingToken": token}),
        lambda: client.get(data, params={"token": token}),
        lambda: client.get("/zarr/lab/private_ds/color/zarr.json", params={"token": token}),
        lambda: client.get(f"/zarr/token/{token}/lab/private_ds/color/zarr.json"),
        lambda: client.get(first["url"].replace("http://testserver", "") + "color/zarr.json"),
    ):
        assert request().status_code == 200
    # the token opens this dataset only, and grants no more than reading
    assert (
        client.get("/api/v1/datasets/lab/team_ds", params={"sharingToken": token}).status_code
        == 404
    )
    assert client.patch(data, json={}, params={"sharingToken": token}).status_code == 401
    renewed = client.post(url, headers=admin).json()["sharingToken"]
    assert renewed != token
    assert client.get(data, params={"sharingToken": token}).status_code == 404
    assert client.get(data, params={"sharingToken": renewed}).status_code == 200
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(data, params={"sharingToken": renewed}).status_code == 404
    assert client.get(url, headers=admin).json()["sharingToken"] is None


def test_sharing_token_with_a_session_adds_to_what_the_user_sees(client, world, hub):
    admin = as_(world, "admin")
    token = client.post("/api/v1/datasets/lab/private_ds/sharing-token", headers=admin).json()
    headers = as_(world, "bob")
    params = {"sharingToken": token["sharingToken"]}
    assert (
        client.get("/api/v1/datasets/lab/private_ds", headers=headers, params=params).status_code
        == 200
    )
    listing = client.get("/api/v1/datasets", headers=headers, params=params).json()
    assert "private_ds" in {d["name"] for d in listing}


def test_access_list_says_who_and_why(client, world):
    body = client.get("/api/v1/datasets/lab/deep_ds/access", headers=as_(world, "admin")).json()
    reasons = {u["email"]: u["reasons"] for u in body["users"]}
    assert reasons["admin@lab.org"] == ["admin of the organization"]
    assert reasons["manager@lab.org"] == ["dataset manager of the organization"]
    assert reasons["alice@lab.org"] == ["team A is allowed on folder /f1"]
    assert "bob@lab.org" not in reasons and "other_admin@other.org" not in reasons
    can_edit = {u["email"] for u in body["users"] if u["canEdit"]}
    assert can_edit == {"admin@lab.org", "manager@lab.org", "carol@lab.org"}
    assert body["isPublic"] is False and body["hasSharingToken"] is False
    assert (
        client.get("/api/v1/datasets/lab/deep_ds/access", headers=as_(world, "alice")).status_code
        == 403
    )


def test_moving_many_is_all_or_nothing(client, world):
    f5 = world.folder_ids["f5"]
    carol = as_(world, "carol")
    body = {"datasets": ["lab/team_ds", "lab/private_ds"], "folderId": f5}
    assert client.post("/api/v1/datasets/move", json=body, headers=carol).status_code == 404
    assert client.get("/api/v1/datasets/lab/team_ds", headers=carol).json()["folderId"] != f5
    body["datasets"] = ["lab/team_ds", "lab/deep_ds"]
    moved = client.post("/api/v1/datasets/move", json=body, headers=carol)
    assert moved.status_code == 200 and {d["folderId"] for d in moved.json()} == {f5}
    bad = client.post("/api/v1/datasets/move", json={"datasets": [], "folderId": f5}, headers=carol)
    assert bad.status_code == 400


def test_listing_filters_search_and_paging(client, world):
    admin = as_(world, "admin")
    client.patch(
        "/api/v1/datasets/lab/team_ds",
        json={"tags": ["em", "mouse"], "description": "Cortex block, serial section"},
        headers=admin,
    )
    client.patch(
        "/api/v1/datasets/lab/deep_ds",
        json={"tags": ["em"], "displayName": "Fly brain"},
        headers=admin,
    )

    def names(**params):
        response = client.get("/api/v1/datasets", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [d["name"] for d in response.json()], int(response.headers["x-total-count"])

    assert names(tags=["em"])[0] == ["deep_ds", "team_ds"]
    assert names(tags=["em", "mouse"])[0] == ["team_ds"]
    assert names(q="cortex SERIAL")[0] == ["team_ds"]
    assert names(q="cortex fly")[0] == []
    assert names(q="brain")[0] == ["deep_ds"]
    assert names(q="mouse")[0] == ["team_ds"]  # tags are searched too
    f1 = world.folder_ids["f1"]
    assert names(folder=f1)[0] == []
    assert names(folder=f1, includeSubfolders=True)[0] == ["deep_ds"]
    root = client.get("/api/v1/folders/root", headers=admin).json()["id"]
    assert names(folder=root)[0] == ["private_ds", "public_ds", "team_ds"]
    assert names(isPublic=True)[0] == ["public_ds"]
    assert names(status="active", limit=2, offset=1) == (["private_ds", "public_ds"], 4)
    assert names(sort="-name", limit=1) == (["team_ds"], 4)
    assert names(sort="displayName")[0][0] == "deep_ds"  # "Fly brain"
    for bad in ({"limit": 0}, {"offset": -1}, {"sort": "size"}, {"folder": "x"}):
        assert client.get("/api/v1/datasets", params=bad, headers=admin).status_code == 400


def test_last_used_is_noted_when_a_dataset_is_opened(client, world):
    admin = as_(world, "admin")
    assert client.get("/api/v1/datasets/lab/team_ds", headers=admin).json()["lastUsed"] is None
    client.patch("/api/v1/datasets/lab/team_ds", json={"tags": ["x"]}, headers=admin)
    assert client.get("/api/v1/datasets/lab/team_ds", headers=admin).json()["lastUsed"]


def test_uploader_is_shown_inside_the_organization_only(client, world, hub):
    with hub.transaction() as session:
        dataset = find_dataset(session, "lab", "public_ds")
        set_initial_access(session, dataset, uploader_id=world.user_ids["alice"])
    url = "/api/v1/datasets/lab/public_ds"
    assert client.get(url, headers=as_(world, "nobody")).json()["uploader"] == "alice@lab.org"
    outside = client.get(url, headers=as_(world, "other_member")).json()
    assert outside["uploader"] is None and outside["allowedTeams"] == []
    assert client.get(url).json()["folderId"] is None
