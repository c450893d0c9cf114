"""POST /api/v1/datasets/remote: remote OME-Zarr layers registered, then read on every surface.

The source is a real OME-Zarr written by ome-zarr-py, served over HTTP by
tests/static_server.py on 127.0.0.1, which the operator allows with
``remote_allowed_hosts`` (the SSRF guard refuses loopback otherwise).
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import zarr
from fastapi.testclient import TestClient
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.writer import write_image, write_labels
from PIL import Image
from sqlalchemy import select
from tests.helpers import write_ome_cells
from tests.static_server import Traffic, static_server

from voxhub.access.accounts import create_user, issue_token
from voxhub.api.app import create_app
from voxhub.catalog.register import ensure_organization
from voxhub.db.remote_models import RemoteCredential
from voxhub.hub import Hub

IMAGE = np.random.default_rng(7).integers(0, 250, (1, 20, 48, 40), dtype=np.uint8)
LABELS = (IMAGE[0] > 120).astype(np.uint32)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=[FormatV04(), FormatV05()], ids=["ngff04", "ngff05"])
def served(request, tmp_path: Path):
    fmt = request.param
    root = write_ome_cells(tmp_path / "src", IMAGE, fmt)
    write_labels(LABELS, root, name="cells", axes="zyx", fmt=fmt, scale_factors=(2,))
    traffic = Traffic()
    with static_server(tmp_path / "src", traffic=traffic) as base:
        yield f"{base}/cells.ome.zarr", traffic


@pytest.fixture
def world(settings, served):
    url, traffic = served
    allowed = settings.model_copy(update={"remote_allowed_hosts": (urlsplit(url).netloc,)})
    hub = Hub(allowed).prepare()
    tokens = {}
    with hub.transaction() as session:
        lab, other = ensure_organization(session, "lab"), ensure_organization(session, "other")
        for who, org, role in (("admin", lab, "admin"), ("member", lab, "member"),
                               ("stranger", other, "admin")):  # fmt: skip
            user = create_user(session, email=f"{who}@x.org", organization=org, role=role)
            tokens[who] = issue_token(session, user, "t").token
    with TestClient(create_app(hub)) as client:
        yield client, hub, tokens, url, traffic
    hub.close()


def register(client, token, url, name="borrowed", **extra):
    body = {"name": name, "url": url, **extra}
    return client.post("/api/v1/datasets/remote", json=body, headers=auth(token))


def test_register_then_box_reads_equal_the_source(world):
    client, hub, tokens, url, _ = world
    answer = register(client, tokens["admin"], url)
    assert answer.status_code == 201, answer.text
    assert answer.json()["layers"] == ["cells", "cells_segmentation"]
    folder = hub.settings.binary_data / "lab" / "borrowed"
    # nothing copied: the properties, and the mags' metadata documents as read
    assert sorted(p.name for p in folder.iterdir()) == [
        ".remote-metadata.json", "datasource-properties.json"
    ]  # fmt: skip
    box = {"x": 3, "y": 5, "z": 2, "width": 30, "height": 40, "depth": 15}
    data = client.get("/api/v1/datasets/lab/borrowed/layers/cells/data", params=box,
                      headers=auth(tokens["admin"]))  # fmt: skip
    assert data.status_code == 200, data.text
    block = np.frombuffer(data.content, np.uint8).reshape(1, 15, 40, 30)
    assert np.array_equal(block, IMAGE[:, 2:17, 5:45, 3:33])
    labels = client.get("/api/v1/datasets/lab/borrowed/layers/cells_segmentation/data",
                        params=box, headers=auth(tokens["admin"]))  # fmt: skip
    assert labels.status_code == 200, labels.text
    got = np.frombuffer(labels.content, np.uint32).reshape(1, 15, 40, 30)
    assert np.array_equal(got[0], LABELS[2:17, 5:45, 3:33])
    coarse = client.get("/api/v1/datasets/lab/borrowed/layers/cells/data",
                        params={"width": 20, "height": 24, "depth": 20, "mag": "2-2-1"},
                        headers=auth(tokens["admin"]))  # fmt: skip
    source_s1 = zarr.open_array(store=f"{url}/s1", mode="r")  # zarr-python over HTTP directly
    assert coarse.content == np.ascontiguousarray(source_s1[...]).tobytes()
    thumb = client.get("/api/v1/datasets/lab/borrowed/layers/cells/thumbnail.png",
                       params={"size": 16}, headers=auth(tokens["admin"]))  # fmt: skip
    assert thumb.status_code == 200 and np.asarray(Image.open(io.BytesIO(thumb.content))).std() > 5


def test_zarr_clients_read_the_remote_layer_through_voxhub(world):
    client, _, tokens, url, traffic = world
    assert register(client, tokens["admin"], url).status_code == 201
    base = "/zarr/lab/borrowed/cells"
    group = client.get(f"{base}/zarr.json" if "zarr.json" in _source_root(client, url) else
                       f"{base}/.zattrs", headers=auth(tokens["admin"]))  # fmt: skip
    assert group.status_code == 200, group.text
    document = group.json()
    multiscales = (document.get("attributes", {}).get("ome") or document)["multiscales"]
    assert [d["path"] for d in multiscales[0]["datasets"]] == ["1", "2-2-1"]  # voxhub's names
    level = zarr.open_array(store=_asgi_store(client, f"{base}/1", tokens["admin"]), mode="r")
    assert np.array_equal(level[...], IMAGE)
    before = sum(traffic.requests.values())
    level[...]  # the hub's chunk cache answers the second read
    assert sum(traffic.requests.values()) == before
    assert client.get(f"{base}/1/zarr.json").status_code == 404  # anonymous: private dataset


def test_zarr_ranges_of_remote_chunks_answer_as_hosted_ones(world):
    import httpx

    client, _, tokens, url, traffic = world
    assert register(client, tokens["admin"], url).status_code == 201
    key = "c/0/0/0/0" if _source_root(client, url) == "zarr.json" else "0/0/0/0"
    source = httpx.get(f"{url}/s0/{key}").content
    chunk, size = f"/zarr/lab/borrowed/cells/1/{key}", len(source)
    headers = {**auth(tokens["admin"]), "Origin": "http://viewer.example"}

    def get(range_header: str | None, **extra: str):
        sent = {**headers, **extra, **({"Range": range_header} if range_header else {})}
        return client.get(chunk, headers=sent)

    whole = get(None)
    assert whole.status_code == 200 and whole.content == source
    assert whole.headers["accept-ranges"] == "bytes"
    part = get("bytes=2-9")
    assert part.status_code == 206 and part.content == source[2:10]
    assert part.headers["content-range"] == f"bytes 2-9/{size}"
    assert part.headers["content-length"] == "8"
    tail = get("bytes=-16")
    assert tail.status_code == 206 and tail.content == source[-16:]
    assert get(f"bytes={size - 3}-").content == source[-3:]
    beyond = get(f"bytes={size + 5}-")
    assert beyond.status_code == 416 and beyond.json()["error"] == "range_not_satisfiable"
    assert beyond.headers["content-range"] == f"bytes */{size}"
    assert beyond.headers["access-control-allow-origin"] == "*"
    for malformed in ("bytes=9-2", "bytes=abc"):
        refused = get(malformed)
        assert refused.status_code == 400 and refused.json()["error"] == "bad_range"
    assert get("items=0-3").content == source  # RFC 9110 14.2: an unknown unit is ignored
    assert get("bytes=0-1,4-5").content == source  # several ranges: the whole object
    unchanged = get("bytes=2-9", **{"If-None-Match": whole.headers["etag"]})
    assert unchanged.status_code == 304
    assert traffic.requests[urlsplit(f"{url}/s0/{key}").path] == 2  # ours once, the rest cached
    anonymous = client.get(chunk, headers={"Range": "bytes=2-9"})
    assert anonymous.status_code == 404  # the range goes through the same permission check


def _source_root(client, url: str) -> str:
    import httpx

    return "zarr.json" if httpx.get(f"{url}/zarr.json").status_code == 200 else ".zattrs"


def _asgi_store(client: TestClient, prefix: str, token: str):
    """A zarr store reading voxhub's /zarr through the test client (same app, real routes)."""
    from zarr.abc.store import Store

    class Over(Store):
        supports_writes = supports_deletes = supports_listing = False

        def __init__(self):
            super().__init__(read_only=True)

        def __eq__(self, other):
            return self is other

        async def get(self, key, prototype, byte_range=None):
            answer = client.get(f"{prefix}/{key}", headers=auth(token))
            if answer.status_code == 404:
                return None
            assert answer.status_code == 200, answer.text
            return prototype.buffer.from_bytes(answer.content)

        async def get_partial_values(self, prototype, key_ranges):
            return [await self.get(k, prototype, r) for k, r in key_ranges]

        async def exists(self, key):
            return await self.get(key, None) is not None

        async def set(self, key, value):
            raise NotImplementedError

        async def delete(self, key):
            raise NotImplementedError

        def list(self):
            raise NotImplementedError

        def list_prefix(self, prefix):
            raise NotImplementedError

        def list_dir(self, prefix):
            raise NotImplementedError

    return Over()


def test_anonymous_members_and_other_organizations_cannot_register_or_read(world):
    client, _, tokens, url, _ = world
    assert register(client, "", url).status_code == 401
    member = register(client, tokens["member"], url)
    assert member.status_code in (403, 404) and set(member.json()) == {"error", "detail"}
    assert register(client, tokens["admin"], url).status_code == 201
    box = "/api/v1/datasets/lab/borrowed/layers/cells/data"
    assert client.get(box).status_code == 404
    assert client.get(box, headers=auth(tokens["stranger"])).status_code == 404
    assert client.get("/zarr/lab/borrowed/cells/1/zarr.json",
                      headers=auth(tokens["stranger"])).status_code == 404  # fmt: skip


def test_the_organization_named_must_be_one_the_caller_may_edit(world):
    client, hub, tokens, url, _ = world
    with hub.transaction() as session:
        lab = ensure_organization(session, "lab")
        root = create_user(session, email="root@x.org", organization=lab, is_superuser=True)
        root_token = issue_token(session, root, "t").token
    # a lab admin cannot put a dataset into another organization, nor learn that it exists
    for org in ("other", "nowhere"):
        refused = register(client, tokens["admin"], url, organization=org)
        assert refused.status_code == 404 and set(refused.json()) == {"error", "detail"}
        explored = client.post("/api/v1/datasets/explore", json={"url": url, "organization": org},
                               headers=auth(tokens["admin"]))  # fmt: skip
        assert explored.status_code == 404
    assert client.get("/api/v1/datasets/other/borrowed", headers=auth(tokens["stranger"])
                      ).status_code == 404  # fmt: skip
    # a superuser can, and the dataset is the other organization's
    made = register(client, root_token, url, organization="other")
    assert made.status_code == 201 and made.json()["organization"] == "other", made.text
    box = "/api/v1/datasets/other/borrowed/layers/cells/data?width=4&height=4&depth=2"
    assert client.get(box, headers=auth(tokens["stranger"])).status_code == 200
    assert client.get(box, headers=auth(tokens["admin"])).status_code == 404


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/x.zarr", "http://169.254.169.254/latest/meta-data",
            "http://localhost/x", "file:///etc/passwd"],
)  # fmt: skip
def test_internal_addresses_are_refused_without_the_allowance(client, admin_token, url):
    answer = register(client, admin_token, url)
    assert answer.status_code == 400 and answer.json()["error"] == "unsafe_path", answer.text
    properties = {"scale": {"factor": [1, 1, 1]}, "dataLayers": [{
        "name": "c", "category": "color", "elementClass": "uint8", "dataFormat": "zarr3",
        "boundingBox": {"topLeft": [0, 0, 0], "width": 4, "height": 4, "depth": 4},
        "mags": [{"mag": [1, 1, 1], "path": url}]}]}  # fmt: skip
    edited = client.post("/api/v1/datasets/remote", json={"name": "x", "properties": properties},
                         headers=auth(admin_token))  # fmt: skip
    assert edited.status_code == 400 and edited.json()["error"] == "unsafe_path", edited.text


def test_reviewed_properties_from_two_sources_form_one_dataset(world, tmp_path):
    client, hub, tokens, url, _ = world
    proposal = client.post("/api/v1/datasets/explore", json={"url": url},
                           headers=auth(tokens["admin"])).json()["properties"]  # fmt: skip
    color, labels = proposal["dataLayers"]
    color["name"], labels["name"] = "em", "seg"
    color["mags"] = color["mags"][:1]  # the user kept only the finest level
    answer = client.post("/api/v1/datasets/remote",
                         json={"name": "mixed", "properties": proposal},
                         headers=auth(tokens["admin"]))  # fmt: skip
    assert answer.status_code == 201, answer.text
    entry = hub.index.lookup("lab", "mixed")
    assert sorted(entry.layers) == ["em", "seg"] and len(entry.layers["em"].mags) == 1
    local = {**proposal, "dataLayers": [{**color, "mags": [{"mag": [1, 1, 1], "path": "./em/1"}]}]}
    refused = client.post("/api/v1/datasets/remote", json={"name": "local", "properties": local},
                          headers=auth(tokens["admin"]))  # fmt: skip
    assert refused.status_code == 400 and "URL" in refused.json()["detail"]


def test_bad_registrations_are_4xx_and_leave_nothing(world):
    client, hub, tokens, url, _ = world
    cases = [
        ({"name": "x", "url": f"{url}/nothing-here"}, 400),
        ({"name": "../x", "url": url}, 400),
        ({"name": "x"}, 400),
        ({"name": "x", "url": url, "credentials": {"password": "p", "nonsense": "1"}}, 400),
        ({"name": "x", "url": url, "credentials": {"accessKeyId": "only-half"}}, 400),
    ]
    for body, status in cases:
        answer = client.post("/api/v1/datasets/remote", json=body, headers=auth(tokens["admin"]))
        assert answer.status_code == status, (body, answer.text)
        assert set(answer.json()) == {"error", "detail"}
    assert register(client, tokens["admin"], url).status_code == 201
    again = register(client, tokens["admin"], url)
    assert again.status_code == 409
    assert not (hub.settings.binary_data / "lab" / "x").exists()


def test_credentials_are_sent_stored_sealed_and_never_returned(world):
    client, hub, tokens, url, traffic = world
    answer = register(client, tokens["admin"], url, credentials={"token": "s3cret-token"})
    assert answer.status_code == 201, answer.text
    assert "s3cret" not in answer.text
    with hub.sessions() as session:
        (row,) = session.scalars(select(RemoteCredential)).all()
        assert row.kind == "bearer" and b"s3cret" not in row.secret
        assert row.url_prefix == f"{url}/" and row.dataset_id is not None
    dataset = client.get("/api/v1/datasets/lab/borrowed", headers=auth(tokens["admin"]))
    properties = client.get("/api/v1/datasets/lab/borrowed/properties",
                            headers=auth(tokens["admin"]))  # fmt: skip
    assert "s3cret" not in dataset.text + properties.text
    entry = hub.index.lookup("lab", "borrowed")
    layer = entry.layers["cells"]
    _, used = hub.remote.credentials_for(entry.organization_id, entry.id, layer.mags[0].path)
    assert used is not None and used.token == "s3cret-token"
    other = hub.index.snapshot().organizations
    other_id = next(i for i, n in other.items() if n == "other")
    assert hub.remote.credentials_for(other_id, entry.id, layer.mags[0].path) == (None, None)


def test_basic_credentials_reach_the_source(world, tmp_path):
    """The Authorization header the source receives carries the stored credentials."""
    client, hub, tokens, url, _ = world
    seen: list[str] = []
    import tests.static_server as static

    original = static._Handler._get

    def spy(self):
        seen.append(self.headers.get("Authorization", ""))
        original(self)

    static._Handler._get = spy
    try:
        answer = register(client, tokens["admin"], url,
                          credentials={"username": "u", "password": "p"})  # fmt: skip
        assert answer.status_code == 201, answer.text
        client.get(
            "/api/v1/datasets/lab/borrowed/layers/cells/data",
            params={"width": 4, "height": 4, "depth": 4},
            headers=auth(tokens["admin"]),
        )
    finally:
        static._Handler._get = original
    expected = "Basic " + base64.b64encode(b"u:p").decode()
    assert seen and all(h == expected for h in seen)


def test_make_local_copy_job(world):
    from voxhub.jobs.runner import Worker

    client, hub, tokens, url, _ = world
    assert register(client, tokens["admin"], url).status_code == 201
    job = client.post("/api/v1/datasets/lab/borrowed/copy", json={"target": "hosted"},
                      headers=auth(tokens["admin"]))  # fmt: skip
    assert job.status_code == 202, job.text
    assert Worker(hub).run_once() is not None
    state = client.get(f"/api/v1/jobs/{job.json()['id']}", headers=auth(tokens["admin"])).json()
    assert state["state"] == "succeeded", state
    folder = hub.settings.binary_data / "lab" / "hosted"
    written = json.loads((folder / "datasource-properties.json").read_text())
    assert all("://" not in m["path"] for layer in written["dataLayers"] for m in layer["mags"])
    box = {"width": 40, "height": 48, "depth": 20}
    data = client.get("/api/v1/datasets/lab/hosted/layers/cells/data", params=box,
                      headers=auth(tokens["admin"]))  # fmt: skip
    assert np.array_equal(np.frombuffer(data.content, np.uint8).reshape(IMAGE.shape), IMAGE)
    refused = client.post("/api/v1/datasets/lab/hosted/copy", json={"target": "again"},
                          headers=auth(tokens["admin"]))  # fmt: skip
    assert refused.status_code == 400
    member = client.post("/api/v1/datasets/lab/borrowed/copy", json={"target": "m"},
                         headers=auth(tokens["member"]))  # fmt: skip
    assert member.status_code in (403, 404)


@contextmanager
def admin_client(settings, base: str, **update) -> Iterator[tuple[TestClient, str]]:
    """A hub allowing the server at ``base`` (settings changed by ``update``), its admin's token."""
    update = {"remote_allowed_hosts": (urlsplit(base).netloc,), **update}
    hub = Hub(settings.model_copy(update=update)).prepare()
    with hub.transaction() as session:
        user = create_user(session, email="a@x.org", role="admin",
                           organization=ensure_organization(session, "lab"))  # fmt: skip
        token = issue_token(session, user, "t").token
    try:
        with TestClient(create_app(hub)) as client:
            yield client, token
    finally:
        hub.close()


def write_cells(folder: Path) -> None:
    root = zarr.open_group(str(folder / "cells.ome.zarr"), mode="w")
    write_image(IMAGE, root, axes="czyx", fmt=FormatV05(), scale_factors=(2,),
                storage_options={"chunks": (1, 8, 16, 16)})  # fmt: skip


@pytest.mark.parametrize("max_box_bytes", [2**28, 2**16], ids=["whole", "streamed"])
def test_a_source_refusing_chunks_is_a_502_not_an_empty_volume(settings, tmp_path, max_box_bytes):
    """403 for chunks from a source that answers 404 for missing keys: the credentials
    are wrong or lack a permission. The box read fails with a JSON 502 naming the
    refusal (also when the box would stream: the first band is read before answering)."""
    write_cells(tmp_path / "src")
    refused: list[str] = []
    with (
        static_server(tmp_path / "src", refused=refused) as base,
        admin_client(settings, base, max_box_bytes=max_box_bytes) as (client, token),
    ):
        assert register(client, token, f"{base}/cells.ome.zarr").status_code == 201
        refused.append("/cells.ome.zarr/s0/c/")
        answer = client.get("/api/v1/datasets/lab/borrowed/layers/cells/data",
                            params={"width": 40, "height": 48, "depth": 20},
                            headers=auth(token))  # fmt: skip
    assert answer.status_code == 502, answer.text
    assert answer.json()["error"] == "remote_refused"
    assert "refused access (403)" in answer.json()["detail"]


def test_a_small_box_puts_its_chunks_in_flight_as_one_burst(settings, tmp_path):
    """A box read whole (not streamed: one of a client's parallel band requests) fetches
    its chunks as one burst (``remote_box_concurrency``), not ``remote_concurrency`` at
    a time, which the parallel requests of one read would share."""
    write_cells(tmp_path / "src")
    traffic = Traffic()
    with (
        static_server(tmp_path / "src", delay=0.3, traffic=traffic) as base,
        admin_client(settings, base, remote_concurrency=2, remote_box_concurrency=32)
        as (client, token),
    ):  # fmt: skip
        assert register(client, token, f"{base}/cells.ome.zarr").status_code == 201
        traffic.peak = 0
        answer = client.get("/api/v1/datasets/lab/borrowed/layers/cells/data",
                            params={"width": 40, "height": 48, "depth": 20},
                            headers=auth(token))  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert np.frombuffer(answer.content, np.uint8).tobytes() == IMAGE.tobytes()
    assert traffic.peak > 2, traffic.peak  # 3 x 3 x 3 = 27 chunks, more than 2 at once
