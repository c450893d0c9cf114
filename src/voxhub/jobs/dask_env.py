"""Where a job's dask work runs: the threaded scheduler, or a distributed cluster.

When ``VOXHUB_DASK_SCHEDULER`` names a scheduler, each worker process keeps
one ``distributed.Client`` connected to it as the process default;
``voxhub.arrays.progress.compute_blocks`` then runs blocks on that cluster.
"""

from __future__ import annotations

import threading
from typing import Any

from voxhub.extras import optional

_lock = threading.Lock()
_clients: dict[str, Any] = {}


def connect(address: str | None) -> Any:
    """The process's client for ``address`` (created once); None for the local scheduler."""
    if not address:
        return None
    with _lock:
        client = _clients.get(address)
        if client is not None and client.status in ("running", "connecting"):
            return client
        Client = optional("distributed", "distributed", "VOXHUB_DASK_SCHEDULER").Client

        client = Client(address, set_as_default=True, timeout="20s")
        _clients[address] = client
        return client


def close_all() -> None:
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
