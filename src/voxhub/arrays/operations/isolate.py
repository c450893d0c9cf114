"""Running a pipeline where it can be stopped: worker processes killed at the time cap.

One numpy call cannot be interrupted from Python, and a thread that is
abandoned keeps its core and its memory until the call returns. So the steps
of a pipeline run in a worker process; the caller waits at most the time cap
and then kills the worker (a fresh one is started for the next pipeline).
Workers are plain Python processes (not forked from a server full of threads),
started when first needed and reused, so a normal query pays one pickle of its
input and output through anonymous shared memory (see ``_transport`` and
``benchmarks/bench_openmsi.py``).

Small inputs whose steps are all linear run in the calling thread first, within
a budget of elements and time (``INLINE``); a run that outgrows it starts again
in a worker. A first step that streams (a plain reduction of an input too large to hold,
computed chunk by chunk by dask) stays in the calling process: dask checks
the deadline before every chunk task, so it stops at the cap too.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

import voxhub
from voxhub.arrays.errors import BadOperation, BadSelection
from voxhub.arrays.operations._transport import recv, send
from voxhub.arrays.operations.operands import DEFAULT_LIMITS, OperationLimits
from voxhub.arrays.operations.pipeline import Inline, NeedsWorker, Pipeline

# Pipelines running at once per process; more wait for a free worker (within the cap).
MAX_WORKERS = max(2, os.cpu_count() or 1)
# Small inputs without superlinear steps run in the calling thread first, within
# this budget: every step is then at most linear in a few million elements, so
# the run stays well inside a second between two time checks. Past the budget
# the pipeline starts again in a worker. Copying a small input to a worker would
# cost more than the whole query (see benchmarks/bench_openmsi.py).
# 8 Mi elements are 64 MiB as float64, the widest type a linear step produces.
INLINE = Inline(max_elements=8 * 1024 * 1024, max_seconds=1.0)


class _Worker:
    """One worker process (``python -m voxhub.arrays.operations._worker``) and its pipe."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        package_root = str(Path(voxhub.__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, *sys.path])}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voxhub.arrays.operations._worker", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.sock = ours

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait(5)
        self.sock.close()


class WorkerPool:
    """Worker processes of this process, started when first needed."""

    def __init__(self, size: int = MAX_WORKERS) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._slots = threading.BoundedSemaphore(size)
        self._pid = os.getpid()

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.kill()
        return _Worker()

    def run(
        self,
        pipeline: Pipeline,
        data: np.ndarray,
        limits: OperationLimits,
        variables: Mapping[str, np.ndarray] | None,
        deadline: float,
    ) -> np.ndarray:
        if not self._slots.acquire(timeout=_left(deadline)):
            raise _time_cap(pipeline, limits)
        try:
            worker = self._take()
            try:
                # The worker's own clock starts late by the transfer; it checks
                # between steps, this process kills it at the cap.
                given = variables or {}
                names = list(given)
                arrays = [data, *(np.asarray(given[n]) for n in names)]
                send(worker.sock, (pipeline, limits, names), arrays)
                ready, _, _ = select.select([worker.sock], [], [], _left(deadline))
                if not ready:
                    worker.kill()
                    self._start_spare()
                    raise _time_cap(pipeline, limits)
                (status, value), results = recv(worker.sock)
            except (EOFError, OSError):
                worker.kill()
                raise BadOperation(
                    f"{pipeline.param}: the pipeline stopped its worker (out of memory?)"
                ) from None
            except BaseException:
                worker.kill()
                raise
            with self._lock:
                self._idle.append(worker)
        finally:
            self._slots.release()
        if status == "error":
            if isinstance(value, BadSelection):
                raise BadOperation(value.detail)
            raise value
        return results[0]

    def _start_spare(self) -> None:
        """Start a replacement in the background, so the next pipeline need not wait for it."""

        def start() -> None:
            worker = _Worker()
            with self._lock:
                self._idle.append(worker)

        threading.Thread(target=start, name="voxhub-pipeline-spare", daemon=True).start()

    def close(self) -> None:
        with self._lock:
            for worker in self._idle:
                worker.kill()
            self._idle.clear()


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def _time_cap(pipeline: Pipeline, limits: OperationLimits) -> BadOperation:
    return BadOperation(f"{pipeline.param}: pipeline ran longer than {limits.max_seconds} s")


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> WorkerPool:
    """This process's pool (a forked child gets its own)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL._pid != os.getpid():
            _POOL = WorkerPool()
        return _POOL


def run_isolated(
    pipeline: Pipeline,
    data: Any,
    *,
    limits: OperationLimits = DEFAULT_LIMITS,
    variables: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """``pipeline.run(data, ...)``, stopped at ``limits.max_seconds`` wherever it is."""
    deadline = time.monotonic() + limits.max_seconds
    data, rest = pipeline.stream_first(data, limits=limits, deadline=deadline)
    array = np.asarray(data)
    if not rest.steps:
        return array
    held = array.size + sum(np.size(v) for v in (variables or {}).values())
    if held <= INLINE.max_elements // 2 and not rest.superlinear():
        try:
            return rest.run_steps(array, limits=limits, variables=variables, inline=INLINE)
        except NeedsWorker:
            pass  # bigger or slower than it looked: start again where it can be stopped
    return pool().run(rest, array, limits, variables, deadline)


__all__ = ["WorkerPool", "pool", "run_isolated"]
