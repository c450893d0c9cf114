"""/ui serves the built web app: the shell for every client-side route, hashed assets, redirects."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from voxhub.api import ui


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><div id=root></div>")
    (folder / "assets" / "index-abc123.js").write_text("console.log('app')")
    (tmp_path / "secret.txt").write_text("not part of the app")
    monkeypatch.setattr(ui, "DIST", folder)
    return folder


def test_root_redirects_to_the_app(client: TestClient) -> None:
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == "/ui/"


def test_every_client_route_gets_the_shell(client: TestClient, dist: Path) -> None:
    for path in ("/ui/", "/ui/datasets", "/ui/view/lab/brain", "/ui/assets/missing.js"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.text.startswith("<!doctype html>")
        assert answer.headers["cache-control"] == "no-cache"


def test_assets_are_served_and_cached_for_ever(client: TestClient, dist: Path) -> None:
    answer = client.get("/ui/assets/index-abc123.js")
    assert answer.status_code == 200
    assert answer.text == "console.log('app')"
    assert "immutable" in answer.headers["cache-control"]


@pytest.mark.parametrize(
    "path", ["/ui/assets/../../secret.txt", "/ui/assets/%2e%2e/%2e%2e/secret.txt"]
)
def test_no_file_outside_the_build(client: TestClient, dist: Path, path: str) -> None:
    answer = client.get(path)
    assert "not part of the app" not in answer.text


def test_unbuilt_app_is_a_clear_503(client: TestClient, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ui, "DIST", tmp_path / "nowhere")
    answer = client.get("/ui/")
    assert answer.status_code == 503
    assert answer.json()["error"] == "ui_not_built"
    assert "make" in answer.json()["detail"]
