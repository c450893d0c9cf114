"""Deleting moves a dataset to the trash; restoring brings it back with its settings; purging."""

from __future__ import annotations

import pytest
from tests.api.world import auth, build_world
from tests.helpers import add_dataset

from voxhub.db.access_models import TrashEntry

pytestmark = pytest.mark.storages  # the data folder and S3 (moto)


@pytest.fixture
def world(hub, client):
    return build_world(hub, ["lab/team_ds", "lab/deep_ds"])


def as_(world, user):
    return auth(world.tokens[user])


def delete(client, headers, name="team_ds", confirm="team_ds"):
    params = {"confirm": confirm} if confirm is not None else {}
    return client.delete(f"/api/v1/datasets/lab/{name}", params=params, headers=headers)


def trashed(hub) -> list[str]:
    """Where the trash entries' datasets are, each checked to be there."""
    with hub.transaction() as session:
        places = [entry.path for entry in session.query(TrashEntry).all()]
    assert all(hub.storage.in_trash(place) for place in places)
    return places


def test_delete_needs_the_name_and_the_right(client, world, hub):
    manager = as_(world, "manager")
    assert delete(client, manager, confirm=None).status_code == 400
    wrong = delete(client, manager, confirm="team_DS")
    assert wrong.status_code == 400 and wrong.json()["error"] == "confirmation_mismatch"
    assert delete(client, as_(world, "carol")).status_code == 403  # editors may not delete
    assert delete(client, as_(world, "bob")).status_code == 404
    assert hub.storage.is_published("lab/team_ds")
    assert client.get("/api/v1/datasets/lab/team_ds", headers=manager).status_code == 200


def test_delete_restore_purge(client, world, hub):
    manager, alice = as_(world, "manager"), as_(world, "alice")
    client.patch(
        "/api/v1/datasets/lab/team_ds",
        json={"displayName": "Keep me", "tags": ["t1"], "folderId": world.folder_ids["f5"]},
        headers=manager,
    )
    deleted = delete(client, manager)
    assert deleted.status_code == 200, deleted.text
    entry = deleted.json()
    assert entry["deletedBy"] == "manager@lab.org" and entry["name"] == "team_ds"
    assert not hub.storage.is_published("lab/team_ds")
    (place,) = trashed(hub)
    assert place.startswith(".trash/lab/team_ds.")
    assert client.get("/api/v1/datasets/lab/team_ds", headers=manager).status_code == 404
    assert client.get("/zarr/lab/team_ds/color/zarr.json", headers=manager).status_code == 404
    listing = client.get("/api/v1/trash", headers=manager).json()
    assert [e["id"] for e in listing] == [entry["id"]]
    assert client.get("/api/v1/trash", headers=alice).status_code == 403

    restored = client.post(f"/api/v1/trash/{entry['id']}/restore", headers=manager)
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert body["displayName"] == "Keep me" and body["tags"] == ["t1"]
    assert body["folderId"] == world.folder_ids["f5"]
    assert [t["name"] for t in body["allowedTeams"]] == ["A"]
    assert client.get("/api/v1/datasets/lab/team_ds", headers=alice).status_code == 200
    assert client.get("/zarr/lab/team_ds/color/zarr.json", headers=alice).status_code == 200
    assert client.get("/api/v1/trash", headers=manager).json() == []

    entry = delete(client, manager).json()
    (place,) = trashed(hub)
    url = f"/api/v1/trash/{entry['id']}"
    assert client.delete(url, params={"confirm": "nope"}, headers=manager).status_code == 400
    assert client.delete(url, params={"confirm": "team_ds"}, headers=alice).status_code == 403
    assert client.delete(url, params={"confirm": "team_ds"}, headers=manager).status_code == 204
    assert not hub.storage.in_trash(place) and trashed(hub) == []
    assert client.post(f"{url}/restore", headers=manager).status_code == 404


def test_restore_refuses_to_overwrite_a_new_dataset_of_the_same_name(client, world, hub):
    manager = as_(world, "manager")
    entry = delete(client, manager).json()
    add_dataset(hub, "lab", "team_ds")
    conflict = client.post(f"/api/v1/trash/{entry['id']}/restore", headers=manager)
    assert conflict.status_code == 409
    assert len(client.get("/api/v1/trash", headers=manager).json()) == 1


def test_other_organizations_cannot_touch_the_trash(client, world):
    entry = delete(client, as_(world, "admin")).json()
    other = as_(world, "other_admin")
    assert client.get("/api/v1/trash", headers=other).json() == []
    assert client.post(f"/api/v1/trash/{entry['id']}/restore", headers=other).status_code == 404
    assert (
        client.get("/api/v1/trash", params={"organization": "lab"}, headers=other).status_code
        == 404
    )


def test_expired_entries_are_purged(client, world, hub):
    manager = as_(world, "manager")
    delete(client, manager)
    (place,) = trashed(hub)
    hub.settings.trash_days = 0
    assert client.get("/api/v1/trash", headers=manager).json() == []
    assert not hub.storage.in_trash(place) and trashed(hub) == []
    audit = [e["action"] for e in client.get("/api/v1/audit", headers=as_(world, "admin")).json()]
    assert audit[:2] == ["dataset.purge", "dataset.delete"]
