"""``POST /api/v1/scan``: the web app's "Scan disk" registers hand-placed folders now."""

from __future__ import annotations

import shutil

from tests.api.world import auth, build_world

from voxhub.access.accounts import find_user
from voxhub.db.session import bump_epoch


def test_superusers_scan_the_data_folder_now(client, hub):
    world = build_world(hub, ["lab/team_ds"])
    folder = hub.settings.binary_data / "lab"
    shutil.copytree(folder / "team_ds", folder / "by_hand")
    admin = auth(world.tokens["admin"])
    assert client.post("/api/v1/scan", headers=admin).status_code == 403
    assert client.post("/api/v1/scan").status_code == 401
    assert client.get("/api/v1/datasets/lab/by_hand", headers=admin).status_code == 404
    with hub.transaction() as session:
        find_user(session, "admin@lab.org").is_superuser = True
        bump_epoch(session)
    report = client.post("/api/v1/scan", headers=admin)
    assert report.status_code == 200, report.text
    assert "lab/by_hand" in report.json()["active"]
    assert client.get("/api/v1/datasets/lab/by_hand", headers=admin).status_code == 200
