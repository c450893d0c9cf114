"""Tokens remembered by ``voxhub login``: one per server URL, in a file only the user can read."""

from __future__ import annotations

import json
import os
from pathlib import Path


def credentials_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "voxhub" / "credentials.json"


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def normalise(url: str) -> str:
    return url.rstrip("/")


def save_token(url: str, token: str, path: Path | None = None) -> Path:
    """Remember ``token`` for ``url``; the file is created with mode 0600."""
    path = path or credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored = _read(path)
    stored[normalise(url)] = token
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(stored, f, indent=1)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    return path


def stored_token(url: str, path: Path | None = None) -> str | None:
    return _read(path or credentials_file()).get(normalise(url))


def default_server(path: Path | None = None) -> str | None:
    """The server logged in to last (``VOXHUB_URL`` wins)."""
    if os.environ.get("VOXHUB_URL"):
        return os.environ["VOXHUB_URL"]
    stored = _read(path or credentials_file())
    return next(reversed(stored), None) if stored else None
