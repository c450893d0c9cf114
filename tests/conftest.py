"""Shared fixtures: a real data folder, a real database (SQLite, and PostgreSQL
when ``VOXHUB_TEST_DATABASE_URL`` is set), a hub, an app client, small datasets."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.helpers import add_dataset, volume  # noqa: F401  (re-exported for tests)

from voxhub.access.accounts import create_user, issue_token
from voxhub.catalog.register import ensure_organization
from voxhub.config import Settings
from voxhub.hub import Hub

PG_URL = os.environ.get("VOXHUB_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        metafunc.parametrize("db_backend", BACKENDS, scope="function")


@pytest.fixture
def database_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database dropped after."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
        return
    assert PG_URL
    admin_url = make_url(PG_URL)
    name = f"voxhub_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data=tmp_path / "data",
        database_url=database_url,
        chunk_shape=(16, 32, 32),
        scan_interval=0,
        access_cache_seconds=0.0,
        max_box_voxels=64 * 64 * 64,
        workers=0,  # tests that need job workers start them
    )


@pytest.fixture
def hub(settings: Settings) -> Iterator[Hub]:
    hub = Hub(settings).prepare()
    yield hub
    hub.close()


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    from voxhub.api.app import create_app

    with TestClient(create_app(hub)) as test_client:
        yield test_client


@pytest.fixture
def admin_token(hub: Hub) -> str:
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        admin = create_user(session, email="admin@lab.org", organization=org, role="admin")
        return issue_token(session, admin, "tests").token


@pytest.fixture
def outsider_token(hub: Hub) -> str:
    """A member of another organization: sees only public datasets."""
    with hub.transaction() as session:
        org = ensure_organization(session, "elsewhere")
        user = create_user(session, email="guest@elsewhere.org", organization=org)
        return issue_token(session, user, "tests").token
