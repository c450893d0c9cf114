"""Remote Neuroglancer precomputed volumes (written by tensorstore, served over HTTP):
explored, registered, read by box, thumbnail and /zarr (shown as Zarr v3), refused when
voxhub cannot read them or the guard forbids the address."""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import zarr
from fastapi.testclient import TestClient
from PIL import Image
from tests.api.test_remote_layers import _asgi_store, auth
from tests.arrays.test_precomputed import DATA, scale_key, write_precomputed
from tests.arrays.test_precomputed_sharded import LABELS, sharding
from tests.static_server import static_server

from voxhub.access.accounts import create_user, issue_token
from voxhub.api.app import create_app
from voxhub.catalog.register import ensure_organization
from voxhub.hub import Hub

COARSE = DATA[:, :, ::2, ::2]  # a second scale, 8 x 8 x 40 nm


@pytest.fixture
def world(settings, tmp_path: Path):
    volume = tmp_path / "src" / "em"
    write_precomputed(volume, offset=(3, 5, 7))
    write_precomputed(volume, COARSE, offset=(1, 2, 7), resolution=(8.0, 8.0, 40.0))
    (tmp_path / "src" / "bad").mkdir()
    (tmp_path / "src" / "bad" / "info").write_text(json.dumps({"type": "image", "scales": 3}))
    write_precomputed(tmp_path / "src" / "seg", LABELS, kind="segmentation",
                      encoding="compressed_segmentation",
                      extra={"compressed_segmentation_block_size": [8, 8, 8],
                             **sharding("murmurhash3_x86_128")})  # fmt: skip
    jxl = json.loads((tmp_path / "src" / "seg" / "info").read_text())
    jxl["scales"][0]["encoding"] = "jpegxl"
    (tmp_path / "src" / "jxl").mkdir()
    (tmp_path / "src" / "jxl" / "info").write_text(json.dumps(jxl))
    with static_server(tmp_path / "src") as base:
        allowed = settings.model_copy(update={"remote_allowed_hosts": (urlsplit(base).netloc,)})
        hub = Hub(allowed).prepare()
        with hub.transaction() as session:
            lab, other = ensure_organization(session, "lab"), ensure_organization(session, "other")
            admin = create_user(session, email="a@x.org", organization=lab, role="admin")
            stranger = create_user(session, email="s@x.org", organization=other, role="admin")
            tokens = {"admin": issue_token(session, admin, "t").token,
                      "stranger": issue_token(session, stranger, "t").token}  # fmt: skip
        try:
            with TestClient(create_app(hub)) as client:
                yield client, tokens, base, volume
        finally:
            hub.close()


def test_explore_proposes_the_scales_as_mags(world):
    client, tokens, base, volume = world
    answer = client.post("/api/v1/datasets/explore", json={"url": f"{base}/em"},
                         headers=auth(tokens["admin"]))  # fmt: skip
    assert answer.status_code == 200, answer.text
    properties = answer.json()["properties"]
    layer = properties["dataLayers"][0]
    assert layer["dataFormat"] == "neuroglancerPrecomputed"
    assert layer["elementClass"] == "uint16" and layer["category"] == "color"
    assert (layer["boundingBox"]["width"], layer["boundingBox"]["height"],
            layer["boundingBox"]["depth"]) == (45, 37, 20)  # fmt: skip
    assert [m["mag"] for m in layer["mags"]] == [[1, 1, 1], [2, 2, 1]]
    assert layer["mags"][0]["path"] == f"{base}/em/{scale_key(volume)}"
    assert properties["scale"]["factor"] == [4.0, 4.0, 40.0]
    assert any("voxel_offset" in w for w in answer.json()["warnings"])


def test_register_then_box_thumbnail_and_zarr_reads_equal_the_source(world):
    client, tokens, base, _ = world
    added = client.post("/api/v1/datasets/remote", json={"name": "em", "url": f"{base}/em"},
                        headers=auth(tokens["admin"]))  # fmt: skip
    assert added.status_code == 201, added.text
    route = "/api/v1/datasets/lab/em/layers/em/data"
    box = {"x": 5, "y": 3, "z": 2, "width": 40, "height": 34, "depth": 18}
    got = client.get(route, params=box, headers=auth(tokens["admin"]))
    assert got.status_code == 200, got.text
    block = np.frombuffer(got.content, np.uint16).reshape(1, 18, 34, 40)
    assert np.array_equal(block, DATA[:, 2:20, 3:37, 5:45])
    coarse = client.get(route, params={"width": 22, "height": 18, "depth": 20, "mag": "2-2-1"},
                        headers=auth(tokens["admin"]))  # fmt: skip
    assert coarse.status_code == 200, coarse.text
    assert coarse.content == np.ascontiguousarray(COARSE[:, :, :18, :22]).tobytes()
    thumb = client.get("/api/v1/datasets/lab/em/layers/em/thumbnail.png", params={"size": 16},
                       headers=auth(tokens["admin"]))  # fmt: skip
    assert thumb.status_code == 200 and np.asarray(Image.open(io.BytesIO(thumb.content))).std() > 5
    # any Zarr client reads the layer through /zarr: voxhub shows each scale as Zarr v3
    for mag, expected in (("1", DATA), ("2-2-1", COARSE)):
        store = _asgi_store(client, f"/zarr/lab/em/em/{mag}", tokens["admin"])
        level = zarr.open_array(store=store, mode="r", zarr_format=3)
        assert level.shape == expected.shape and level.chunks == (1, 8, 16, 16)
        assert np.array_equal(level[...], expected)
    group = client.get("/zarr/lab/em/em/zarr.json", headers=auth(tokens["admin"])).json()
    assert [d["path"] for d in group["attributes"]["ome"]["multiscales"][0]["datasets"]] == [
        "1", "2-2-1"]  # fmt: skip
    edge = client.get("/zarr/lab/em/em/1/c/0/2/2/2", headers=auth(tokens["admin"]))
    assert edge.status_code == 200 and edge.headers["etag"]
    for missing in ("1/c/0/3/0/0", "1/c/0/0/0", "1/c/x/0/0/0", "1/0.0.0.0"):
        assert client.get(f"/zarr/lab/em/em/{missing}",
                          headers=auth(tokens["admin"])).status_code == 404  # fmt: skip
    stranger = auth(tokens["stranger"])
    assert client.get(route, params=box, headers=stranger).status_code == 404
    assert client.get("/zarr/lab/em/em/1/c/0/0/0/0", headers=stranger).status_code == 404


def test_a_sharded_compressed_segmentation_reads_by_box_and_zarr(world):
    client, tokens, base, _ = world
    added = client.post("/api/v1/datasets/remote", json={"name": "seg", "url": f"{base}/seg"},
                        headers=auth(tokens["admin"]))  # fmt: skip
    assert added.status_code == 201, added.text
    layer = client.get("/api/v1/datasets/lab/seg", headers=auth(tokens["admin"])).json()
    assert "segmentation" in json.dumps(layer) and "uint64" in json.dumps(layer)
    box = {"x": 5, "y": 3, "z": 2, "width": 40, "height": 34, "depth": 18}
    got = client.get("/api/v1/datasets/lab/seg/layers/seg/data", params=box,
                     headers=auth(tokens["admin"]))  # fmt: skip
    assert got.status_code == 200, got.text
    block = np.frombuffer(got.content, np.uint64).reshape(1, 18, 34, 40)
    assert np.array_equal(block, LABELS[:, 2:20, 3:37, 5:45])
    store = _asgi_store(client, "/zarr/lab/seg/seg/1", tokens["admin"])
    level = zarr.open_array(store=store, mode="r", zarr_format=3)
    assert level.dtype == np.uint64 and np.array_equal(level[...], LABELS)


def test_unreadable_or_malformed_volumes_are_4xx_at_explore(world):
    client, tokens, base, _ = world
    for name, words in (("jxl", "jpegxl"), ("bad", "data_type")):
        answer = client.post("/api/v1/datasets/explore", json={"url": f"{base}/{name}"},
                             headers=auth(tokens["admin"]))  # fmt: skip
        assert 400 <= answer.status_code < 500, answer.text
        assert set(answer.json()) == {"error", "detail"} and words in answer.json()["detail"]
        body = {"name": name, "url": f"{base}/{name}"}
        refused = client.post("/api/v1/datasets/remote", json=body, headers=auth(tokens["admin"]))
        assert 400 <= refused.status_code < 500, refused.text


def test_loopback_precomputed_urls_are_refused_without_the_allowance(client, admin_token):
    for url in ("http://127.0.0.1:9/em", "http://169.254.169.254/latest/em"):
        answer = client.post("/api/v1/datasets/explore", json={"url": url},
                             headers=auth(admin_token))  # fmt: skip
        assert answer.status_code == 400 and answer.json()["error"] == "unsafe_path", answer.text
