"""``/api/v1/import``: admins browse the import folders and queue imports that a worker runs;
everyone else finds nothing, and paths never leave the import folders."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from tests.api.world import auth, build_world

from voxhub.jobs.runner import Worker


@pytest.fixture
def world(hub, client, tmp_path):
    root = tmp_path / "incoming"
    (root / "run1").mkdir(parents=True)
    volume = np.arange(6 * 32 * 24, dtype=np.uint8).reshape(6, 32, 24)
    tifffile.imwrite(root / "run1" / "stack.tif", volume)
    (root / "notes.txt").write_text("not an image")
    (root / ".hidden").write_text("x")
    outside = tmp_path / "outside"
    outside.mkdir()
    tifffile.imwrite(outside / "secret.tif", volume)
    (root / "escape").symlink_to(outside)
    hub.settings.import_roots = (root,)
    return build_world(hub, ["lab/team_ds"])


def as_(world, user):
    return auth(world.tokens[user])


def listing(client, world, path="", user="admin"):
    return client.get("/api/v1/import/files", params={"path": path}, headers=as_(world, user))


def test_an_admin_browses_the_import_folders(client, world):
    top = listing(client, world)
    assert top.status_code == 200, top.text
    names = [(e["name"], e["isDir"]) for e in top.json()["entries"]]
    assert names == [("escape", True), ("run1", True), ("notes.txt", False)]  # folders first
    inner = listing(client, world, "run1")
    [entry] = inner.json()["entries"]
    assert entry["name"] == "stack.tif" and entry["size"] > 6 * 32 * 24
    for bad in ("../", "/etc", "escape", "run1/../.."):
        refused = client.get(
            "/api/v1/import/files", params={"path": bad}, headers=as_(world, "admin")
        )
        assert refused.status_code in (400, 404), (bad, refused.text)
        assert set(refused.json()) == {"error", "detail"}
    missing = client.get(
        "/api/v1/import/files", params={"path": "nope"}, headers=as_(world, "admin")
    )
    assert missing.status_code == 404


def test_import_runs_as_a_job_and_gives_the_dataset_its_folder_and_teams(client, hub, world):
    body = {
        "path": "run1/stack.tif", "organization": "lab", "name": "imported",
        "folderId": world.folder_ids["f1"], "teamIds": [world.team_ids["B"]],
        "voxelSize": [4, 4, 40],
    }  # fmt: skip
    queued = client.post("/api/v1/import", json=body, headers=as_(world, "admin"))
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert job["kind"] == "import" and job["dataset"] == "lab/imported"
    assert Worker(hub, "test-worker").run_once() == job["id"]
    done = client.get(f"/api/v1/jobs/{job['id']}", headers=as_(world, "admin")).json()
    assert done["state"] == "succeeded", done
    dataset = client.get("/api/v1/datasets/lab/imported", headers=as_(world, "admin")).json()
    assert dataset["voxelSize"] == [4.0, 4.0, 40.0]
    assert dataset["folderId"] == world.folder_ids["f1"]
    assert [t["name"] for t in dataset["allowedTeams"]] == ["B"]
    assert client.get("/api/v1/datasets/lab/imported", headers=as_(world, "bob")).status_code == 200
    again = client.post("/api/v1/import", json=body, headers=as_(world, "admin"))
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"path": "../outside/secret.tif"}, 400),
        ({"path": "/etc/passwd"}, 400),
        ({"path": "escape/secret.tif"}, 400),
        ({"path": "run1/missing.tif"}, 404),
        ({"name": "../evil"}, 400),
        ({"name": "team_ds"}, 409),
        ({"folderId": 10**6}, 404),
        ({"teamIds": [10**6]}, 400),
        ({"voxelSize": [0, 1, 1]}, 400),
        ({"organization": "other"}, 404),
    ],
)
def test_bad_imports_are_refused_before_a_job_exists(client, world, change, status):
    body = {"path": "run1/stack.tif", "organization": "lab", "name": "fresh", **change}
    refused = client.post("/api/v1/import", json=body, headers=as_(world, "admin"))
    assert refused.status_code == status, refused.text
    assert set(refused.json()) == {"error", "detail"}
    jobs = client.get("/api/v1/jobs", headers=as_(world, "admin")).json()
    assert not [j for j in jobs if j["kind"] == "import"]


@pytest.mark.parametrize("user", ["manager", "alice", "other_admin", None])
def test_only_the_organizations_admins_may_import(client, world, user):
    headers = as_(world, user) if user else {}
    body = {"path": "run1/stack.tif", "organization": "lab", "name": "sneaky"}
    refused = client.post("/api/v1/import", json=body, headers=headers)
    assert refused.status_code in (401, 404), refused.text
    assert "stack" not in refused.text
    if user != "other_admin":  # the import folders are the server's: any organization's admins
        files = client.get("/api/v1/import/files", headers=headers)
        assert files.status_code in (401, 404) and "run1" not in files.text


def test_a_server_without_import_folders_refuses(client, hub, world):
    hub.settings.import_roots = ()
    refused = listing(client, world)
    assert refused.status_code == 403 and "VOXHUB_IMPORT_ROOTS" in refused.json()["detail"]
