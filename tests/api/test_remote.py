"""POST /api/v1/datasets/explore: managers explore remote sources through the SSRF guard."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import zarr
from fastapi.testclient import TestClient
from ome_zarr.format import FormatV04
from ome_zarr.writer import write_image
from tests.static_server import static_server

from voxhub.access.accounts import create_user, issue_token
from voxhub.api.app import create_app
from voxhub.catalog.register import ensure_organization
from voxhub.hub import Hub


@pytest.fixture
def source(tmp_path: Path):
    image = np.arange(2 * 16 * 24 * 32, dtype=np.uint16).reshape(2, 16, 24, 32)
    root = zarr.open_group(str(tmp_path / "remote" / "img.zarr"), mode="w", zarr_format=2)
    write_image(image, root, axes="czyx", fmt=FormatV04(), scale_factors=(2,))
    with static_server(tmp_path / "remote") as base:
        yield f"{base}/img.zarr"


@pytest.fixture
def guarded_client(settings, source):
    allowed = settings.model_copy(update={"remote_allowed_hosts": (urlsplit(source).netloc,)})
    hub = Hub(allowed).prepare()
    with TestClient(create_app(hub)) as client:
        yield client, hub
    hub.close()


def tokens(hub: Hub) -> tuple[str, str]:
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        admin = create_user(session, email="boss@lab.org", organization=org, role="admin")
        member = create_user(session, email="m@lab.org", organization=org, role="member")
        return issue_token(session, admin, "t").token, issue_token(session, member, "t").token


def test_manager_gets_a_proposal(guarded_client, source):
    client, hub = guarded_client
    admin, _ = tokens(hub)
    answer = client.post(
        "/api/v1/datasets/explore", json={"url": source, "name": "borrowed"},
        headers={"Authorization": f"Bearer {admin}"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    properties = answer.json()["properties"]
    assert properties["id"]["name"] == "borrowed"
    (layer,) = properties["dataLayers"]
    assert layer["numChannels"] == 2 and layer["elementClass"] == "uint16"
    assert layer["boundingBox"]["width"] == 32 and layer["dataFormat"] == "zarr"
    assert [m["path"] for m in layer["mags"]] == [f"{source}/s0", f"{source}/s1"]
    # ome-zarr-py scales x and y only
    assert [m["mag"] for m in layer["mags"]] == [[1, 1, 1], [2, 2, 1]]


def test_members_and_anonymous_may_not_explore(guarded_client, source):
    client, hub = guarded_client
    _, member = tokens(hub)
    anonymous = client.post("/api/v1/datasets/explore", json={"url": source})
    assert anonymous.status_code == 401
    refused = client.post(
        "/api/v1/datasets/explore", json={"url": source},
        headers={"Authorization": f"Bearer {member}"},
    )  # fmt: skip
    assert refused.status_code in (403, 404) and set(refused.json()) == {"error", "detail"}


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:1/x", "file:///etc/passwd"],
)
def test_guard_refuses_internal_addresses(guarded_client, url):
    client, hub = guarded_client
    admin, _ = tokens(hub)
    answer = client.post(
        "/api/v1/datasets/explore", json={"url": url}, headers={"Authorization": f"Bearer {admin}"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsafe_path"


def test_guard_applies_without_the_allowance(client, admin_token, source):
    answer = client.post(
        "/api/v1/datasets/explore", json={"url": source},
        headers={"Authorization": f"Bearer {admin_token}"},
    )  # fmt: skip
    assert answer.status_code == 400 and answer.json()["error"] == "unsafe_path"
