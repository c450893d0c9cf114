"""/api/v1/remote-credentials: an organization's credentials per URL prefix.

The source is an OME-Zarr served by tests/static_server.py on 127.0.0.1
(allowed by ``remote_allowed_hosts``); a spy on the server records the
Authorization header of every GET, so the tests see which secret was sent.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import tests.static_server as static
import zarr
from fastapi.testclient import TestClient
from ome_zarr.format import FormatV05
from ome_zarr.writer import write_image
from tests.static_server import static_server

from voxhub.access.accounts import create_user, issue_token
from voxhub.api.app import create_app
from voxhub.catalog.register import ensure_organization
from voxhub.hub import Hub

IMAGE = np.random.default_rng(3).integers(0, 250, (1, 8, 32, 32), dtype=np.uint8)
CREDENTIALS = "/api/v1/remote-credentials"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(settings, tmp_path: Path, monkeypatch):
    root = zarr.open_group(str(tmp_path / "src" / "lab" / "img.ome.zarr"), mode="w", zarr_format=3)
    write_image(IMAGE, root, axes="czyx", fmt=FormatV05(), scale_factors=(2,),
                storage_options={"chunks": (1, 4, 16, 16)})  # fmt: skip
    seen: list[str] = []
    original = static._Handler._get

    def spy(self):
        seen.append(self.headers.get("Authorization", ""))
        original(self)

    monkeypatch.setattr(static._Handler, "_get", spy)
    with static_server(tmp_path / "src") as base:
        allowed = settings.model_copy(update={"remote_allowed_hosts": (urlsplit(base).netloc,)})
        hub = Hub(allowed).prepare()
        tokens = {}
        with hub.transaction() as session:
            lab, other = ensure_organization(session, "lab"), ensure_organization(session, "other")
            for who, org, role in (("admin", lab, "admin"), ("member", lab, "dataset_manager"),
                                   ("plain", lab, "member"), ("stranger", other, "admin"),
                                   ("other_manager", other, "dataset_manager")):  # fmt: skip
                user = create_user(session, email=f"{who}@x.org", organization=org, role=role)
                tokens[who] = issue_token(session, user, "t").token
        with TestClient(create_app(hub)) as client:
            yield client, hub, tokens, f"{base}/lab/img.ome.zarr", seen
        hub.close()


def add(client, token, name, prefix, secret, **extra):
    body = {"name": name, "urlPrefix": prefix, "credentials": {"token": secret}, **extra}
    return client.post(CREDENTIALS, json=body, headers=auth(token))


def read(client, token, mag="1", layer="img"):
    box = {"width": 8, "height": 8, "depth": 4, "mag": mag}
    answer = client.get(f"/api/v1/datasets/lab/borrowed/layers/{layer}/data", params=box,
                        headers=auth(token))  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer


def test_admins_manage_them_and_reads_use_the_longest_prefix(world):
    client, hub, tokens, url, seen = world
    base = url.rsplit("/", 2)[0]
    wide = add(client, tokens["admin"], "wide", f"{base}/", "t-wide")
    narrow = add(client, tokens["admin"], "narrow", f"{url}/", "t-narrow")
    assert wide.status_code == narrow.status_code == 201, wide.text + narrow.text
    listing = client.get(CREDENTIALS, headers=auth(tokens["admin"]))
    assert listing.status_code == 200 and "t-" not in listing.text
    assert [(c["name"], c["kind"], c["urlPrefix"], c["dataset"]) for c in listing.json()] == [
        ("narrow", "bearer", f"{url}/", None), ("wide", "bearer", f"{base}/", None)]  # fmt: skip

    # explore and register send no credentials of their own: the longest prefix is used
    explored = client.post("/api/v1/datasets/explore", json={"url": url},
                           headers=auth(tokens["member"]))  # fmt: skip
    assert explored.status_code == 200, explored.text
    registered = client.post("/api/v1/datasets/remote", json={"name": "borrowed", "url": url},
                             headers=auth(tokens["member"]))  # fmt: skip
    assert registered.status_code == 201, registered.text
    read(client, tokens["admin"])
    assert seen and set(seen) == {"Bearer t-narrow"}

    seen.clear()
    narrow_id = narrow.json()["id"]
    rotated = client.put(f"{CREDENTIALS}/{narrow_id}", json={"credentials": {"token": "t-new"}},
                         headers=auth(tokens["admin"]))  # fmt: skip
    assert rotated.status_code == 200 and "t-new" not in rotated.text
    assert rotated.json()["name"] == "narrow" and rotated.json()["urlPrefix"] == f"{url}/"
    read(client, tokens["admin"], mag="2-2-1")  # a level not read yet: fetched now
    assert seen and set(seen) == {"Bearer t-new"}

    seen.clear()
    gone = client.delete(f"{CREDENTIALS}/{narrow_id}", headers=auth(tokens["admin"]))
    assert gone.status_code == 204
    read(client, tokens["admin"])
    assert seen and set(seen) == {"Bearer t-wide"}  # the next longest prefix
    names = [c["name"] for c in client.get(CREDENTIALS, headers=auth(tokens["admin"])).json()]
    assert names == ["wide"]


def test_a_dataset_credential_wins_over_the_prefix(world):
    client, hub, tokens, url, seen = world
    assert add(client, tokens["admin"], "wide", f"{url}/", "t-wide").status_code == 201
    registered = client.post("/api/v1/datasets/remote", headers=auth(tokens["admin"]),
                             json={"name": "borrowed", "url": url,
                                   "credentials": {"token": "t-own"}})  # fmt: skip
    assert registered.status_code == 201, registered.text
    listing = client.get(CREDENTIALS, headers=auth(tokens["admin"])).json()
    assert {(c["name"], c["dataset"]) for c in listing} == {("borrowed", "borrowed"),
                                                            ("wide", None)}  # fmt: skip
    seen.clear()
    read(client, tokens["admin"])
    assert seen and set(seen) == {"Bearer t-own"}


def test_other_organizations_members_and_anonymous_cannot_use_list_or_learn_of_them(world):
    client, hub, tokens, url, seen = world
    made = add(client, tokens["admin"], "lab-key", f"{url}/", "t-lab")
    assert made.status_code == 201
    ident = made.json()["id"]

    # another organization: its own (empty) list; lab's answers as a missing organization
    assert client.get(CREDENTIALS, headers=auth(tokens["stranger"])).json() == []
    for org in ("lab", "no-such-org"):
        refused = client.get(CREDENTIALS, params={"organization": org},
                             headers=auth(tokens["stranger"]))  # fmt: skip
        assert refused.status_code == 404
        assert refused.json()["detail"] == f"organization {org} not found"
    stranger = auth(tokens["stranger"])
    for target in (ident, 999999):  # lab's credential looks exactly like a missing one
        rotate = client.put(f"{CREDENTIALS}/{target}", json={"credentials": {"token": "x"}},
                            headers=stranger)  # fmt: skip
        remove = client.delete(f"{CREDENTIALS}/{target}", headers=stranger)
        assert (rotate.status_code, remove.status_code) == (404, 404)
        assert rotate.json()["detail"] == f"credential {target} not found"
    body = {"name": "x", "urlPrefix": f"{url}/", "credentials": {"token": "x"}}
    sneaky = client.post(CREDENTIALS, params={"organization": "lab"}, headers=stranger, json=body)
    assert sneaky.status_code == 404

    # another organization reading the same URL: the source sees no lab secret
    seen.clear()
    theirs = client.post("/api/v1/datasets/remote", json={"name": "borrowed", "url": url},
                         headers=auth(tokens["other_manager"]))  # fmt: skip
    assert theirs.status_code == 201, theirs.text
    explored = client.post("/api/v1/datasets/explore", json={"url": url}, headers=stranger)
    assert explored.status_code == 200
    box = client.get("/api/v1/datasets/other/borrowed/layers/img/data",
                     params={"width": 8, "height": 8, "depth": 4}, headers=stranger)  # fmt: skip
    assert box.status_code == 200
    assert seen and set(seen) == {""}

    # plain members and dataset managers of lab: 403; anonymous: 401
    for who in ("plain", "member"):
        headers = auth(tokens[who])
        assert client.get(CREDENTIALS, headers=headers).status_code == 403
        assert add(client, tokens[who], "y", f"{url}/", "y").status_code == 403
        assert client.delete(f"{CREDENTIALS}/{ident}", headers=headers).status_code == 403
    assert client.get(CREDENTIALS).status_code == 401
    assert client.delete(f"{CREDENTIALS}/{ident}").status_code == 401
    still = client.get(CREDENTIALS, headers=auth(tokens["admin"])).json()
    assert [c["name"] for c in still] == ["lab-key"]


def test_bad_requests_are_4xx_json(world):
    client, hub, tokens, url, _ = world
    host = url.split("/lab/")[0]
    good = {"name": "k", "urlPrefix": f"{url}/", "credentials": {"token": "t"}}
    cases = [
        ({**good, "urlPrefix": "ftp://example.org/"}, 400),
        ({**good, "urlPrefix": "http://127.0.0.2/x/"}, 400),  # the SSRF guard
        ({**good, "urlPrefix": f"{url}/../other/"}, 400),
        ({**good, "urlPrefix": f"{url}/?x=1"}, 400),
        ({**good, "name": "../k"}, 400),
        ({**good, "credentials": {}}, 400),
        ({**good, "credentials": {"token": "t", "nonsense": "1"}}, 400),
        ({**good, "credentials": {"accessKeyId": "half"}}, 400),
        ({**good, "credentials": {"token": "x" * 5000}}, 400),
        ({**good, "dataset": "missing"}, 404),
    ]
    for body, status in cases:
        answer = client.post(CREDENTIALS, json=body, headers=auth(tokens["admin"]))
        assert answer.status_code == status, (body, answer.text)
        assert set(answer.json()) == {"error", "detail"}
    assert client.get(CREDENTIALS, headers=auth(tokens["admin"])).json() == []
    bare = client.post(CREDENTIALS, json={**good, "urlPrefix": host},
                       headers=auth(tokens["admin"]))  # fmt: skip
    assert bare.status_code == 201 and bare.json()["urlPrefix"] == f"{host}/"  # not host.evil
    again = client.post(CREDENTIALS, json=good, headers=auth(tokens["admin"]))
    assert again.status_code == 409 and again.json()["error"] == "credential_exists"
    # a prefix names whole path segments: ".../lab" is ".../lab/", never ".../lab-other/"
    segment = client.post(CREDENTIALS, json={**good, "name": "seg", "urlPrefix": f"{host}/lab"},
                          headers=auth(tokens["admin"]))  # fmt: skip
    assert segment.status_code == 201 and segment.json()["urlPrefix"] == f"{host}/lab/"
    lab_id = next(i for i, n in hub.index.snapshot().organizations.items() if n == "lab")
    hub.index.refresh(force=True)  # drops the credentials this process decrypted before
    used = {u: hub.remote.credentials_for(lab_id, None, u)[0]
            for u in (f"{host}/lab", f"{host}/lab/x", f"{host}/lab-other/x")}  # fmt: skip
    assert used[f"{host}/lab"] == used[f"{host}/lab/x"] == segment.json()["id"]
    assert used[f"{host}/lab-other/x"] == bare.json()["id"]
