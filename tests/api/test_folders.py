"""/api/v1/folders: the tree, who sees which folder, creating, renaming, moving, teams, deleting."""

from __future__ import annotations

import pytest
from tests.api.world import auth, build_world


@pytest.fixture
def world(hub, client):
    return build_world(hub, ["lab/deep_ds", "lab/team_ds"])


def as_(world, user):
    return auth(world.tokens[user])


def paths(client, headers):
    return [f["path"] for f in client.get("/api/v1/folders/tree", headers=headers).json()]


def test_tree_shows_each_user_what_leads_to_their_data(client, world):
    deep = ["/", "/f1", "/f1/f2", "/f1/f2/f3", "/f1/f2/f3/f4", "/f1/f2/f3/f4/f5"]
    assert paths(client, as_(world, "admin")) == deep
    assert paths(client, as_(world, "alice")) == deep  # team A is allowed on /f1
    assert paths(client, as_(world, "bob")) == ["/"]
    assert paths(client, as_(world, "other_admin")) == ["/"]  # their own organization's root
    assert client.get("/api/v1/folders/tree").status_code == 401
    f5 = client.get(f"/api/v1/folders/{world.folder_ids['f5']}", headers=as_(world, "carol")).json()
    assert f5["allowedTeams"] == [] and [t["name"] for t in f5["allowedTeamsCumulative"]] == ["A"]
    assert f5["isEditable"] is True  # carol manages team A
    f1 = world.folder_ids["f1"]
    assert client.get(f"/api/v1/folders/{f1}", headers=as_(world, "bob")).status_code == 404
    assert client.get(f"/api/v1/folders/{f1}", headers=as_(world, "other_admin")).status_code == 404
    alice_f1 = client.get(f"/api/v1/folders/{f1}", headers=as_(world, "alice")).json()
    assert alice_f1["isEditable"] is False


def test_a_team_on_a_dataset_shows_the_path_to_it(client, world):
    admin = as_(world, "admin")
    client.put(
        f"/api/v1/folders/{world.folder_ids['f1']}/teams", json={"teamIds": []}, headers=admin
    )
    client.put(
        "/api/v1/datasets/lab/deep_ds/teams", json={"teamIds": [world.team_ids["B"]]}, headers=admin
    )
    assert paths(client, as_(world, "bob"))[-1] == "/f1/f2/f3/f4/f5"
    assert paths(client, as_(world, "alice")) == ["/"]


def test_create_rename_move_delete(client, world):
    admin = as_(world, "admin")
    root = client.get("/api/v1/folders/root", headers=admin).json()
    made = client.post(
        "/api/v1/folders", json={"parentId": root["id"], "name": "projects"}, headers=admin
    )
    assert made.status_code == 201 and made.json()["path"] == "/projects"
    pid = made.json()["id"]
    again = client.post(
        "/api/v1/folders", json={"parentId": root["id"], "name": "projects"}, headers=admin
    )
    assert again.status_code == 409
    renamed = client.patch(f"/api/v1/folders/{pid}", json={"name": "Projects 2024"}, headers=admin)
    assert renamed.json()["path"] == "/Projects 2024"
    f1 = world.folder_ids["f1"]
    moved = client.patch(f"/api/v1/folders/{f1}", json={"parentId": pid}, headers=admin)
    assert moved.status_code == 200 and moved.json()["path"] == "/Projects 2024/f1"
    f5 = client.get(f"/api/v1/folders/{world.folder_ids['f5']}", headers=admin).json()
    assert f5["path"] == "/Projects 2024/f1/f2/f3/f4/f5"
    assert (
        client.get("/api/v1/datasets/lab/deep_ds", headers=as_(world, "alice")).status_code == 200
    )
    cycle = client.patch(
        f"/api/v1/folders/{f1}", json={"parentId": world.folder_ids["f5"]}, headers=admin
    )
    assert cycle.status_code == 400 and cycle.json()["error"] == "bad_folder_move"
    root_move = client.patch(f"/api/v1/folders/{root['id']}", json={"parentId": pid}, headers=admin)
    assert root_move.status_code == 400
    full = client.delete(f"/api/v1/folders/{pid}", headers=admin)
    assert full.status_code == 409 and full.json()["error"] == "folder_not_empty"
    holds_data = client.delete(f"/api/v1/folders/{world.folder_ids['f5']}", headers=admin)
    assert holds_data.status_code == 409
    empty = client.post("/api/v1/folders", json={"parentId": pid, "name": "tmp"}, headers=admin)
    assert client.delete(f"/api/v1/folders/{empty.json()['id']}", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/folders/{root['id']}", headers=admin).status_code == 400


def test_bad_folder_names(client, world):
    admin = as_(world, "admin")
    root = client.get("/api/v1/folders/root", headers=admin).json()["id"]
    for name in ("a/b", "", "   ", "..", "x" * 129, "tab\there", "nul\x00", "line\u2028sep"):
        response = client.post(
            "/api/v1/folders", json={"parentId": root, "name": name}, headers=admin
        )
        assert response.status_code == 400 and set(response.json()) == {"error", "detail"}, name
    assert paths(client, admin) == [
        "/",
        "/f1",
        "/f1/f2",
        "/f1/f2/f3",
        "/f1/f2/f3/f4",
        "/f1/f2/f3/f4/f5",
    ]


def test_who_may_change_folders(client, world):
    f1, f5 = world.folder_ids["f1"], world.folder_ids["f5"]
    carol, alice = as_(world, "carol"), as_(world, "alice")
    # carol manages team A, which is allowed on f1: she may work below it
    made = client.post("/api/v1/folders", json={"parentId": f5, "name": "mine"}, headers=carol)
    assert made.status_code == 201
    assert (
        client.post(
            "/api/v1/folders", json={"parentId": f5, "name": "x"}, headers=alice
        ).status_code
        == 403
    )
    root = client.get("/api/v1/folders/root", headers=carol).json()["id"]
    assert (
        client.post(
            "/api/v1/folders", json={"parentId": root, "name": "x"}, headers=carol
        ).status_code
        == 403
    )
    # she may not take team A off f1 unless... it is hers: she may; team B she may not add
    b = world.team_ids["B"]
    refused = client.put(
        f"/api/v1/folders/{f1}/teams", json={"teamIds": [world.team_ids["A"], b]}, headers=carol
    )
    assert refused.status_code == 403
    other = client.post(
        "/api/v1/folders", json={"parentId": f5, "name": "y"}, headers=as_(world, "other_admin")
    )
    assert other.status_code == 404
    bad_team = client.put(
        f"/api/v1/folders/{f1}/teams",
        json={"teamIds": [world.team_ids["O"]]},
        headers=as_(world, "admin"),
    )
    assert bad_team.status_code == 400  # another organization's team


def test_folder_grants_reach_everything_below(client, world):
    admin = as_(world, "admin")
    f5 = world.folder_ids["f5"]
    b = world.team_ids["B"]
    assert client.get("/api/v1/datasets/lab/deep_ds", headers=as_(world, "bob")).status_code == 404
    client.put(
        f"/api/v1/folders/{world.folder_ids['f1']}/teams", json={"teamIds": [b]}, headers=admin
    )
    assert client.get("/api/v1/datasets/lab/deep_ds", headers=as_(world, "bob")).status_code == 200
    assert (
        client.get("/api/v1/datasets/lab/deep_ds", headers=as_(world, "alice")).status_code == 404
    )
    body = client.get("/api/v1/datasets/lab/deep_ds", headers=admin).json()
    assert body["folderId"] == f5 and [t["name"] for t in body["allowedTeamsCumulative"]] == ["B"]
