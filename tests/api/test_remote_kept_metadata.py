"""A cold remote read opens the level with the metadata document kept at registration.

The source (an OME-Zarr written by ome-zarr-py, NGFF 0.4 = Zarr v2 and 0.5 = Zarr v3) is
served by tests/static_server.py with a delay per request. Registration keeps each
mag's metadata document beside the properties; a fresh hub (nothing open, chunk cache
cold) puts the box's chunk requests in flight together with the fetch of the source's
document, and answers only once that document equals the kept one. A source rewritten
after registration (dtype and chunk shape changed) is read with its new metadata, and
the kept copy is updated; a source whose array is gone answers the error it answers
without a kept document.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import zarr
from fastapi.testclient import TestClient
from ome_zarr.format import FormatV04, FormatV05
from tests.helpers import write_ome_cells
from tests.static_server import Traffic, static_server

from voxhub.access.accounts import create_user, issue_token
from voxhub.api.app import create_app
from voxhub.catalog.register import ensure_organization
from voxhub.catalog.remote import KEPT_METADATA, MAX_KEPT_BYTES, MAX_KEPT_DOCUMENT, kept_document
from voxhub.formats.properties import parse_properties
from voxhub.hub import Hub

IMAGE = np.random.default_rng(11).integers(0, 250, (1, 20, 48, 40), dtype=np.uint8)
DELAY = 0.25
BOX = {"x": 0, "y": 0, "z": 0, "width": 40, "height": 48, "depth": 20}
THUMBNAIL = "/api/v1/datasets/lab/borrowed/layers/cells/thumbnail.png"


class Timed(Traffic):
    """Traffic with the time each GET arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[tuple[float, str]] = []
        self._times = threading.Lock()

    def enter(self, path: str) -> None:
        super().enter(path)
        with self._times:
            self.arrivals.append((time.monotonic(), path))

    def reset(self) -> None:
        with self._times:
            self.arrivals.clear()
        self.requests.clear()


@pytest.fixture(params=[FormatV04(), FormatV05()], ids=["v2", "v3"])
def source(request, tmp_path: Path):
    fmt = request.param
    write_ome_cells(tmp_path / "src", IMAGE, fmt)
    traffic = Timed()
    with static_server(tmp_path / "src", delay=DELAY, traffic=traffic) as base:
        yield tmp_path / "src" / "cells.ome.zarr", f"{base}/cells.ome.zarr", traffic


@pytest.fixture
def registered(settings, source):
    """The source registered through one hub; yields a factory of cold hubs' clients."""
    folder, url, traffic = source
    allowed = settings.model_copy(update={"remote_allowed_hosts": (urlsplit(url).netloc,)})
    hub = Hub(allowed).prepare()
    with hub.transaction() as session:
        lab = ensure_organization(session, "lab")
        user = create_user(session, email="admin@x.org", organization=lab, role="admin")
        token = issue_token(session, user, "t").token
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(hub)) as client:
        answer = client.post("/api/v1/datasets/remote", json={"name": "borrowed", "url": url},
                             headers=headers)  # fmt: skip
        assert answer.status_code == 201, answer.text
    hub.close()
    opened: list[Hub] = []

    def cold() -> TestClient:
        fresh = Hub(allowed).prepare()  # another process: nothing open, nothing cached
        opened.append(fresh)
        return TestClient(create_app(fresh))

    kept_file = settings.binary_data / "lab" / "borrowed" / KEPT_METADATA
    yield cold, headers, folder, url, traffic, kept_file
    for each in opened:
        each.close()


def _level_document(folder: Path) -> str:
    return ".zarray" if (folder / "s0" / ".zarray").exists() else "zarr.json"


def _read(client: TestClient, headers: dict[str, str]):
    return client.get("/api/v1/datasets/lab/borrowed/layers/cells/data", params=BOX,
                      headers=headers)  # fmt: skip


def test_kept_metadata_is_used_and_confirmed_while_chunks_are_in_flight(registered):
    cold, headers, folder, url, traffic, kept_file = registered
    name = _level_document(folder)
    kept = json.loads(kept_file.read_text())
    assert kept[f"{url}/s0"] == (folder / "s0" / name).read_text()  # the document as read
    traffic.reset()
    with cold() as client:
        answer = _read(client, headers)
        assert answer.status_code == 200, answer.text
        assert np.array_equal(np.frombuffer(answer.content, np.uint8).reshape(IMAGE.shape), IMAGE)
        base = urlsplit(url).path
        document = [t for t, p in traffic.arrivals if p == f"{base}/s0/{name}"]
        chunks = [t for t, p in traffic.arrivals if p.startswith(f"{base}/s0/") and
                  p.rsplit("/", 1)[-1] not in (".zarray", ".zattrs", "zarr.json")]  # fmt: skip
        assert len(document) == 1  # the fresh document, fetched once
        assert len(chunks) == 1 * 3 * 3 * 3  # (1, 8, 16, 16) chunks of (1, 20, 48, 40)
        # chunks asked for before the document was answered (DELAY after it was asked for);
        # (how many at once is the test server's limit: its listen backlog is 5)
        assert min(chunks) - document[0] < DELAY * 0.8, (document, sorted(chunks))
        assert not any(p.endswith("/s0/.zattrs") for _, p in traffic.arrivals)
        traffic.reset()
        again = _read(client, headers)  # warm: the level stays open, the chunks cached
        assert again.content == answer.content
        assert sum(traffic.requests.values()) == 0


def rewrite(level: Path, image: np.ndarray) -> np.ndarray:
    """Rewrite the source's array at ``level`` after registration: dtype and chunk shape
    changed (its kept metadata document is now stale); returns what it holds."""
    old = zarr.open_array(str(level), mode="r")
    new = (image.astype(np.uint16) * 257 + 3).astype(np.uint16)
    rewritten = zarr.create_array(
        str(level), shape=new.shape, chunks=tuple(max(1, n // 2) for n in new.shape),
        dtype=np.uint16, zarr_format=old.metadata.zarr_format, overwrite=True,
        dimension_names=getattr(old.metadata, "dimension_names", None),
    )  # fmt: skip
    rewritten[...] = new
    return new


def test_source_rewritten_after_registration_reads_the_new_voxels(registered):
    cold, headers, folder, url, traffic, kept_file = registered
    name = _level_document(folder)
    new = rewrite(folder / "s0", IMAGE)
    with cold() as client:
        answer = _read(client, headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-Dtype"] == "uint16"
        got = np.frombuffer(answer.content, np.uint16).reshape(new.shape)
        assert np.array_equal(got, new)  # nothing decoded with the kept (stale) document
    kept = json.loads(kept_file.read_text())
    assert kept[f"{url}/s0"] == (folder / "s0" / name).read_text()  # the kept copy updated
    with cold() as client:  # the next cold read opens with the updated copy, and holds
        traffic.reset()
        answer = _read(client, headers)
        assert np.array_equal(np.frombuffer(answer.content, np.uint16).reshape(new.shape), new)
        base = urlsplit(url).path
        assert traffic.requests[f"{base}/s0/{name}"] == 1


def _thumbnail(client: TestClient, headers: dict[str, str]):
    answer = client.get(THUMBNAIL, params={"size": 16}, headers=headers)  # the level s1
    assert answer.status_code == 200, answer.text
    return answer.content


def test_a_cold_thumbnail_fetches_its_chunks_while_the_kept_metadata_is_confirmed(registered):
    cold, headers, folder, url, traffic, kept_file = registered
    name, base = _level_document(folder), urlsplit(url).path
    traffic.reset()
    with cold() as client:
        speculative = _thumbnail(client, headers)
    document = [t for t, p in traffic.arrivals if p == f"{base}/s1/{name}"]
    chunks = [t for t, p in traffic.arrivals if p.startswith(f"{base}/s1/") and
              p.rsplit("/", 1)[-1] not in (".zarray", ".zattrs", "zarr.json")]  # fmt: skip
    assert len(document) == 1 and chunks
    assert min(chunks) - document[0] < DELAY * 0.8, (document, sorted(chunks))
    kept_file.unlink()
    with cold() as client:
        assert _thumbnail(client, headers) == speculative  # as without kept metadata


def test_a_cold_thumbnail_of_a_rewritten_source_shows_the_new_voxels(registered):
    cold, headers, folder, _url, _traffic, kept_file = registered
    rewrite(folder / "s1", zarr.open_array(str(folder / "s1"), mode="r")[...])
    with cold() as client:
        speculative = _thumbnail(client, headers)
    kept_file.unlink()
    with cold() as client:
        assert _thumbnail(client, headers) == speculative


def test_source_array_gone_answers_as_without_kept_metadata(registered):
    cold, headers, folder, _url, _traffic, kept_file = registered
    for path in sorted((folder / "s0").rglob("*"), key=lambda p: -len(p.parts)):
        path.unlink() if path.is_file() else path.rmdir()
    with cold() as client:
        speculative = _read(client, headers)
    kept_file.unlink()
    with cold() as client:
        today = _read(client, headers)
    assert speculative.status_code == today.status_code >= 400
    assert speculative.json() == today.json()


def test_oversized_kept_metadata_is_not_read(registered):
    cold, headers, _folder, _url, _traffic, kept_file = registered
    kept_file.write_bytes(b" " * (MAX_KEPT_BYTES + 1))
    with cold() as client:
        answer = _read(client, headers)
    assert answer.status_code == 200, answer.text
    assert np.array_equal(np.frombuffer(answer.content, np.uint8).reshape(IMAGE.shape), IMAGE)


def test_kept_documents_are_bounded():
    properties = parse_properties(
        {
            "id": {"name": "x", "team": "lab"},
            "scale": {"factor": [1, 1, 1], "unit": "nanometer"},
            "dataLayers": [{
                "name": "cells", "category": "color", "elementClass": "uint8",
                "dataFormat": "zarr3",
                "boundingBox": {"topLeft": [0, 0, 0], "width": 4, "height": 4, "depth": 4},
                "mags": [{"mag": [1, 1, 1], "path": "https://h/a/0"},
                         {"mag": [2, 2, 2], "path": "https://h/a/1"}],
            }],
        },
        "properties",
    )  # fmt: skip
    documents = {
        "https://h/a/0": "{}",
        "https://h/a/1": "x" * (MAX_KEPT_DOCUMENT + 1),  # too large: not kept
        "https://elsewhere/0": "{}",  # not a mag of the dataset
    }
    assert json.loads(kept_document(properties, documents)) == {"https://h/a/0": "{}"}
