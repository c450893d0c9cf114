"""``POST /api/v1/scan``: the web app's "Scan disk" registers hand-placed folders now."""

from __future__ import annotations

import shutil

from tests.api.world import auth, build_world

from voxhub.access.accounts import find_user
from voxhub.db.session import bump_epoch


def test_organization_admins_scan_only_their_organization(client, hub):
    world = build_world(hub, ["lab/team_ds", "other/ds"])
    data = hub.settings.binary_data
    shutil.copytree(data / "lab" / "team_ds", data / "lab" / "by_hand")
    shutil.copytree(data / "other" / "ds", data / "other" / "by_hand")
    shutil.rmtree(data / "other" / "ds")
    assert client.post("/api/v1/scan").status_code == 401
    for member in ("manager", "alice"):
        assert client.post("/api/v1/scan", headers=auth(world.tokens[member])).status_code == 403

    report = client.post("/api/v1/scan", headers=auth(world.tokens["admin"]))
    assert report.status_code == 200, report.text
    assert sorted(report.json()["active"]) == ["lab/by_hand", "lab/team_ds"]
    assert report.json()["missing"] == []  # other/ds is gone, but it is not lab's to mark
    other_admin = auth(world.tokens["other_admin"])
    assert client.get("/api/v1/datasets/other/by_hand", headers=other_admin).status_code == 404
    assert (
        client.get("/api/v1/datasets/other/ds", headers=other_admin).json()["status"] != "missing"
    )

    report = client.post("/api/v1/scan", headers=other_admin)
    assert report.json()["active"] == ["other/by_hand"]
    assert report.json()["missing"] == ["other/ds"]


def test_superusers_scan_the_whole_data_folder_now(client, hub):
    world = build_world(hub, ["lab/team_ds", "other/ds"])
    data = hub.settings.binary_data
    shutil.copytree(data / "lab" / "team_ds", data / "lab" / "by_hand")
    shutil.copytree(data / "other" / "ds", data / "other" / "by_hand")
    admin = auth(world.tokens["admin"])
    with hub.transaction() as session:
        find_user(session, "admin@lab.org").is_superuser = True
        bump_epoch(session)
    report = client.post("/api/v1/scan", headers=admin)
    assert report.status_code == 200, report.text
    assert {"lab/by_hand", "other/by_hand"} <= set(report.json()["active"])
    assert client.get("/api/v1/datasets/lab/by_hand", headers=admin).status_code == 200
