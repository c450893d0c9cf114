"""The access route nginx asks before it sends a chunk file itself (``voxhub nginx-config``)."""

import pytest
from tests.helpers import add_dataset

from voxhub.api.front import ACCESS_PATH, front_secret

pytestmark = pytest.mark.storages  # on S3 nginx never reads files: every answer names none


@pytest.fixture
def nginx(hub):
    return {"X-Voxhub-Front": front_secret(hub.settings)}


def ask(client, headers, path="lab/em/color", **extra):
    answer = client.get(f"{ACCESS_PATH}/{path}", headers={**headers, **extra})
    assert answer.status_code == 200
    return answer.headers.get("x-voxhub-dir"), answer.headers.get("x-voxhub-cache-control")


def test_the_layer_folder_only_after_the_permission_check(client, hub, nginx, admin_token):
    add_dataset(hub, "lab", "em")
    add_dataset(hub, "lab", "open", public=True)
    local = hub.storage.local_path("lab") is not None
    bearer = {"Authorization": f"Bearer {admin_token}"}
    assert ask(client, nginx, **bearer) == (
        ("lab/em/color", "private, max-age=60") if local else (None, None)
    )
    assert ask(client, {**nginx, "X-Voxhub-Path-Token": admin_token})[0] == (
        "lab/em/color" if local else None
    )
    assert ask(client, nginx, "lab/open/color")[0] == ("lab/open/color" if local else None)
    assert ask(client, nginx, "lab/open/color")[1] == ("public, max-age=60" if local else None)
    # refused, unknown or a bad credential: no folder, and voxhub answers the request itself
    assert ask(client, nginx) == (None, None)
    assert ask(client, nginx, "lab/em/nolayer", **bearer) == (None, None)
    assert ask(client, nginx, "lab/none/color", **bearer) == (None, None)
    assert ask(client, nginx, Authorization="Bearer vxh_wrong") == (None, None)
    assert ask(client, {**nginx, "X-Voxhub-Path-Token": "vxh_wrong"}, **bearer) == (None, None)


def test_only_nginx_may_ask(client, hub, admin_token):
    add_dataset(hub, "lab", "open", public=True)
    for headers in (
        {},
        {"X-Voxhub-Front": "guess"},
        {"X-Voxhub-Front": front_secret(hub.settings)[:-1]},
    ):
        answer = client.get(f"{ACCESS_PATH}/lab/open/color", headers=headers)
        assert answer.status_code == 404 and answer.json()["error"] == "not_found"
        assert "x-voxhub-dir" not in answer.headers
