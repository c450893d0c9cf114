"""A static file server on 127.0.0.1 for tests of remote sources (with a redirect route).

``requests`` (path -> count) records every GET, and ``delay`` seconds are
added to each, so tests can see how many fetches a reader made and how many
it kept in flight (``peak``). ``Range: bytes=a-b`` is answered with 206 and
the bytes asked for (``ranged`` counts such answers). ``missing`` is the status
of a path with no file (403 as S3 answers when the credentials may not list the
bucket), and paths starting with one of ``refused`` (a list a test may change
while the server runs) are answered ``refusal`` (403, or 401 as a server wanting other
credentials) whether they exist or not.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Traffic:
    """What the server saw: GETs per path, and the most requests in flight at once."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.peak = 0
        self.ranged = 0  # Range requests answered with 206
        self._current = 0
        self._lock = threading.Lock()

    def enter(self, path: str) -> None:
        with self._lock:
            self.requests[path] += 1
            self._current += 1
            self.peak = max(self.peak, self._current)

    def leave(self) -> None:
        with self._lock:
            self._current -= 1


class _Handler(SimpleHTTPRequestHandler):
    redirects: dict[str, str] = {}
    traffic: Traffic = Traffic()
    delay: float = 0.0
    missing: int = 404
    refused: list[str] = []
    refusal: int = 403
    protocol_version = "HTTP/1.1"  # keep-alive, as object stores and nginx answer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.traffic.enter(self.path)
        try:
            if self.delay:
                time.sleep(self.delay)
            self._get()
        finally:
            self.traffic.leave()

    def _get(self) -> None:
        target = self.redirects.get(self.path)
        if target is not None:
            respond(self, 302, headers={"Location": target})
            return
        refused = any(self.path.startswith(p) for p in self.refused)
        absent = not os.path.exists(self.translate_path(self.path))
        if refused or (absent and self.missing != 404):
            respond(self, self.refusal if refused else self.missing)
            return
        wanted = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
        if wanted is not None and os.path.isfile(self.translate_path(self.path)):
            self._range(int(wanted[1]), int(wanted[2]))
            return
        super().do_GET()

    def _range(self, first: int, last: int) -> None:
        """A ``Range: bytes=first-last`` answer (206), as object stores and nginx give."""
        with open(self.translate_path(self.path), "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if first >= size:
                respond(self, 416, headers={"Content-Range": f"bytes */{size}"})
                return
            f.seek(first)
            body = f.read(min(last, size - 1) - first + 1)
        self.traffic.ranged += 1
        span = f"bytes {first}-{first + len(body) - 1}/{size}"
        respond(self, 206, body, {"Content-Range": span})

    def log_message(self, *_args: object) -> None:
        pass


def respond(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> None:
    """Send a whole answer: ``status``, ``headers`` and ``body`` with its length."""
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def serving(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run a threading HTTP server of ``handler`` on a free loopback port; yields its base
    URL, and stops it on leaving."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def static_server(
    root: Path,
    redirects: dict[str, str] | None = None,
    *,
    delay: float = 0.0,
    traffic: Traffic | None = None,
    missing: int = 404,
    refused: list[str] | None = None,
    refusal: int = 403,
) -> Iterator[str]:
    """Serve ``root`` on a free loopback port; yields the base URL."""
    handler = type(
        "Handler",
        (_Handler,),
        {
            "redirects": dict(redirects or {}), "delay": delay, "traffic": traffic or Traffic(),
            "missing": missing, "refused": refused if refused is not None else [],
            "refusal": refusal,
        },
    )  # fmt: skip
    with serving(functools.partial(handler, directory=str(root))) as base:
        yield base
