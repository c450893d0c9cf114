"""/zarr of a remote N5 layer (re-keyed by voxhub) on a cold open uses the metadata kept at
registration as the box route does (tests/api/test_remote_kept_metadata.py, whose
fixtures these tests reuse with an N5 source): the block is fetched while the source's
``attributes.json`` is, nothing is answered before that confirmed the kept one, and a
source rewritten after registration is re-keyed with its new metadata."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import zarr
from tests.api import test_remote_kept_metadata as kept_metadata
from tests.api.test_remote_layers import _asgi_store
from tests.arrays.test_n5 import DATA, write_n5
from tests.static_server import static_server

LEVEL = "/zarr/lab/borrowed/em/1"
DELAY = kept_metadata.DELAY
registered = kept_metadata.registered  # the fixture, with this module's ``source``


@pytest.fixture
def source(tmp_path: Path):
    """The source ``registered`` registers: an N5 dataset served with a delay per GET."""
    write_n5(tmp_path / "src" / "em.n5", {"type": "gzip"})
    traffic = kept_metadata.Timed()
    with static_server(tmp_path / "src", delay=DELAY, traffic=traffic) as base:
        yield tmp_path / "src" / "em.n5", f"{base}/em.n5", traffic


def test_a_cold_rekeyed_chunk_is_fetched_while_the_kept_metadata_is_confirmed(registered):
    cold, headers, _folder, url, traffic, _kept = registered
    base = urlsplit(url).path
    traffic.reset()
    with cold() as client:
        chunk = client.get(f"{LEVEL}/c/0/0/0", headers=headers)
        assert chunk.status_code == 200, chunk.text
        document = [t for t, p in traffic.arrivals if p == f"{base}/attributes.json"]
        block = [t for t, p in traffic.arrivals if p == f"{base}/0/0/0"]
        assert len(document) == len(block) == 1, traffic.arrivals
        assert block[0] - document[0] < DELAY * 0.8, traffic.arrivals
        store = _asgi_store(client, LEVEL, headers["Authorization"].split()[1])
        level = zarr.open_array(store=store, mode="r", zarr_format=3)
        assert np.array_equal(level[...], DATA)


def test_a_rewritten_n5_source_is_rekeyed_with_its_new_metadata(registered):
    cold, headers, folder, _url, _traffic, kept = registered
    new = (DATA[:12, :20, :30] // 2).astype(np.uint32)
    for path in sorted(folder.rglob("*"), key=lambda p: -len(p.parts)):
        path.unlink() if path.is_file() else path.rmdir()
    write_n5(folder, {"type": "gzip"}, new)
    with cold() as client:
        chunk = client.get(f"{LEVEL}/c/0/0/0", headers=headers)  # the first request: a block
        assert chunk.status_code == 200, chunk.text
        document = client.get(f"{LEVEL}/zarr.json", headers=headers).json()
        assert document["shape"] == list(new.shape) and document["data_type"] == "uint32"
        store = _asgi_store(client, LEVEL, headers["Authorization"].split()[1])
        assert np.array_equal(zarr.open_array(store=store, mode="r", zarr_format=3)[...], new)
    assert (
        json.loads(kept.read_text())[_url.rstrip("/")] == (folder / "attributes.json").read_text()
    )
