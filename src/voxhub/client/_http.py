"""One httpx client per ``Client``: base URL, token, error translation at the boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from voxhub.client.errors import TransportError, error_for


class Http:
    """Thin wrapper: every non-2xx answer becomes the matching ``ApiError``."""

    def __init__(self, url: str, token: str | None, timeout: float, max_connections: int) -> None:
        self.url = url.rstrip("/")
        self.token = token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout, limits=limits
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise TransportError(f"{self.url}: {exc}") from exc
        if response.status_code >= 400:
            raise _error(response)
        return response

    @contextmanager
    def stream(self, method: str, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """The answer with its body still to read (``iter_raw``); errors as ``request``'s."""
        try:
            with self._http.stream(method, path, **kwargs) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error(response)
                yield response
        except httpx.TransportError as exc:  # also a body cut short while it is read
            raise TransportError(f"{self.url}: {exc}") from exc

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else None

    def close(self) -> None:
        self._http.close()


def _error(response: httpx.Response) -> Exception:
    try:
        body = response.json()
    except ValueError:
        body = None
    return error_for(response.status_code, body)
