"""A node's registration beat against an in-process hub (real app, real catalogs)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.helpers import add_dataset

from voxhub.access.accounts import create_user, issue_token
from voxhub.api.app import create_app
from voxhub.catalog.register import ensure_organization
from voxhub.config import Settings
from voxhub.datastore import DatastoreNode, HubLink
from voxhub.datastore import node as node_module
from voxhub.hub import Hub


def test_what_the_hub_refused_is_offered_again(hub, tmp_path, monkeypatch):
    with hub.transaction() as session:
        org = ensure_organization(session, "hubside")
        root = create_user(session, email="root@hub.org", organization=org, is_superuser=True)
        token = issue_token(session, root, "tests").token
    local = Hub(Settings(data=tmp_path / "node", database_url=None, scan_interval=0)).prepare()
    add_dataset(local, "lab", "far")
    with TestClient(create_app(hub)) as client:
        created = client.post(
            "/api/v1/datastores", json={"name": "n", "url": "http://node.example"},
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        node = DatastoreNode(
            HubLink(str(client.base_url), created.json()["key"], http=client),
            local.index, "http://node.example", every=1.0,
        )  # fmt: skip
        node.beat()  # the hub has no organization "lab" yet
        assert hub.index.lookup("lab", "far") is None
        with hub.transaction() as session:
            ensure_organization(session, "lab")
        node.beat()  # unchanged, and the retry interval has not passed: nothing sent
        assert hub.index.lookup("lab", "far") is None
        monkeypatch.setattr(node_module, "RETRY_REFUSED_SECONDS", 0.0)
        node.beat()
        entry = hub.index.lookup("lab", "far")
        assert entry is not None and entry.datastore_id is not None
        assert set(entry.layers) == {"color"}
    local.close()
