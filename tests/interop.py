"""Running webknossos-libs (in ``.venv-interop``: it pins old typer/rich/httpx) as a process."""

from __future__ import annotations

import subprocess
from pathlib import Path

INTEROP_PYTHON = Path(__file__).parents[1] / ".venv-interop" / "bin" / "python"


def run_interop(script: str, *args: str, timeout: float = 600) -> str:
    """Run ``script`` with the interop venv's Python; its standard output."""
    assert INTEROP_PYTHON.exists(), "run `make interop` (make test does) to create .venv-interop"
    result = subprocess.run(
        [str(INTEROP_PYTHON), "-W", "ignore", "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
