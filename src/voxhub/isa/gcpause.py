"""Pausing Python's cyclic garbage collector while a big table is read or written.

Reading or writing a 50 000-row table allocates millions of small objects (cells,
dicts, strings) that live on; every few hundred allocations the collector runs,
and each full collection walks every object alive, the model included. A third of
the time of an ISA-JSON write went there (measured with ``bench_isa.py``). The
objects made here form no reference cycles the collector would be needed for, so
it is paused for the call and the skipped collection happens after it.

Pauses nest and may overlap between threads (the server converts in worker
threads): a counter under a lock turns the collector off for the first and back on
after the last, and only if it was on before.
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
_was_enabled = False

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def paused_gc() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def without_gc(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` with the collector paused (see :func:`paused_gc`)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused_gc():
            return func(*args, **kwargs)

    return wrapper


__all__ = ["paused_gc", "without_gc"]
