"""Access answers from the hub, cached on the node for ``VOXHUB_ACCESS_CACHE_SECONDS``.

A datastore holds no users, tokens or grants. For each (credentials, dataset)
it asks the hub once and reuses the answer for as long as the hub says
(its own ``access_cache_seconds``), so a token revoked on the hub stops
working here within that time plus the hub's own refresh. When the hub does
not answer, the node refuses (503) rather than guess.
"""

from __future__ import annotations

import threading
import time

from voxhub.access.principal import Presented, Principal
from voxhub.datastore.link import HubLink

MAX_CACHED = 50_000  # random credentials must not grow the cache without bound
Key = tuple[str | None, str | None, frozenset[str], str, str]


class HubAccess:
    """``may_view`` for ``can()`` on a node; also its ``authenticator``."""

    asks_hub = True  # a check may wait for the network: callers keep it off the event loop

    def __init__(self, link: HubLink, cache_seconds: float) -> None:
        self._link = link
        self.cache_seconds = cache_seconds
        self._cache: dict[Key, tuple[bool, float]] = {}
        self._lock = threading.Lock()
        self.asked = 0  # questions sent to the hub (tests and benchmarks read it)

    def from_token(self, token: str | None) -> Principal:
        """Whatever token came along; the hub judges it with the dataset in question."""
        return Principal(presented=Presented(self, token=token or None))

    def from_session(self, _session_id: str) -> None:
        return None  # a node cannot read the hub's signed cookies; it forwards them whole

    def may_view(self, principal: Principal, organization: str, name: str) -> bool:
        presented = principal.presented
        assert presented is not None
        key: Key = (
            presented.token, presented.session, principal.share_token_hashes, organization, name
        )  # fmt: skip
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        answer = self._link.call(
            "POST",
            "access",
            json={
                "organization": organization,
                "dataset": name,
                "token": presented.token,
                "session": presented.session,
                "shareTokenHashes": sorted(principal.share_token_hashes),
            },
        )
        self.asked += 1
        allowed = bool(answer.get("allowed"))
        seconds = min(float(answer.get("cacheSeconds", self.cache_seconds)), self.cache_seconds)
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._cache = {}
            self._cache[key] = (allowed, now + seconds)
        return allowed
