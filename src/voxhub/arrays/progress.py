"""Running dask work block by block while reporting real progress.

Progress counts finished blocks of the tracked array, never a timer. With a
``dask.distributed`` client active in the process the blocks run on its
cluster (futures reported as they complete); otherwise on the local threaded
scheduler (a scheduler callback counts finished blocks).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.callbacks import Callback
from dask.system import CPU_COUNT

ProgressFn = Callable[[int, int], None]


class _BlockCounter(Callback):
    def __init__(self, name: str, total: int, report: ProgressFn) -> None:
        # No super().__init__(): dask's only stores hooks passed as arguments, and the
        # hooks here are methods.
        self._name = name
        self._total = total
        self._report = report
        self._done = 0
        self._lock = threading.Lock()

    @property
    def done(self) -> int:
        return self._done

    def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        if (key[0] if isinstance(key, tuple) else key) != self._name:
            return
        with self._lock:  # report under the lock so callers see counts in order
            self._done += 1
            self._report(self._done, self._total)


def active_client() -> Any:
    """The ``dask.distributed`` client of this process, or None."""
    try:
        from distributed import default_client

        return default_client()
    except (ImportError, ValueError):
        return None


def compute_blocks(array: da.Array, progress: ProgressFn | None = None) -> np.ndarray:
    """Compute ``array`` (small per-block results), reporting each finished block."""
    total = math.prod(array.numblocks)
    if progress is not None:  # the total at once: a bar reads 0/N, not 0/? until a block ends
        progress(0, total)
    client = active_client()
    if client is not None:
        from distributed import as_completed

        blocks = array.to_delayed()
        futures = client.compute(list(blocks.ravel()))
        for done, _ in enumerate(as_completed(futures), start=1):
            if progress is not None:
                progress(done, total)
        results = np.empty(blocks.shape, dtype=object)
        for index, future in zip(np.ndindex(blocks.shape), futures, strict=True):
            results[index] = future.result()
        return np.block(results.tolist()) if results.size else np.empty(0)
    # Our own pool, shut down before returning or raising: when a block fails or a
    # progress report raises (a cancelled job), dask stops scheduling but blocks
    # already running would go on writing into a staging folder the caller is
    # about to remove. Waiting for them (at most one block per thread) ends that.
    pool = ThreadPoolExecutor(max_workers=dask.config.get("num_workers", None) or CPU_COUNT)
    try:
        result: np.ndarray
        if progress is None:
            (result,) = dask.compute(array, scheduler="threads", pool=pool)
            return result
        counter = _BlockCounter(array.name, total, progress)
        with counter:
            (result,) = dask.compute(array, scheduler="threads", pool=pool)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if counter.done < total:  # graph optimisation can fuse a lone block under another key
        progress(total, total)
    return result
