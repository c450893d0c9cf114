"""Fixtures of the CLI tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from typer.testing import CliRunner, Result

from voxhub.cli import app
from voxhub.config import get_settings


@pytest.fixture
def cli_result(hub, monkeypatch) -> Iterator[Callable[..., Result]]:
    """``cli_result("user", "add", ..., input=...)``: the CLI in-process on the test's hub.

    Asserts the exit status (``ok=False``: a refusal) and that no traceback leaked.
    """
    monkeypatch.setenv("VOXHUB_DATA", str(hub.settings.data))
    monkeypatch.setenv("VOXHUB_DATABASE_URL", hub.settings.resolved_database_url)
    get_settings.cache_clear()

    def run(*args: str, input: str | None = None, ok: bool = True) -> Result:
        result = CliRunner().invoke(app, list(args), input=input)
        assert (result.exit_code == 0) == ok, result.output
        assert "Traceback" not in result.output
        return result

    yield run
    get_settings.cache_clear()


@pytest.fixture
def cli(cli_result: Callable[..., Result]) -> Callable[..., str]:
    """Like ``cli_result``, giving the output."""

    def run(*args: str, ok: bool = True) -> str:
        return str(cli_result(*args, ok=ok).output)

    return run
