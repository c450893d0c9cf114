"""An external datastore against a real hub: two ``voxhub serve`` processes, two databases.

The hub's admin creates a datastore (API); a node started with ``serve --datastore``
on its own data folder and its own SQLite file registers its dataset; the hub lists
it with the node's URL; the node serves chunks, boxes and thumbnails to whoever the
hub says may read, and stops within 5 s once the hub revokes a token or a sharing
link; the Python client reads it through the hub's description; a stopped node
makes its datasets show ``unreachable``.
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import numpy as np
import pytest
from tests.helpers import add_dataset, seconds_until, volume

from voxhub.access import teams as team_service
from voxhub.access.accounts import create_user, issue_token
from voxhub.access.principal import system_principal
from voxhub.catalog.register import ensure_organization
from voxhub.client import Client
from voxhub.config import Settings
from voxhub.hub import Hub
from voxhub.testing import start_server

pytestmark = pytest.mark.e2e
DEADLINE = 5.0
CHUNK = "/zarr/lab/far/color/1/c/0/0/0/0"


def bearer(token: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def prepare_hub(data: Path, database_url: str) -> dict[str, str | int]:
    """Organization ``lab``; alice in team A (granted later), bob in no team."""
    hub = Hub(Settings(data=data, database_url=database_url)).prepare()
    operator = system_principal("tests")
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        team = team_service.create_team(session, operator, org, "A")
        alice = create_user(session, email="alice@lab.org", organization=org)
        bob = create_user(session, email="bob@lab.org", organization=org)
        manager = create_user(
            session, email="boss@lab.org", organization=org, role="dataset_manager"
        )
        root = create_user(session, email="root@hub.org", organization=org, is_superuser=True)
        team_service.set_member(session, operator, team, alice)
        made = {
            "root": issue_token(session, root, "e2e").token,
            "alice": issue_token(session, alice, "e2e").token,
            "alice2": issue_token(session, alice, "client").token,
            "bob": issue_token(session, bob, "e2e").token,
            "boss": issue_token(session, manager, "e2e").token,
            "team": team.id,
        }
    hub.close()
    return made


@pytest.fixture
def hub_and_node(tmp_path, database_url):
    hub_data = tmp_path / "hub"
    made = prepare_hub(hub_data, database_url)
    quiet = {"VOXHUB_SAMPLE": "false", "VOXHUB_WORKERS": "0", "VOXHUB_SCAN_INTERVAL": "0"}
    hub = start_server(
        hub_data,
        {**quiet, "VOXHUB_DATABASE_URL": database_url, "VOXHUB_DATASTORE_TIMEOUT_SECONDS": "3"},
    )
    node_data = tmp_path / "node"
    node_db = f"sqlite:///{tmp_path / 'node.sqlite3'}"  # its own, never the hub's
    local = Hub(Settings(data=node_data, database_url=node_db, chunk_shape=(8, 16, 16))).prepare()
    made["voxels"] = add_dataset(local, "lab", "far", volume((12, 40, 36)))  # type: ignore[assignment]
    local.close()
    servers = [hub]
    try:
        admin = bearer(made["root"])
        created = httpx.post(
            f"{hub.url}/api/v1/datastores",
            json={"name": "lab-disk", "url": "http://127.0.0.1:1"},  # the node says its own
            headers=admin,
        )
        assert created.status_code == 201, created.text
        key = created.json()["key"]
        assert key.startswith("vxd_")
        node = start_server(
            node_data,
            {**quiet, "VOXHUB_DATABASE_URL": node_db, "VOXHUB_DATASTORE_HEARTBEAT_SECONDS": "0.5"},
            args=("--datastore", "--hub", hub.url, "--key", key),
        )
        servers.append(node)
        yield hub, node, made
    finally:
        for server in servers:
            server.stop()


def test_a_datastore_serves_what_the_hub_allows_and_stops_when_the_hub_revokes(hub_and_node):
    hub, node, made = hub_and_node
    boss, alice = bearer(made["boss"]), bearer(made["alice"])

    def status(url: str, **kwargs: object) -> int:
        return httpx.get(url, **kwargs).status_code  # type: ignore[arg-type]

    # registered: the hub lists it, with the node's URL for its bytes
    described = httpx.get(f"{hub.url}/api/v1/datasets/lab/far", headers=boss)
    assert described.status_code == 200, described.text
    body = described.json()
    assert body["datastoreUrl"] == node.url
    assert body["zarrUrl"] == f"{node.url}/zarr/lab/far/"
    assert body["layers"][0]["zarrUrl"] == f"{node.url}/zarr/lab/far/color/"
    assert body["status"] == "active"

    # the node asks the hub: alice has no grant yet, then gets one on the hub
    assert httpx.get(node.url + CHUNK, headers=alice).status_code == 404
    assert httpx.get(node.url + CHUNK).status_code == 404  # anonymous
    granted = httpx.put(
        f"{hub.url}/api/v1/datasets/lab/far/teams", json={"teamIds": [made["team"]]}, headers=boss
    )
    assert granted.status_code == 200, granted.text
    seconds_until(lambda: httpx.get(node.url + CHUNK, headers=alice).status_code == 200)
    chunk = httpx.get(node.url + CHUNK, headers=alice)
    on_disk = Path(node.data / "binaryData/lab/far/color/1/c/0/0/0/0").read_bytes()
    assert chunk.content == on_disk
    assert status(node.url + CHUNK, headers=bearer(made["bob"])) == 404
    assert status(node.url + CHUNK, headers=bearer("vxh_forged")) == 404

    # the hub's own /zarr and box routes send readers to the node (after its own check)
    moved = httpx.get(hub.url + CHUNK, headers=alice)
    assert moved.status_code == 307 and moved.headers["location"] == node.url + CHUNK
    assert httpx.get(hub.url + CHUNK).status_code == 404  # anonymous: nothing to learn

    # box and thumbnail on the node
    box = httpx.get(
        f"{node.url}/api/v1/datasets/lab/far/layers/color/data",
        params={"x": 3, "y": 5, "z": 2, "width": 20, "height": 17, "depth": 6, "format": "npy"},
        headers=alice,
    )
    assert box.status_code == 200, box.text
    voxels = made["voxels"]
    read = np.load(io.BytesIO(box.content))
    assert np.array_equal(read[0], voxels[2:8, 5:22, 3:23])
    layer_url = f"{node.url}/api/v1/datasets/lab/far/layers/color"
    thumb = httpx.get(f"{layer_url}/thumbnail.png", headers=alice)
    assert thumb.status_code == 200 and thumb.content[:4] == b"\x89PNG"

    # the Python client follows the hub's description to the node
    with Client(hub.url, token=made["alice2"]) as client:
        layer = client.dataset("lab/far").layer("color")
        assert np.array_equal(layer.read()[0], voxels)
        assert np.array_equal(layer.open_zarr(1)[0, 1:4, 2:30, 5:9], voxels[1:4, 2:30, 5:9])

    # a token revoked on the hub is refused by the node within 5 s
    tokens = httpx.get(f"{hub.url}/api/v1/auth/tokens", headers=alice).json()
    mine = next(t for t in tokens if t["name"] == "e2e")
    revoked = httpx.delete(f"{hub.url}/api/v1/auth/tokens/{mine['id']}", headers=alice)
    assert revoked.status_code == 204
    took = seconds_until(lambda: httpx.get(node.url + CHUNK, headers=alice).status_code == 404)
    assert took < DEADLINE

    # a sharing link works on the node, and stops when the hub revokes it
    share = httpx.post(f"{hub.url}/api/v1/datasets/lab/far/sharing-token", headers=boss).json()
    link = {"sharingToken": share["sharingToken"]}
    seconds_until(lambda: httpx.get(node.url + CHUNK, params=link).status_code == 200)
    path_link = f"{node.url}/zarr/token/{share['sharingToken']}/lab/far/color/zarr.json"
    assert httpx.get(path_link).status_code == 200
    httpx.delete(f"{hub.url}/api/v1/datasets/lab/far/sharing-token", headers=boss)
    took = seconds_until(lambda: httpx.get(node.url + CHUNK, params=link).status_code == 404)
    assert took < DEADLINE

    # the node's log never shows a whole token
    log = Path(node.data.parent / f"serve-{node.url.rsplit(':', 1)[1]}.log").read_text()
    assert made["alice"] not in log and share["sharingToken"] not in log

    # a node with a wrong key stops at start, in one line
    stranger = node.data.parent / "stranger"
    stranger.mkdir()
    with pytest.raises(RuntimeError, match="the hub refused"):
        start_server(
            stranger,
            {
                "VOXHUB_DATABASE_URL": f"sqlite:///{stranger / 'n.sqlite3'}",
                "VOXHUB_SAMPLE": "false",
            },
            timeout=120,
            args=("--datastore", "--hub", hub.url, "--key", "vxd_wrong"),
        )

    # a silent node: its datasets show as unreachable on the hub
    node.stop()
    seconds_until(
        lambda: (
            httpx.get(f"{hub.url}/api/v1/datasets/lab/far", headers=boss).json()["status"]
            == "unreachable"
        )
    )
    listed = httpx.get(f"{hub.url}/api/v1/datastores", headers=bearer(made["root"]))
    assert [(d["name"], d["reachable"], d["datasets"]) for d in listed.json()] == [
        ("lab-disk", False, 1)
    ]
