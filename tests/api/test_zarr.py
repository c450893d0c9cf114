"""The /zarr surface: metadata and chunks over HTTP with the headers Zarr clients need."""

import json

import numpy as np
import pytest
from tests.helpers import add_dataset

pytestmark = pytest.mark.storages  # the same behaviour on the data folder and on S3


@pytest.fixture
def private(hub):
    return add_dataset(hub, "lab", "em")


@pytest.fixture
def public(hub):
    return add_dataset(hub, "lab", "open", public=True)


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_metadata_and_chunks_of_a_public_dataset(client, public, hub):
    group = client.get("/zarr/lab/open/color/zarr.json")
    assert group.status_code == 200
    assert group.json()["attributes"]["ome"]["version"] == "0.5"
    assert group.headers["access-control-allow-origin"] == "*"
    assert group.headers["cache-control"].startswith("public")
    chunk = client.get("/zarr/lab/open/color/1/c/0/0/0/0")
    on_disk = hub.storage.read("lab/open/color/1/c/0/0/0/0")
    assert chunk.status_code == 200 and chunk.content == on_disk


def test_private_dataset_is_indistinguishable_from_a_missing_one(client, private):
    hidden = client.get("/zarr/lab/em/color/zarr.json")
    missing = client.get("/zarr/lab/nothing/color/zarr.json")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"] == missing.json()["error"] == "not_found"
    assert "em" in hidden.json()["detail"] and "nothing" in missing.json()["detail"]


def test_token_in_header_query_or_path(client, private, admin_token):
    key = "color/zarr.json"
    assert client.get(f"/zarr/lab/em/{key}", headers=auth(admin_token)).status_code == 200
    header = {"X-Auth-Token": admin_token}
    assert client.get(f"/zarr/lab/em/{key}", headers=header).status_code == 200
    assert client.get(f"/zarr/lab/em/{key}?token={admin_token}").status_code == 200
    assert client.get(f"/zarr/token/{admin_token}/lab/em/{key}").status_code == 200


def test_bad_token_is_401_everywhere(client, private):
    for url in ("/zarr/lab/em/color/zarr.json", "/zarr/lab/nothing/x"):
        response = client.get(url, headers=auth("vxh_wrong"))
        assert response.status_code == 401
        assert response.json()["error"] == "bad_token"
    assert client.get("/zarr/token/vxh_wrong/lab/em/color/zarr.json").status_code == 401


def test_outsider_cannot_read_private_data(client, private, outsider_token):
    response = client.get("/zarr/lab/em/color/zarr.json", headers=auth(outsider_token))
    assert response.status_code == 404


def test_ranges_including_suffix_ranges(client, public, hub):
    on_disk = hub.storage.read("lab/open/color/1/c/0/0/0/0")
    url = "/zarr/lab/open/color/1/c/0/0/0/0"
    part = client.get(url, headers={"Range": "bytes=2-9"})
    assert part.status_code == 206 and part.content == on_disk[2:10]
    assert part.headers["content-range"] == f"bytes 2-9/{len(on_disk)}"
    tail = client.get(url, headers={"Range": "bytes=-16"})
    assert tail.status_code == 206 and tail.content == on_disk[-16:]
    beyond = client.get(url, headers={"Range": f"bytes={len(on_disk) + 5}-"})
    assert beyond.status_code == 416


def test_etag_head_and_conditional_get(client, public):
    url = "/zarr/lab/open/color/1/zarr.json"
    first = client.get(url)
    etag = first.headers["etag"]
    assert first.headers["last-modified"]
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(first.content))
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_missing_chunks_and_traversal_are_404(client, public):
    assert client.get("/zarr/lab/open/color/1/c/0/9/9/9").status_code == 404
    assert client.get("/zarr/lab/open/color/../../../etc/passwd").status_code == 404
    assert client.get("/zarr/lab/open/color/1/..%2F..%2Fzarr.json").status_code == 404
    assert client.get("/zarr/lab/open/nolayer/zarr.json").status_code == 404


def test_dataset_group_lists_layers(client, public):
    listing = client.get("/zarr/lab/open/")
    assert [layer["name"] for layer in listing.json()["layers"]] == ["color"]
    assert client.get("/zarr/lab/open/zarr.json").json()["node_type"] == "group"
    properties = client.get("/zarr/lab/open/datasource-properties.json").json()
    assert properties["dataLayers"][0]["name"] == "color"


def test_cors_preflight(client, public):
    response = client.options(
        "/zarr/lab/open/color/zarr.json",
        headers={
            "Origin": "http://viewer.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Range, Authorization",
        },
    )
    assert response.status_code == 200
    assert "Range" in response.headers["access-control-allow-headers"]


def test_zarr_python_reads_through_the_app(client, public, hub):
    """The metadata served is what zarr-python needs (full reads are in tests/e2e)."""
    meta = json.loads(client.get("/zarr/lab/open/color/1/zarr.json").content)
    local = hub.storage.open_array("lab/open/color/1")
    assert meta["shape"] == list(local.shape)
    assert np.array_equal(local[0], public)


def test_range_errors_keep_cors_and_the_json_shape(client, public, hub):
    on_disk = hub.storage.read("lab/open/color/1/c/0/0/0/0")
    url = "/zarr/lab/open/color/1/c/0/0/0/0"
    origin = {"Origin": "http://viewer.example"}
    cases = [
        (f"bytes={len(on_disk) + 5}-", 416, "range_not_satisfiable"),
        ("bytes=9-2", 400, "bad_range"),
        ("bytes=abc", 400, "bad_range"),
    ]
    for header, status, code in cases:
        response = client.get(url, headers={**origin, "Range": header})
        assert response.status_code == status, (header, response.text)
        assert response.json()["error"] == code
        assert response.headers["access-control-allow-origin"] == "*"
    beyond = client.get(url, headers={"Range": f"bytes={len(on_disk) + 5}-"})
    assert beyond.headers["content-range"] == f"bytes */{len(on_disk)}"
    # RFC 9110 14.2: a range unit the server does not know is ignored.
    whole = client.get(url, headers={"Range": "items=0-3"})
    assert whole.status_code == 200 and whole.content == on_disk


def test_weak_etags_and_if_modified_since(client, public):
    url = "/zarr/lab/open/color/1/zarr.json"
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get(url, headers={"If-Modified-Since": old}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "not a date"}).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert client.get(url, headers=both).status_code == 200
    exposed = first.headers["access-control-expose-headers"]
    for name in ("X-Shape", "X-Dtype", "ETag", "Content-Range"):
        assert name in exposed


def test_zarr_v2_dataset_root_serves_only_v2_documents(client, tmp_path):
    from fastapi.testclient import TestClient
    from tests.helpers import add_dataset

    from voxhub.api.app import create_app
    from voxhub.config import Settings
    from voxhub.hub import Hub

    hub = Hub(
        Settings(
            data=tmp_path / "v2",
            database_url=f"sqlite:///{tmp_path / 'v2.sqlite3'}",
            chunk_shape=(16, 32, 32),
            scan_interval=0,
            workers=0,
            zarr_format=2,
        )
    ).prepare()
    add_dataset(hub, "lab", "old", public=True)
    with TestClient(create_app(hub)) as v2:
        assert v2.get("/zarr/lab/old/.zgroup").status_code == 200
        assert v2.get("/zarr/lab/old/zarr.json").status_code == 404
        layers = v2.get("/zarr/lab/old/").json()["layers"]
        for layer in layers:
            assert v2.get(layer["url"]).status_code == 200, layer
    hub.close()


def test_presigned_mode_redirects_after_the_permission_check(
    client, private, hub, admin_token, outsider_token, storage_backend
):
    import httpx

    hub.settings.s3_redirect = "presigned"
    url = "/zarr/lab/em/color/1/c/0/0/0/0"
    stored = hub.storage.read("lab/em/color/1/c/0/0/0/0")
    assert client.get(url, headers=auth(outsider_token)).status_code == 404  # no URL leaks
    assert client.get(url).status_code == 404
    answer = client.get(url, headers=auth(admin_token), follow_redirects=False)
    if storage_backend == "local":  # the data folder has nothing to presign: served as before
        assert answer.status_code == 200 and answer.content == stored
        return
    assert answer.status_code == 307
    assert answer.headers["cache-control"] == "private, no-store"
    assert answer.headers["access-control-allow-origin"] == "*"
    direct = httpx.get(answer.headers["location"], timeout=30)  # straight from the bucket
    assert direct.status_code == 200 and direct.content == stored
    assert "X-Amz-Expires=300" in answer.headers["location"]
