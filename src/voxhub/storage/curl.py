"""libcurl under the guarded fetcher: many GETs in flight for little CPU.

A cold remote box read puts a few hundred chunk GETs in flight at once. Through
aiohttp each answer cost ~0.6 ms of Python on the event loop (the fetch path was
a third of the server's CPU in ``bench_remote``); here one thread drives a
``CurlMulti`` (libcurl's event loop, in C) and hands finished answers to the
asyncio loops that asked for them, a batch per wake-up.

The pool only transports: what is safe to ask for is decided by
``fetch.GuardedFetcher`` (the checked address, redirects, credentials). So each
transfer here connects only to the address it is given (``CURLOPT_RESOLVE`` for
the URL's host, and a socket-opening check that refuses any other address),
follows no redirect, speaks only HTTP(S), ignores proxy variables, asks for no
content encoding, and stops receiving a body past its size limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import select
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pycurl

log = logging.getLogger(__name__)
_DONE_STATUSES = (200, 206)  # answers whose body is the object (others' bodies are dropped)
_BUFFER = 512 * 1024  # bytes per write callback: fewer Python calls per chunk
_EVENTS = {
    pycurl.POLL_IN: select.EPOLLIN,
    pycurl.POLL_OUT: select.EPOLLOUT,
    pycurl.POLL_INOUT: select.EPOLLIN | select.EPOLLOUT,
}
_READABLE = select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR  # libcurl reads to see why


class TransferFailed(Exception):
    """The transfer did not complete (``what``: libcurl's reason, never the remote body)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class BodyTooLarge(Exception):
    """The object is larger than the transfer's limit (declared or as received)."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class _Transfer:
    """One GET's state. Header lines and the body are collected by C methods (``list.append``,
    ``BytesIO.write``: no Python call per piece; the body grows in place and is taken out
    without a copy, so each of its pages is touched once); libcurl's ``MAXFILESIZE`` stops
    a body past the limit, declared or while receiving."""

    future: asyncio.Future[Answer]
    loop: asyncio.AbstractEventLoop
    address: str
    lines: list[bytes] = field(default_factory=list)
    body: io.BytesIO = field(default_factory=io.BytesIO)

    def open_socket(self, _purpose: int, address: tuple[Any, ...]) -> socket.socket | int:
        family, kind, protocol, where = address
        if where[0] != self.address:  # only the checked address, whatever libcurl resolved
            return int(pycurl.SOCKET_BAD)
        return socket.socket(family, kind, protocol)

    def answer(self, status: int) -> Answer:
        headers: dict[str, str] = {}
        for line in self.lines:
            if line.startswith(b"HTTP/"):  # a new answer (after a 100 Continue): start again
                headers = {}
            elif b":" in line:
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
        if status not in _DONE_STATUSES:  # an error page or a redirect's body: never kept
            return Answer(status, headers, b"")
        return Answer(status, headers, self.body.getvalue())


def _trust() -> list[tuple[int, str]]:
    """TLS verified against the certificates Python's ``ssl`` uses (SSL_CERT_FILE too)."""
    paths = ssl.get_default_verify_paths()
    found = [(pycurl.CAINFO, paths.cafile), (pycurl.CAPATH, paths.capath)]
    return [(option, path) for option, path in found if path]


class CurlPool:
    """One thread driving a ``CurlMulti`` for every guarded fetch of this process."""

    def __init__(self, connections: int = 512) -> None:
        self._multi = pycurl.CurlMulti()
        self._multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        self._multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        self._multi.setopt(pycurl.M_MAXCONNECTS, connections)  # idle connections kept
        self._poll = select.epoll()
        self._watched: set[int] = set()
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self._poll.register(self._wake_read, select.EPOLLIN)
        self._queue: deque[tuple[_Transfer, Callable[[pycurl.Curl], None]]] = deque()
        self._active: dict[pycurl.Curl, _Transfer] = {}
        self._spare: list[pycurl.Curl] = []
        self._deadline: float | None = None
        self._trust = _trust()
        self.pid = os.getpid()
        threading.Thread(target=self._run, name="voxhub-curl", daemon=True).start()

    def get(
        self, url: str, host: str, port: int, address: str, headers: dict[str, str],
        timeout: float, limit: int,
    ) -> asyncio.Future[Answer]:  # fmt: skip
        """GET ``url`` connecting to ``address`` for ``host:port``; resolves on this loop."""
        lines = [f"{k}: {v}" for k, v in headers.items()]
        if any("\r" in line or "\n" in line for line in lines):  # no header of our own making
            raise TransferFailed("newline in a header")
        loop = asyncio.get_running_loop()
        transfer = _Transfer(loop.create_future(), loop, address)
        name = f"[{host}]" if ":" in host else host

        def setup(handle: pycurl.Curl) -> None:
            handle.setopt(pycurl.URL, url)
            handle.setopt(pycurl.RESOLVE, [f"{name}:{port}:{address}"])
            handle.setopt(pycurl.HTTPHEADER, lines)
            handle.setopt(pycurl.TIMEOUT_MS, max(1, int(timeout * 1000)))
            handle.setopt(pycurl.MAXFILESIZE_LARGE, limit)
            handle.setopt(pycurl.HEADERFUNCTION, transfer.lines.append)
            handle.setopt(pycurl.WRITEFUNCTION, transfer.body.write)
            handle.setopt(pycurl.OPENSOCKETFUNCTION, transfer.open_socket)

        self._queue.append((transfer, setup))
        self._wake()
        return transfer.future

    def _wake(self) -> None:
        try:
            os.write(self._wake_write, b"\0")
        except BlockingIOError:  # the pipe is full: the thread is being woken anyway
            pass

    def _handle(self) -> pycurl.Curl:
        handle = self._spare.pop() if self._spare else pycurl.Curl()
        handle.reset()
        handle.setopt(pycurl.NOSIGNAL, 1)
        handle.setopt(pycurl.FOLLOWLOCATION, 0)  # the guard follows redirects, each checked
        handle.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        handle.setopt(pycurl.REDIR_PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        handle.setopt(pycurl.PROXY, "")  # no proxy from the environment
        handle.setopt(pycurl.NOPROXY, "*")
        handle.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
        handle.setopt(pycurl.BUFFERSIZE, _BUFFER)
        for option, path in self._trust:
            handle.setopt(option, path)
        return handle

    def _on_socket(self, what: int, fd: int, _multi: object, _data: object) -> None:
        events = _EVENTS.get(what)
        if events is None:  # POLL_REMOVE (libcurl may already have closed it)
            if fd in self._watched:
                self._watched.discard(fd)
                with contextlib.suppress(OSError):
                    self._poll.unregister(fd)
        elif fd in self._watched:
            self._poll.modify(fd, events)
        else:
            self._poll.register(fd, events)
            self._watched.add(fd)

    def _on_timer(self, milliseconds: int) -> None:
        self._deadline = None if milliseconds < 0 else time.monotonic() + milliseconds / 1000

    def _run(self) -> None:
        while True:
            try:
                self._step()
            except Exception:  # never leave every later fetch waiting on a dead thread
                log.exception("remote fetch loop")

    def _step(self) -> None:
        wait = -1.0
        if self._deadline is not None:
            wait = max(0.0, self._deadline - time.monotonic())
        for fd, mask in self._poll.poll(wait):
            if fd == self._wake_read:
                self._start_queued()
                continue
            action = (pycurl.CSELECT_IN if mask & _READABLE else 0) | (
                pycurl.CSELECT_OUT if mask & select.EPOLLOUT else 0
            )
            self._multi.socket_action(fd, action)
        if self._deadline is not None and self._deadline <= time.monotonic():
            self._deadline = None
            self._multi.socket_action(pycurl.SOCKET_TIMEOUT, 0)
        self._finish()

    def _start_queued(self) -> None:
        try:
            while os.read(self._wake_read, 4096):
                pass
        except BlockingIOError:
            pass
        while self._queue:
            transfer, setup = self._queue.popleft()
            handle = self._handle()
            try:
                setup(handle)
                self._multi.add_handle(handle)
            except pycurl.error as exc:  # an option libcurl refuses: this transfer fails alone
                self._spare.append(handle)
                outcome = TransferFailed(_reason(exc.args[0] if exc.args else -1))
                transfer.loop.call_soon_threadsafe(_settle, [(transfer, outcome)])
                continue
            self._active[handle] = transfer

    def _finish(self) -> None:
        settled: dict[asyncio.AbstractEventLoop, list[tuple[_Transfer, Any]]] = {}
        while True:
            _left, done, failed = self._multi.info_read()
            for handle in done:
                status = handle.getinfo(pycurl.RESPONSE_CODE)
                transfer = self._release(handle)
                settled.setdefault(transfer.loop, []).append((transfer, transfer.answer(status)))
            for handle, code, _message in failed:
                status = handle.getinfo(pycurl.RESPONSE_CODE)
                transfer = self._release(handle)
                outcome: Answer | Exception = TransferFailed(_reason(code))
                if code == pycurl.E_FILESIZE_EXCEEDED:  # only the object's size counts
                    large = status in _DONE_STATUSES
                    outcome = BodyTooLarge() if large else transfer.answer(status)
                settled.setdefault(transfer.loop, []).append((transfer, outcome))
            if not _left:
                break
        for loop, outcomes in settled.items():
            try:
                loop.call_soon_threadsafe(_settle, outcomes)
            except RuntimeError:  # that loop was closed meanwhile: nobody waits
                pass

    def _release(self, handle: pycurl.Curl) -> _Transfer:
        self._multi.remove_handle(handle)
        transfer = self._active.pop(handle)
        self._spare.append(handle)
        return transfer


def _settle(outcomes: list[tuple[_Transfer, Any]]) -> None:
    for transfer, outcome in outcomes:
        if transfer.future.done():  # the asker was cancelled
            continue
        if isinstance(outcome, Exception):
            transfer.future.set_exception(outcome)
        else:
            transfer.future.set_result(outcome)


# libcurl's error names (its messages hold addresses: the guard's errors never show them)
_ERRORS: dict[int, str] = {
    value: name[2:].lower()
    for name, value in sorted(vars(pycurl).items(), reverse=True)
    if name.startswith("E_") and not name.startswith("E_MULTI") and isinstance(value, int)
}


def _reason(code: int) -> str:
    return _ERRORS.get(code, f"curl error {code}")


_POOL: CurlPool | None = None
_POOL_LOCK = threading.Lock()


def curl_pool() -> CurlPool:
    """This process's pool (a forked worker starts its own: threads do not survive fork)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL.pid != os.getpid():
            _POOL = CurlPool()
        return _POOL


__all__ = ["Answer", "BodyTooLarge", "CurlPool", "TransferFailed", "curl_pool"]
