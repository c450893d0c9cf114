"""``Layer.read`` streams each band's raw answer into the result: the voxels equal the
server's, and an answer of another shape, cut short or too long is a clear error.

The server here is a real HTTP server on 127.0.0.1 that answers the data route from
an array, or misbehaves in one way a test asks for."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from voxhub.client import BadAnswer, Client, ServerError, TransportError
from voxhub.client import _dataset as dataset_module
from voxhub.client._dataset import Dataset, Layer

VOLUME = np.random.default_rng(3).integers(0, 2**16, (2, 12, 10, 9), dtype=np.uint16)


@contextmanager
def serving(fault: str = "") -> Iterator[str]:
    """The data route of VOLUME (c, z, y, x), answering as ``fault`` says."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            query = {k: int(v[0]) for k, v in parse_qs(urlsplit(self.path).query).items()
                     if k in ("x", "y", "z", "width", "height", "depth")}  # fmt: skip
            x, y, z = query["x"], query["y"], query["z"]
            w, h, d = query["width"], query["height"], query["depth"]
            block = np.ascontiguousarray(VOLUME[:, z : z + d, y : y + h, x : x + w])
            body = block.tobytes()
            shape = ",".join(map(str, block.shape))
            if fault == "error":
                body, shape = b'{"error": "remote_refused", "detail": "no"}', ""
                self.send_response(502)
            else:
                self.send_response(200)
            self.send_header("X-Shape", "1,1,1,1" if fault == "shape" else shape)
            self.send_header("X-Dtype", "uint16")
            declared = len(body)
            if fault == "short":  # the connection closes before the declared length
                body = body[: len(body) // 2]
            self.send_header("Content-Length", str(declared))
            self.end_headers()
            self.wfile.write(body)
            if fault == "short":
                self.close_connection = True

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def layer_of(client: Client) -> Layer:
    dataset = Dataset(client, "lab", "cells", {})
    c, z, y, x = VOLUME.shape
    return Layer.of(dataset, {
        "name": "color", "category": "color", "elementClass": "uint16", "numChannels": c,
        "boundingBox": {"topLeft": [0, 0, 0], "width": x, "height": y, "depth": z},
        "mags": [{"mag": [1, 1, 1]}], "zarrUrl": "/zarr/lab/cells/color",
    })  # fmt: skip


@pytest.mark.parametrize("band_bytes", [32 * 2**20, 2 * 10 * 9 * 2 * 5])
def test_the_streamed_read_returns_the_servers_voxels(monkeypatch, band_bytes):
    monkeypatch.setattr(dataset_module, "BAND_BYTES", band_bytes)  # 1 band, or 3 in parallel
    with serving() as url, Client(url, "vxh_x", parallel=3) as client:
        layer = layer_of(client)
        assert np.array_equal(layer.read(), VOLUME)
        box = layer.read(offset=(2, 3, 4), size=(5, 6, 7))
        assert box.flags.c_contiguous and np.array_equal(box, VOLUME[:, 4:11, 3:9, 2:7])


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ("shape", BadAnswer, "the server answered shape 1,1,1,1"),
        ("short", TransportError, "complete message body"),
        ("error", ServerError, "no"),
    ],
)
def test_a_wrong_or_cut_answer_is_a_clear_error(fault, error, message):
    with serving(fault) as url, Client(url, "vxh_x") as client:
        with pytest.raises(error, match=message):
            layer_of(client).read()


def test_more_bytes_than_asked_for_is_an_error():
    """A server whose body runs past what the headers promised (no Content-Length)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("X-Shape", ",".join(map(str, VOLUME.shape)))
            self.send_header("X-Dtype", "uint16")
            self.end_headers()  # HTTP/1.0 without a length: the body ends when it closes
            self.wfile.write(VOLUME.tobytes() + b"extra")

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Client(f"http://127.0.0.1:{server.server_address[1]}", "vxh_x") as client:
            with pytest.raises(BadAnswer, match="more than the"):
                layer_of(client).read()
    finally:
        server.shutdown()
        server.server_close()
