"""The node's HTTP link to its hub: one pooled httpx client and the datastore key."""

from __future__ import annotations

from typing import Any

import httpx

from voxhub.datastore.errors import HubRefused, HubUnreachable

KEY_HEADER = "X-Datastore-Key"


class HubLink:
    """Calls the hub's ``/api/v1/datastore/…`` routes; errors become ``HubUnreachable``
    (no answer) or ``HubRefused`` (an error answer, its detail kept)."""

    def __init__(
        self, hub_url: str, key: str, timeout: float = 5.0, http: httpx.Client | None = None
    ) -> None:
        """``http``: another client to send through (an in-process app's, in tests)."""
        self.hub_url = hub_url.rstrip("/")
        self._headers = {KEY_HEADER: key}
        self._http = http or httpx.Client(
            base_url=self.hub_url,
            timeout=timeout,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(
                method, f"{self.hub_url}/api/v1/datastore/{path}", headers=self._headers, **kwargs
            )
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
