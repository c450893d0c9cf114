"""Scale-out on loopback: two API processes on one database, a dask cluster, a datastore.

Nodes A and B are two ``voxhub serve`` processes sharing nothing but the database
(PostgreSQL when ``VOXHUB_TEST_DATABASE_URL`` is set, else one SQLite file in WAL
mode) and the data folder (the stand-in for S3). Conversions run on a two-worker
``dask.distributed`` cluster. One external datastore holds a dataset of its own.

Upload through A, read through B and the client; revoke a token on B and see A
and the datastore refuse it within 5 s; kill A in the middle of an upload and
finish it through B.
"""

from __future__ import annotations

import time

import httpx
import numpy as np
import pytest
import tifffile
from distributed import Client as DaskClient
from distributed import LocalCluster
from tests.helpers import add_dataset, seconds_until, volume

from voxhub.access.accounts import create_user, issue_token
from voxhub.catalog.register import ensure_organization
from voxhub.client import Client
from voxhub.client import _upload as upload_module
from voxhub.config import Settings
from voxhub.hub import Hub
from voxhub.testing import start_server

pytestmark = pytest.mark.e2e
DEADLINE = 5.0


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def executed(cluster: LocalCluster) -> int:
    with DaskClient(cluster.scheduler_address, set_as_default=False) as client:
        return sum(client.run(lambda dask_worker: dask_worker.state.executed_count).values())


def test_two_api_nodes_a_cluster_and_a_datastore(tmp_path, database_url, cluster):
    shared = tmp_path / "shared"
    hub = Hub(Settings(data=shared, database_url=database_url)).prepare()
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        root = create_user(session, email="root@hub.org", organization=org, is_superuser=True)
        alice = create_user(
            session, email="alice@lab.org", organization=org, role="dataset_manager"
        )
        made = {
            "root": issue_token(session, root, "e2e").token,
            "alice": issue_token(session, alice, "client").token,
            "doomed": issue_token(session, alice, "doomed"),
        }
    hub.close()
    env = {
        "VOXHUB_DATABASE_URL": database_url,
        "VOXHUB_SAMPLE": "false",
        "VOXHUB_SCAN_INTERVAL": "0",
        "VOXHUB_WORKERS": "1",
        "VOXHUB_DASK_SCHEDULER": cluster.scheduler_address,
        "VOXHUB_JOB_TIMEOUT_SECONDS": "10",
    }
    node_data = tmp_path / "node"
    node_db = f"sqlite:///{tmp_path / 'node.sqlite3'}"
    local = Hub(Settings(data=node_data, database_url=node_db)).prepare()
    far = add_dataset(local, "lab", "far", volume((8, 32, 32)))
    local.close()

    servers = []
    try:
        a = start_server(shared, env)
        servers.append(a)
        b = start_server(shared, env)
        servers.append(b)
        created = httpx.post(
            f"{b.url}/api/v1/datastores", json={"name": "disk", "url": "http://127.0.0.1:1"},
            headers=bearer(made["root"]),
        )  # fmt: skip
        assert created.status_code == 201, created.text
        node = start_server(
            node_data,
            {"VOXHUB_DATABASE_URL": node_db, "VOXHUB_SAMPLE": "false",
             "VOXHUB_DATASTORE_HEARTBEAT_SECONDS": "0.5"},
            args=("--datastore", "--hub", a.url, "--key", created.json()["key"]),
        )  # fmt: skip
        servers.append(node)

        # upload through A (converted on the cluster), read through B and the client
        stack = volume((24, 80, 72), seed=3)
        tifffile.imwrite(tmp_path / "stack.tif", stack)
        before = executed(cluster)
        with Client(a.url, made["alice"]) as via_a:
            via_a.upload(tmp_path / "stack.tif", org="lab", name="up", voxel_size=(5, 5, 30))
        assert executed(cluster) > before  # the conversion's tasks ran on the cluster
        with Client(b.url, made["alice"]) as via_b:
            (layer,) = via_b.dataset("lab/up").layers.values()
            assert np.array_equal(layer.read()[0], stack)
            assert np.array_equal(layer.open_zarr(1)[0, 3:9, 10:50, 5:70], stack[3:9, 10:50, 5:70])
            remote = via_b.dataset("lab/far").layer("color")  # B sends the client to the node
            assert remote.data_root == node.url
            assert np.array_equal(remote.read()[0], far)

        # a token revoked on B stops working on A and on the datastore within 5 s
        doomed = made["doomed"]
        chunk_a = f"{a.url}/zarr/lab/up/{layer.name}/1/c/0/0/0/0"
        chunk_node = f"{node.url}/zarr/lab/far/color/1/c/0/0/0/0"
        assert httpx.get(chunk_a, headers=bearer(doomed.token)).status_code == 200
        assert httpx.get(chunk_node, headers=bearer(doomed.token)).status_code == 200
        revoked = httpx.delete(
            f"{b.url}/api/v1/auth/tokens/{doomed.row.id}", headers=bearer(doomed.token)
        )
        assert revoked.status_code == 204
        start = time.monotonic()
        seconds_until(lambda: httpx.get(chunk_a, headers=bearer(doomed.token)).status_code == 401)
        seconds_until(
            lambda: httpx.get(chunk_node, headers=bearer(doomed.token)).status_code == 404
        )
        assert time.monotonic() - start < DEADLINE

        # A dies in the middle of an upload; B finishes it
        second = volume((30, 64, 64), seed=4)
        tifffile.imwrite(tmp_path / "second.tif", second)
        sent: list[int] = []
        real_read = upload_module._read

        def dying(piece: upload_module.Piece) -> bytes:
            sent.append(piece.number)
            if len(sent) == 4:
                a.stop()  # SIGTERM, then SIGKILL to what is left of its process group
                raise ConnectionError("node A went away")
            return real_read(piece)

        upload_module._read = dying  # type: ignore[assignment]
        try:
            with Client(a.url, made["alice"], parallel=1) as via_a, pytest.raises(ConnectionError):
                via_a.upload(tmp_path / "second.tif", org="lab", name="second", chunk_size=16384)
        finally:
            upload_module._read = real_read  # type: ignore[assignment]
        assert a.process.poll() is not None
        with Client(b.url, made["alice"]) as via_b:
            uploads = via_b.http.json("GET", "/api/v1/uploads")
            assert [u["name"] for u in uploads if u["state"] == "open"] == ["second"]
            dataset = via_b.upload(tmp_path / "second.tif", org="lab", name="second",
                                   chunk_size=16384)  # fmt: skip
            (uploaded,) = dataset.layers.values()  # type: ignore[union-attr]
            assert np.array_equal(uploaded.read()[0], second)
    finally:
        for server in servers:
            server.stop()
