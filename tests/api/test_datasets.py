"""/api/v1/datasets: listing, details, boxes and thumbnails."""

import io

import numpy as np
import pytest
from PIL import Image
from tests.helpers import add_dataset, volume


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def data(hub):
    add_dataset(hub, "lab", "open", public=True)
    return add_dataset(hub, "lab", "em")


def test_anonymous_sees_only_public_datasets(client, data):
    assert [d["name"] for d in client.get("/api/v1/datasets").json()] == ["open"]


def test_admin_sees_all_of_the_organization(client, data, admin_token):
    listing = client.get("/api/v1/datasets", headers=auth(admin_token)).json()
    assert [d["name"] for d in listing] == ["em", "open"]


def test_dataset_details(client, data, admin_token):
    body = client.get("/api/v1/datasets/lab/em", headers=auth(admin_token)).json()
    assert body["voxelSize"] == [11.0, 11.0, 24.0]
    assert body["status"] == "active"
    layer = body["layers"][0]
    assert layer["boundingBox"]["width"] == data.shape[2]
    assert [m["mag"] for m in layer["mags"]][:2] == [[1, 1, 1], [2, 2, 1]]
    assert layer["zarrUrl"] == "/zarr/lab/em/color/"


def stored_bytes(hub, key: str) -> int:
    """Bytes under ``key`` as the backend itself reports them: the files on disk, or the
    bucket's objects listed by boto3 (not by voxhub's obstore code)."""
    if not hub.settings.storage:
        folder = hub.settings.binary_data / key
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    import boto3

    bucket, _, prefix = hub.settings.storage.removeprefix("s3://").partition("/")
    s3 = boto3.client("s3", endpoint_url=hub.settings.s3_endpoint_url)
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{prefix}/binaryData/{key}/"
    )
    return sum(o["Size"] for page in pages for o in page.get("Contents", []))


@pytest.mark.storages  # the data folder and S3
def test_size_on_disk_is_measured_in_the_background_then_listed(client, data, admin_token, hub):
    first = client.get("/api/v1/datasets", headers=auth(admin_token)).json()
    assert all(d["diskBytes"] is None or d["diskBytes"] > 0 for d in first)
    assert hub.disk_usage.wait()
    listed = {d["name"]: d["diskBytes"] for d in client.get("/api/v1/datasets").json()}
    assert listed == {"open": stored_bytes(hub, "lab/open")} and listed["open"] > 1000
    walks = hub.disk_usage.stats["walks"]
    for _ in range(3):  # later listings answer from memory: no walk per request
        client.get("/api/v1/datasets", headers=auth(admin_token))
    assert hub.disk_usage.stats["walks"] == walks


@pytest.mark.storages  # the data folder and S3
def test_box_raw_and_npy(client, data, admin_token):
    url = "/api/v1/datasets/lab/em/layers/color/data"
    params = {"x": 3, "y": 4, "z": 2, "width": 10, "height": 7, "depth": 5}
    raw = client.get(url, params=params, headers=auth(admin_token))
    assert raw.status_code == 200
    assert raw.headers["x-shape"] == "1,5,7,10" and raw.headers["x-dtype"] == "uint8"
    block = np.frombuffer(raw.content, np.uint8).reshape(1, 5, 7, 10)
    assert np.array_equal(block[0], data[2:7, 4:11, 3:13])
    npy = client.get(url, params={**params, "format": "npy"}, headers=auth(admin_token))
    assert np.array_equal(np.load(io.BytesIO(npy.content)), block)


@pytest.mark.storages  # the data folder and S3
def test_box_at_a_coarser_mag(client, data, admin_token, hub):

    url = "/api/v1/datasets/lab/em/layers/color/data"
    params = {"x": 4, "y": 2, "z": 0, "width": 5, "height": 3, "depth": 2, "mag": "2-2-1"}
    raw = client.get(url, params=params, headers=auth(admin_token))
    level = hub.storage.open_array("lab/em/color/2-2-1")
    assert np.frombuffer(raw.content, np.uint8).tobytes() == level[:, 0:2, 1:4, 2:7].tobytes()


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({"x": 0, "width": 1000}, 400, "bad_box"),
        ({"width": 64, "height": 48, "depth": 20, "mag": "1"}, 400, "box_too_large"),
        ({"mag": "3"}, 400, "bad_mag"),
        ({"mag": "16-16-16"}, 404, "mag_not_found"),
        ({"width": -1}, 400, "invalid_input"),
        ({"x": "abc"}, 400, "invalid_input"),
        ({"format": "tiff"}, 400, "invalid_input"),
    ],
)
def test_bad_boxes(client, data, admin_token, hub, params, status, error):
    hub.settings.max_box_voxels = 1000
    url = "/api/v1/datasets/lab/em/layers/color/data"
    response = client.get(url, params=params, headers=auth(admin_token))
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["detail"]


def test_unknown_dataset_and_layer_are_404(client, data, admin_token):
    assert client.get("/api/v1/datasets/lab/none", headers=auth(admin_token)).status_code == 404
    url = "/api/v1/datasets/lab/em/layers/nope/data"
    assert client.get(url, headers=auth(admin_token)).json()["error"] == "not_found"


@pytest.mark.storages  # the data folder and S3
def test_thumbnail_is_a_png_of_the_middle_slice(client, data, admin_token):
    url = "/api/v1/datasets/lab/em/layers/color/thumbnail.png"
    response = client.get(url, params={"size": 16}, headers=auth(admin_token))
    assert response.headers["content-type"] == "image/png"
    image = np.asarray(Image.open(io.BytesIO(response.content)))
    assert image.ndim == 2 and image.std() > 10
    assert client.get(url).status_code == 404  # anonymous, private


def test_uint64_box_at_the_voxel_limit_is_refused_by_its_bytes(client, hub, admin_token):
    ids = np.arange(20 * 48 * 40, dtype=np.uint64).reshape(20, 48, 40) + 2**63 + 5
    add_dataset(hub, "lab", "ids", ids)
    hub.settings.max_box_voxels = 20 * 48 * 40
    hub.settings.max_box_bytes = 20 * 48 * 40  # as many bytes as a uint8 box at the voxel limit
    url = "/api/v1/datasets/lab/ids/layers/color/data"
    whole = {"width": 40, "height": 48, "depth": 20}
    refused = client.get(url, params=whole, headers=auth(admin_token))
    assert refused.status_code == 400 and refused.json()["error"] == "box_too_large"
    assert "bytes" in refused.json()["detail"]
    eighth = client.get(url, params={**whole, "depth": 2, "height": 30}, headers=auth(admin_token))
    assert eighth.status_code == 200, eighth.text
    block = np.frombuffer(eighth.content, np.uint64).reshape(1, 2, 30, 40)
    assert np.array_equal(block[0], ids[:2, :30])


def test_large_boxes_stream_in_bands_equal_to_the_array(client, hub, admin_token):
    data = volume((20, 48, 40)).astype(np.uint16) * 300
    add_dataset(hub, "lab", "wide", data)
    hub.settings.max_box_bytes = 80_000  # bands of 20 000 bytes: five planes each
    url = "/api/v1/datasets/lab/wide/layers/color/data"
    params = {"x": 2, "y": 3, "z": 1, "width": 38, "height": 45, "depth": 19}
    for fmt in ("raw", "npy"):
        response = client.get(url, params={**params, "format": fmt}, headers=auth(admin_token))
        assert response.status_code == 200, response.text
        assert int(response.headers["content-length"]) == len(response.content)
        got = (
            np.load(io.BytesIO(response.content))
            if fmt == "npy"
            else np.frombuffer(response.content, np.uint16).reshape(1, 19, 45, 38)
        )
        assert np.array_equal(got[0], data[1:20, 3:48, 2:40])


def test_large_reads_beyond_the_slots_wait_then_get_503(client, hub, admin_token):
    add_dataset(hub, "lab", "busy")
    hub.settings.max_box_bytes = 40_000
    hub.settings.box_concurrency = 1
    url = "/api/v1/datasets/lab/busy/layers/color/data"
    params = {"width": 40, "height": 48, "depth": 20}  # 38 400 bytes: streamed
    release = hub.box_slots.take()  # another large read holds the only slot
    busy = client.get(url, params=params, headers=auth(admin_token))
    assert busy.status_code == 503, busy.text
    assert busy.json()["error"] == "busy" and busy.headers["retry-after"] == "1"
    small = client.get(url, params={**params, "depth": 1}, headers=auth(admin_token))
    assert small.status_code == 200  # small boxes need no slot
    release()
    for _ in range(3):  # each streamed answer gives its slot back
        assert client.get(url, params=params, headers=auth(admin_token)).status_code == 200
