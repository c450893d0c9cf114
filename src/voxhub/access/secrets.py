"""The server secret that signs session cookies and derives sharing tokens.

``VOXHUB_SECRET_KEY`` when set (every API node must then share it); else a
random key kept in ``<data>/.secret_key`` (mode 0600), created on first use.
Changing it logs everyone out and invalidates every sharing link.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from voxhub.config import Settings

_cache: dict[str, bytes] = {}
_lock = threading.Lock()


def _from_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if not key:  # another process is writing it this very moment
            raise RuntimeError(f"{path} is empty; delete it to generate a new key") from None
        return key.encode()
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key.encode()


def server_secret(settings: Settings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data / ".secret_key"
    key = str(path.resolve())
    with _lock:
        if key not in _cache:
            _cache[key] = _from_file(path)
        return _cache[key]


def derive(secret: bytes, purpose: str, message: str) -> str:
    """A keyed digest (hex) of ``message`` for one ``purpose``."""
    return hmac.new(secret, f"{purpose}:{message}".encode(), hashlib.sha256).hexdigest()
