"""A real ``voxhub serve``: a remote OME-Zarr registered over HTTP, read back by real clients.

The source is served by tests/static_server.py on 127.0.0.1 (allowed with
``VOXHUB_REMOTE_ALLOWED_HOSTS``); zarr-python and tensorstore read the remote
layer through the hub's ``/zarr`` and must see exactly the source's data.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
import tensorstore as ts
import zarr
from ome_zarr.format import FormatV05
from ome_zarr.writer import write_image
from tests.static_server import static_server

from voxhub.testing import start_server

pytestmark = pytest.mark.e2e
IMAGE = np.random.default_rng(11).integers(0, 250, (1, 24, 64, 80), dtype=np.uint8)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("remote")
    group = zarr.open_group(str(root / "src" / "em.ome.zarr"), mode="w", zarr_format=3)
    write_image(IMAGE, group, axes="czyx", fmt=FormatV05(), scale_factors=(2,),
                storage_options={"chunks": (1, 8, 32, 32)})  # fmt: skip
    with static_server(root / "src") as base:
        env = {"VOXHUB_SCAN_INTERVAL": "0", "VOXHUB_SAMPLE": "false", "VOXHUB_WORKERS": "0",
               "VOXHUB_REMOTE_ALLOWED_HOSTS": urlsplit(base).netloc}  # fmt: skip
        server = start_server(root / "data", env)
        try:
            yield server, f"{base}/em.ome.zarr"
        finally:
            server.stop()


def test_register_and_read_through_zarr_and_the_box_route(world: tuple) -> None:
    server, source = world
    auth = {"Authorization": f"Bearer {server.admin_token}"}
    added = httpx.post(f"{server.url}/api/v1/datasets/remote",
                       json={"name": "far", "url": source}, headers=auth, timeout=60)  # fmt: skip
    assert added.status_code == 201, added.text
    org, layer = added.json()["organization"], added.json()["layers"][0]
    level = zarr.open_array(f"{server.url}/zarr/token/{server.admin_token}/{org}/far/{layer}/1",
                            mode="r")  # fmt: skip
    assert np.array_equal(level[...], IMAGE)
    spec = {"driver": "zarr3", "kvstore": {"driver": "http", "base_url":
            f"{server.url}/zarr/token/{server.admin_token}/{org}/far/{layer}/2-2-1"}}  # fmt: skip
    coarse = ts.open(spec, read=True).result().read().result()
    assert np.array_equal(coarse, zarr.open_array(f"{source}/s1", mode="r")[...])
    box = httpx.get(f"{server.url}/api/v1/datasets/{org}/far/layers/{layer}/data",
                    params={"width": 80, "height": 64, "depth": 24}, headers=auth)  # fmt: skip
    assert np.frombuffer(box.content, np.uint8).reshape(IMAGE.shape).tobytes() == IMAGE.tobytes()
    anonymous = httpx.get(f"{server.url}/zarr/{org}/far/{layer}/1/zarr.json")
    assert anonymous.status_code == 404


def test_internal_addresses_stay_refused(world: tuple, tmp_path: Path) -> None:
    server, _ = world
    auth = {"Authorization": f"Bearer {server.admin_token}"}
    for url in ("http://169.254.169.254/latest/meta-data", "http://127.0.0.1:1/x.zarr"):
        answer = httpx.post(f"{server.url}/api/v1/datasets/remote",
                            json={"name": "bad", "url": url}, headers=auth, timeout=30)  # fmt: skip
        assert answer.status_code == 400 and answer.json()["error"] == "unsafe_path", answer.text


def test_python_client_adds_and_reads_a_remote_dataset(world: tuple) -> None:
    from voxhub.client import Client

    server, source = world
    with Client(server.url, server.admin_token) as client:
        proposal = client.explore_remote(source)
        assert [layer["name"] for layer in proposal["properties"]["dataLayers"]] == ["em"]
        dataset = client.add_remote(source, name="by_client")
        em = dataset.layer("em")
        assert np.array_equal(em.read(), IMAGE)
        assert np.array_equal(em.open_zarr(mag=1)[...], IMAGE)
