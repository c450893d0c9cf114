"""The node's HTTP link to its hub: one pooled httpx client and the datastore key."""

from __future__ import annotations

from typing import Any

import httpx

from voxhub.datastore.errors import HubRefused, HubUnreachable

KEY_HEADER = "X-Datastore-Key"


class HubLink:
    """Calls the hub's ``/api/v1/datastore/…`` routes; errors become ``HubUnreachable``
    (no answer) or ``HubRefused`` (an error answer, its detail kept)."""

    def __init__(self, hub_url: str, key: str, timeout: float = 5.0) -> None:
        self.hub_url = hub_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.hub_url,
            headers={KEY_HEADER: key},
            timeout=timeout,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, f"/api/v1/datastore/{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise HubUnreachable(f"the hub at {self.hub_url} does not answer: {exc}") from None
        if response.status_code >= 500:
            raise HubUnreachable(f"the hub at {self.hub_url} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise HubUnreachable(f"the hub at {self.hub_url} answered no JSON") from None
        if response.status_code >= 400:
            detail = body.get("detail", "") if isinstance(body, dict) else ""
            raise HubRefused(f"the hub refused: {detail or response.status_code}")
        return body

    def close(self) -> None:
        self._http.close()
