"""The bounded in-memory cache of remote objects shared by a process's remote stores."""

from __future__ import annotations

import threading
from collections import OrderedDict


class ChunkCache:
    """A thread-safe LRU of byte strings bounded by their total size."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self._entries: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> bytes | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: tuple[str, ...], value: bytes) -> None:
        if len(value) > self.max_bytes // 4:  # one huge object must not flush everything
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._size -= len(old) if old is not None else 0
            self._entries[key] = value
            self._size += len(value)
            while self._size > self.max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted)

    def discard(self, prefix: tuple[str, ...]) -> None:
        """Drop every entry whose key starts with ``prefix`` (values read with metadata
        found stale)."""
        with self._lock:
            for key in [k for k in self._entries if k[: len(prefix)] == prefix]:
                self._size -= len(self._entries.pop(key))

    @property
    def size(self) -> int:
        return self._size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


__all__ = ["ChunkCache"]
