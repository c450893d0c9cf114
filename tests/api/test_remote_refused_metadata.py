"""A source refusing the credentials for a layer's METADATA says so, never "nothing there".

The source (an OME-Zarr on Zarr v2, written by ome-zarr-py) is served by
tests/static_server.py as S3 answers when the credentials may not list the bucket: 403
for keys that do not exist (explore's first probe, ``zarr.json``, is one). Paths in
``refused`` are answered 403 (or 401) as a server answers credentials it does not take.
Explore and registration answer a 4xx ``remote_credentials_refused`` (the credentials are
the request's), reads of a registered layer a 502 ``remote_refused``.
"""

from __future__ import annotations

import numpy as np
import pytest
from ome_zarr.format import FormatV04
from tests.api.test_remote_layers import IMAGE, admin_client, auth, register
from tests.helpers import write_ome_cells
from tests.static_server import static_server

KEY = {"token": "t-lab"}
EXPLORE = "/api/v1/datasets/explore"
BOX = "/api/v1/datasets/lab/borrowed/layers/cells/data"
WHOLE = {"width": 40, "height": 48, "depth": 20}


@pytest.fixture(params=[403, 401])
def world(request, settings, tmp_path):
    write_ome_cells(tmp_path / "src", IMAGE, FormatV04())
    refused: list[str] = []
    with (
        static_server(tmp_path / "src", missing=403, refused=refused, refusal=request.param)
        as base,
        admin_client(settings, base) as (client, token),
    ):  # fmt: skip
        yield client, token, f"{base}/cells.ome.zarr", refused, request.param


def test_missing_keys_answered_403_still_explore_register_and_read(world):
    client, token, url, _refused, _status = world
    explored = client.post(EXPLORE, json={"url": url, "credentials": KEY}, headers=auth(token))
    assert explored.status_code == 200, explored.text
    assert register(client, token, url, credentials=KEY).status_code == 201
    answer = client.get(BOX, params=WHOLE, headers=auth(token))
    assert answer.status_code == 200, answer.text
    assert np.frombuffer(answer.content, np.uint8).tobytes() == IMAGE.tobytes()


def test_refused_credentials_are_a_4xx_at_explore_and_registration(world):
    client, token, url, refused, status = world
    refused.append("/")
    explored = client.post(EXPLORE, json={"url": url, "credentials": KEY}, headers=auth(token))
    assert explored.status_code == 400, explored.text
    assert explored.json()["error"] == "remote_credentials_refused"
    assert f"({status}" in explored.json()["detail"]
    added = register(client, token, url, credentials=KEY)
    assert added.status_code == 400 and added.json()["error"] == "remote_credentials_refused"
    # the reviewed properties, registered as they are: each mag's document is refused
    properties = _properties(client, token, url, refused)
    refused.append("/")
    added = register(client, token, None, properties=properties, credentials=KEY)
    assert added.status_code == 400, added.text
    assert added.json()["error"] == "remote_credentials_refused"
    assert "layer cells" in added.json()["detail"]
    if status == 403:  # without credentials, a 403 is a missing object (a public bucket)
        bare = client.post(EXPLORE, json={"url": url}, headers=auth(token))
        assert bare.json()["error"] == "remote_not_recognised", bare.text


def test_a_registered_layer_whose_metadata_is_refused_is_a_502(world):
    client, token, url, refused, status = world
    assert register(client, token, url, credentials=KEY).status_code == 201
    refused.append("/cells.ome.zarr/")  # a revoked key: the levels' metadata too
    for path, params in (
        (BOX, WHOLE),  # opened with the metadata kept at registration, which no longer reads
        ("/api/v1/datasets/lab/borrowed/layers/cells/thumbnail.png", {"size": 16}),
        ("/zarr/lab/borrowed/cells/1/.zarray", {}),
    ):
        answer = client.get(path, params=params, headers=auth(token))
        assert answer.status_code == 502, (path, answer.text)
        assert answer.json()["error"] == "remote_refused", (path, answer.text)
        assert f"({status})" in answer.json()["detail"]


def _properties(client, token, url: str, refused: list[str]) -> dict:
    refused.clear()
    explored = client.post(EXPLORE, json={"url": url, "credentials": KEY}, headers=auth(token))
    assert explored.status_code == 200, explored.text
    return explored.json()["properties"]
