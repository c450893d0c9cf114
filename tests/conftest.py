"""Shared fixtures: a real data folder, a real database (SQLite, and PostgreSQL
when ``VOXHUB_TEST_DATABASE_URL`` is set), a hub, an app client, small datasets."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.helpers import add_dataset, volume  # noqa: F401  (re-exported for tests)

from voxhub.access.accounts import create_user, issue_token
from voxhub.catalog.register import ensure_organization
from voxhub.config import Settings
from voxhub.hub import Hub
from voxhub.testing import Moto, start_moto

PG_URL = os.environ.get("VOXHUB_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
STORAGES = ["local", "s3"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        metafunc.parametrize("db_backend", BACKENDS, scope="function")
    # Tests marked ``storages`` run once on the data folder and once on S3 (moto).
    if metafunc.definition.get_closest_marker("storages") is not None:
        metafunc.parametrize("storage_backend", STORAGES, indirect=True, scope="function")


@pytest.fixture
def storage_backend(request: pytest.FixtureRequest) -> str:
    """Where the hub keeps datasets: "local" unless the test is marked ``storages``."""
    return getattr(request, "param", "local")


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moto]:
    """moto's stand-alone S3 server on a loopback port, for the whole session."""
    moto = start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    yield moto
    moto.stop()


@pytest.fixture
def storage_settings(request: pytest.FixtureRequest, storage_backend: str) -> dict[str, Any]:
    """Settings that put the datasets on S3 (a fresh bucket) when the backend is "s3"."""
    if storage_backend == "local":
        return {}
    moto: Moto = request.getfixturevalue("moto_server")
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    for name, value in moto.env.items():
        monkeypatch.setenv(name, value)
    bucket = f"voxhub-{uuid.uuid4().hex[:12]}"
    moto.create_bucket(bucket)
    return {"storage": f"s3://{bucket}/hub", "s3_endpoint_url": moto.url}


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
def settings(tmp_path: Path, database_url: str, storage_settings: dict[str, Any]) -> Settings:
    return Settings(
        **storage_settings,
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


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A ``dask.distributed.LocalCluster`` of two worker processes, for the module."""
    from distributed import LocalCluster  # an extra: imported only by the tests that run one

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as local:  # fmt: skip
        yield local
