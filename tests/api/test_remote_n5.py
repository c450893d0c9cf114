"""A remote N5 dataset (written by tensorstore, served over HTTP) registered and read by box
and by zarr-python through /zarr (where voxhub shows it as a Zarr v3 array)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import zarr
from fastapi.testclient import TestClient
from tests.api.test_remote_layers import _asgi_store
from tests.arrays.test_n5 import DATA, write_n5
from tests.static_server import static_server

from voxhub.access.accounts import create_user, issue_token
from voxhub.api.app import create_app
from voxhub.catalog.register import ensure_organization
from voxhub.hub import Hub


def test_register_an_n5_dataset_then_box_reads_equal_the_source(settings, tmp_path: Path):
    write_n5(tmp_path / "src" / "em.n5", {"type": "gzip"})
    with static_server(tmp_path / "src") as base:
        url = f"{base}/em.n5"
        allowed = settings.model_copy(update={"remote_allowed_hosts": (urlsplit(url).netloc,)})
        hub = Hub(allowed).prepare()
        with hub.transaction() as session:
            lab, other = ensure_organization(session, "lab"), ensure_organization(session, "other")
            admin = create_user(session, email="a@x.org", organization=lab, role="admin")
            stranger = create_user(session, email="s@x.org", organization=other, role="admin")
            token = issue_token(session, admin, "t").token
            outsider = issue_token(session, stranger, "t").token
        try:
            with TestClient(create_app(hub)) as client:
                headers = {"Authorization": f"Bearer {token}"}
                added = client.post("/api/v1/datasets/remote", headers=headers,
                                    json={"name": "em", "url": url})  # fmt: skip
                assert added.status_code == 201, added.text
                layer = added.json()["layers"][0]
                route = f"/api/v1/datasets/lab/em/layers/{layer}/data"
                box = {"x": 5, "y": 3, "z": 2, "width": 40, "height": 34, "depth": 18}
                got = client.get(route, params=box, headers=headers)
                assert got.status_code == 200, got.text
                block = np.frombuffer(got.content, np.uint16).reshape(1, 18, 34, 40)
                assert np.array_equal(block[0], DATA[2:20, 3:37, 5:45])
                one = client.get(route, params={"x": 44, "y": 36, "z": 19}, headers=headers)
                assert np.frombuffer(one.content, np.uint16)[0] == DATA[19, 36, 44]
                refused = client.get(route, params=box,
                                     headers={"Authorization": f"Bearer {outsider}"})  # fmt: skip
                assert refused.status_code == 404
                # /zarr: big-endian blocks with headers, axes reversed, cut at the edges,
                # re-keyed to little-endian Zarr chunks a Zarr client reads
                store = _asgi_store(client, f"/zarr/lab/em/{layer}/1", token)
                level = zarr.open_array(store=store, mode="r", zarr_format=3)
                assert level.shape == DATA.shape and level.chunks == (8, 16, 16)
                assert np.array_equal(level[...], DATA)
                assert np.array_equal(level[3:17, 20:, 40:], DATA[3:17, 20:, 40:])
                document = client.get(f"/zarr/lab/em/{layer}/1/zarr.json", headers=headers)
                assert document.json()["dimension_names"] == ["z", "y", "x"]
                for key in ("c/3/0/0", "c/0/0", "0/0/0"):
                    answer = client.get(f"/zarr/lab/em/{layer}/1/{key}", headers=headers)
                    assert answer.status_code == 404, key
                outside = client.get(f"/zarr/lab/em/{layer}/1/c/0/0/0",
                                     headers={"Authorization": f"Bearer {outsider}"})  # fmt: skip
                assert outside.status_code == 404
        finally:
            hub.close()
