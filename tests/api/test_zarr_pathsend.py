"""Chunk files above 64 kB leave the event loop: the path goes to the server (``pathsend``).

Only the data folder has paths to hand over (S3 objects are streamed), so these run on
local storage alone, unlike ``test_zarr.py``.
"""

import asyncio
import os
import threading

from tests.helpers import add_dataset

from voxhub.api import zarr_disk
from voxhub.api.app import create_app


def _get(app, path, extensions, headers=()):
    """One GET through the ASGI app as a server offering ``extensions`` would send it."""
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": b"", "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1), "server": ("testserver", 80), "extensions": extensions,
    }  # fmt: skip
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_a_large_chunk_is_handed_to_the_server_and_a_small_one_sent_at_once(hub):
    add_dataset(hub, "lab", "open", public=True)
    folder = hub.settings.binary_data / "lab" / "open" / "color" / "1"
    large = folder / "large-chunk"
    large.write_bytes(os.urandom(100_000))
    app = create_app(hub)

    offered = _get(app, "/zarr/lab/open/color/1/large-chunk", {"http.response.pathsend": {}})
    assert offered[0]["status"] == 200
    assert [m["type"] for m in offered[1:]] == ["http.response.pathsend"]
    assert os.path.samefile(offered[1]["path"], large)

    # Without pathsend the same file is still read off the event loop, and whole.
    plain = _get(app, "/zarr/lab/open/color/1/large-chunk", {})
    assert b"".join(m.get("body", b"") for m in plain[1:]) == large.read_bytes()

    small = _get(app, "/zarr/lab/open/color/zarr.json", {"http.response.pathsend": {}})
    assert [m["type"] for m in small[1:]] == ["http.response.body"]
    assert small[1]["body"] == (folder.parent / "zarr.json").read_bytes()


def test_the_file_is_looked_at_off_the_event_loop(hub, monkeypatch):
    """A slow disk (a stat or read that hangs) must not stall the loop's other requests."""
    add_dataset(hub, "lab", "open", public=True)
    threads = []
    look = zarr_disk._look

    def recording(path, read_small):
        threads.append(threading.current_thread())
        return look(path, read_small)

    monkeypatch.setattr(zarr_disk, "_look", recording)
    app = create_app(hub)
    for key in ("color/zarr.json", "color/1/zarr.json"):
        sent = _get(app, f"/zarr/lab/open/{key}", {"http.response.pathsend": {}})
        assert sent[0]["status"] == 200
    assert len(threads) == 2
    assert all(t is not threading.main_thread() for t in threads)  # asyncio.run's loop thread


def test_an_unknown_range_unit_gets_a_large_file_whole(hub):
    add_dataset(hub, "lab", "open", public=True)
    large = hub.settings.binary_data / "lab" / "open" / "color" / "1" / "large-chunk"
    large.write_bytes(os.urandom(100_000))
    scope_headers = [(b"range", b"items=0-3")]
    sent = _get(create_app(hub), "/zarr/lab/open/color/1/large-chunk", {}, scope_headers)
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == large.read_bytes()


def test_no_key_reaches_a_file_outside_the_dataset(hub):
    """Paths as a server hands them over, percent-decoded (``%2e%2e`` arrives as ``..``,
    ``%2F`` as ``/``): none may name a file outside the layer, nor a file at all."""
    add_dataset(hub, "lab", "open", public=True)
    secret = hub.settings.binary_data / "lab" / "secret.txt"
    secret.write_text("not a chunk")
    app = create_app(hub)
    attacks = [
        "/zarr/lab/open/color/../../secret.txt",  # ``..`` or ``%2e%2e``
        "/zarr/lab/open/color/1/../../../secret.txt",
        "/zarr/lab/open/color/./../../secret.txt",
        f"/zarr/lab/open/color/{secret}",  # an absolute path: ``color//…``
        f"/zarr/lab/open/color/1/{secret}",
        "/zarr/lab/open/color/..\\..\\secret.txt",  # ``%5C``
        "/zarr/lab/open/color/1/c//0/0/0/0",
        "/zarr/lab/open/../open/color/zarr.json",
        "/zarr/lab/../lab/open/color/zarr.json",
    ]
    for path in attacks:
        sent = _get(app, path, {"http.response.pathsend": {}})
        assert sent[0]["status"] == 404, path
        assert [m["type"] for m in sent[1:]] == ["http.response.body"], path
        assert b"not a chunk" not in sent[1]["body"], path
    # the same file names without the tricks are served
    sent = _get(app, "/zarr/lab/open/color/1/c/0/0/0/0", {"http.response.pathsend": {}})
    assert sent[0]["status"] == 200
