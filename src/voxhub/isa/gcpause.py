"""Keeping Python's cyclic garbage collector off a big model while it is read or written.

Writing a 50 000-row table allocates hundreds of thousands of objects that live on
(nodes, protocols); every time the survivors grow by a quarter the collector runs
a full collection, which walks every object alive, the model's millions of cells
included. That was 40% of an ISA-JSON write (measured with ``bench_isa.py``).

The collector used to be switched off for the call (``gc.disable``), which is
process-wide: inside the server, every other thread's garbage piled up meanwhile.
Instead, :func:`paused_gc` *freezes* what exists when the call starts
(``gc.freeze``: moved to a generation collections skip) and unfreezes it after. The
collector keeps running for everything made since, in every thread; what the freeze
defers is only the collection of cycles among objects that were already alive,
until the call ends.

Long loops call :func:`checkpoint` now and then to freeze what they have made so far.
Pauses nest and may overlap between threads (the server converts in worker threads):
a counter under a lock unfreezes after the last one ends.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

_lock = threading.Lock()
_depth = 0
# How many items a long loop makes between two checkpoints.
CHECKPOINT = 8192

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def paused_gc() -> Iterator[None]:
    global _depth
    with _lock:
        _depth += 1
        gc.freeze()  # (again for a nested or overlapping pause: what it made meanwhile)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.unfreeze()


def checkpoint() -> None:
    """Inside a pause, freeze what the call has made so far too: a long loop calls this
    every few thousand items, so that each collection walks only what it made since."""
    if _depth:
        gc.freeze()


def without_gc(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` with what exists frozen (see :func:`paused_gc`)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused_gc():
            return func(*args, **kwargs)

    return wrapper


__all__ = ["CHECKPOINT", "checkpoint", "paused_gc", "without_gc"]
