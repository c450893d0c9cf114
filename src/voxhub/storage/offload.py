"""Blocking file-system calls off the event loop, cheaply enough for one per chunk GET.

``asyncio.to_thread`` costs about 26 us of CPU per call on the /zarr hot path (a
context copy, a concurrent future chained to an asyncio one, one wake-up of the loop
per call), which is more than the rest of a chunk GET's own Python. ``Offload``
keeps a few threads of its own that take calls from one queue and put their results
in the calling loop's inbox; the loop is woken once for every result that arrived
since it last looked (about 6 us per call in-process with 64 GETs in flight).

A call that blocks (a stat on a spun-down disk or a hung NFS mount) holds one
thread: the others keep taking calls, and no result waits for another call to
finish. With every thread blocked, further calls queue until one returns; the event
loop itself never waits.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Outcome = tuple[Any, BaseException | None]


class _Inbox:
    """Results for one event loop, handed over in batches."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._done: deque[tuple[asyncio.Future[Any], Outcome]] = deque()
        self._woken = False

    def post(self, future: asyncio.Future[Any], outcome: Outcome) -> None:
        """Called in a worker thread: queue the result; wake the loop unless it is due to look."""
        self._done.append((future, outcome))
        if not self._woken:
            # Two threads may both see False here: the loop is then woken twice and the
            # second look finds nothing, which is harmless. The loop clears the flag
            # before it looks, so a result appended after its look always wakes it.
            self._woken = True
            try:
                self.loop.call_soon_threadsafe(self._deliver)
            except RuntimeError:  # the loop was closed while the call ran: nobody waits
                pass

    def _deliver(self) -> None:
        self._woken = False
        while self._done:
            future, (value, error) = self._done.popleft()
            if future.cancelled():
                continue
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)


# what a worker thread takes from the queue: where to answer, and what to call
_Call = tuple[_Inbox, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


class Offload:
    """``await offload.run(fn, *args)``: ``fn(*args)`` in one of ``threads`` threads."""

    def __init__(self, threads: int = 8) -> None:
        if threads < 1:
            raise ValueError("an offload needs at least one thread")
        self.threads = threads
        self._queue: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._inbox: _Inbox | None = None
        self._pid: int | None = None  # threads are started per process: servers fork workers
        self._lock = threading.Lock()

    def run(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """A future of ``fn(*args)``, which runs in a worker thread; await it on this loop."""
        loop = asyncio.get_running_loop()
        inbox = self._inbox
        if inbox is None or inbox.loop is not loop:
            inbox = self._inbox = _Inbox(loop)
        if self._pid != os.getpid():
            self._start()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((inbox, future, fn, args))
        return future

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            # a forked child inherits the queue but not the threads that read it
            self._queue = queue.SimpleQueue()
            for number in range(self.threads):
                worker = threading.Thread(
                    target=self._work, args=(self._queue,), name=f"voxhub-offload-{number}"
                )
                worker.daemon = True
                worker.start()
            self._pid = os.getpid()

    @staticmethod
    def _work(calls: queue.SimpleQueue[_Call]) -> None:
        while True:
            inbox, future, fn, args = calls.get()
            try:
                outcome: Outcome = (fn(*args), None)
            except BaseException as error:  # handed to the awaiting coroutine, as to_thread does
                outcome = (None, error)
            inbox.post(future, outcome)
            del inbox, future, fn, args, outcome  # do not keep the last call's objects alive


__all__ = ["Offload"]
