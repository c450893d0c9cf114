"""datasource-properties.json: read, replace (validated, nothing half-written), disk view, apply.

Every test runs on the data folder and on S3 (moto): the file is read and written through
the hub's ``DataStore``, as the routes do.
"""

from __future__ import annotations

import copy
import json

import pytest
from tests.api.world import auth, build_world

URL = "/api/v1/datasets/lab/team_ds/properties"
KEY = "lab/team_ds/datasource-properties.json"
pytestmark = pytest.mark.storages  # the data folder and S3


@pytest.fixture
def world(hub, client):
    return build_world(hub, ["lab/team_ds"])


@pytest.fixture
def admin(world):
    return auth(world.tokens["admin"])


def on_disk(hub):
    return json.loads(hub.storage.read(KEY))


def write_on_disk(hub, text: str) -> None:
    """A hand edit of the file (on S3: of the object)."""
    hub.storage.write(KEY, text.encode())


def test_read_and_replace(client, world, admin, hub):
    document = client.get(URL, headers=auth(world.tokens["alice"])).json()
    assert document["dataLayers"][0]["name"] == "color"
    box = document["dataLayers"][0]["boundingBox"]
    smaller = copy.deepcopy(document)
    smaller["dataLayers"][0]["boundingBox"] = {**box, "width": box["width"] - 4}
    replaced = client.put(URL, json=smaller, headers=admin)
    assert replaced.status_code == 200, replaced.text
    assert on_disk(hub)["dataLayers"][0]["boundingBox"]["width"] == box["width"] - 4
    layer = client.get("/api/v1/datasets/lab/team_ds", headers=admin).json()["layers"][0]
    assert layer["boundingBox"]["width"] == box["width"] - 4
    assert client.put(URL, json=smaller, headers=auth(world.tokens["alice"])).status_code == 403


def mutate(document, change):
    broken = copy.deepcopy(document)
    change(broken)
    return broken


BROKEN = {
    "unknown element class": (lambda d: d["dataLayers"][0].update(elementClass="uint7"),
                              "elementClass"),
    "box outside the data": (lambda d: d["dataLayers"][0]["boundingBox"].update(width=10**4),
                             "outside the data"),
    "duplicate layer names": (lambda d: d["dataLayers"].append(copy.deepcopy(d["dataLayers"][0])),
                              "duplicate layer names"),
    "mag path leaving the folder": (
        lambda d: d["dataLayers"][0]["mags"][0].update(path="./../../../etc"),
        "leaves the dataset folder"),
    "absolute mag path": (lambda d: d["dataLayers"][0]["mags"][0].update(path="/etc"),
                          "must be relative"),
    "layer name that is a path": (
        lambda d: d["dataLayers"].append({**d["dataLayers"][0], "name": "../../x", "mags": []}),
        "invalid layer name"),
    "missing mag array": (lambda d: d["dataLayers"][0]["mags"][0].update(path="./color/64"),
                          "no readable array"),
    "no layers key": (lambda d: d.pop("dataLayers"), "dataLayers"),
}  # fmt: skip


def test_bad_documents_are_400s_and_change_nothing(client, admin, hub):
    document = client.get(URL, headers=admin).json()
    before = on_disk(hub)
    for what, (change, message) in BROKEN.items():
        response = client.put(URL, json=mutate(document, change), headers=admin)
        assert response.status_code == 400, what
        assert message in response.json()["detail"], (what, response.json())
        assert on_disk(hub) == before, what
    assert client.put(URL, content=b"not json", headers=admin).status_code == 400
    assert client.put(URL, json=[1, 2], headers=admin).status_code == 400
    assert client.get(URL, headers=admin).json() == document


def test_disk_view_shows_hand_edits_and_applies_them(client, admin, hub):
    disk_url = URL + "/disk"
    clean = client.get(disk_url, headers=admin).json()
    assert clean["differs"] is False and clean["diff"] == []
    edited = on_disk(hub)
    edited["dataLayers"][0]["boundingBox"]["height"] -= 2
    write_on_disk(hub, json.dumps(edited))
    view = client.get(disk_url, headers=admin).json()
    assert view["differs"] is True
    assert view["diff"] == [
        {
            "op": "replace",
            "path": "/dataLayers/0/boundingBox/height",
            "value": edited["dataLayers"][0]["boundingBox"]["height"],
        }
    ]
    assert view["catalog"]["dataLayers"][0]["boundingBox"]["height"] == (
        edited["dataLayers"][0]["boundingBox"]["height"] + 2
    )
    applied = client.post(disk_url + "/apply", headers=admin)
    assert applied.status_code == 200
    assert client.get(disk_url, headers=admin).json()["differs"] is False


def test_a_broken_file_on_disk_is_shown_not_applied(client, admin, hub):
    write_on_disk(hub, "{ broken")
    view = client.get(URL + "/disk", headers=admin).json()
    assert view["differs"] is True and view["disk"] is None and "not valid JSON" in view["error"]
    refused = client.post(URL + "/disk/apply", headers=admin)
    assert refused.status_code == 400
    assert client.get("/api/v1/datasets/lab/team_ds", headers=admin).json()["status"] == "active"
