"""Property-based requests against the app's own OpenAPI schema: no input makes a 5xx.

Schemathesis generates requests for every operation from its schema (path,
query, headers, bodies, including what the schema allows at its edges: huge
integers, odd strings, NUL bytes). They go through the ASGI app on a real
SQLite catalog holding one dataset, once anonymously and once as an
organization admin. The number of examples per operation is bounded so the
whole run stays within a few minutes on two cores.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from tests.helpers import add_dataset

from voxhub.access.accounts import create_user, issue_token
from voxhub.catalog.register import ensure_organization
from voxhub.config import Settings
from voxhub.hub import Hub
from voxhub.web.openapi import current_schema

# Generated examples per operation and caller, on top of schemathesis' coverage cases
# (edges of every parameter: huge integers, empty and odd strings, missing fields).
EXAMPLES = 3


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, str]]:
    root: Path = tmp_path_factory.mktemp("schemathesis")
    hub = Hub(
        Settings(
            data=root / "data",
            database_url=f"sqlite:///{root / 'catalog.sqlite3'}",
            chunk_shape=(16, 32, 32),
            scan_interval=0,
            access_cache_seconds=0.0,
            max_box_voxels=64 * 64 * 64,
            workers=0,
            import_roots=(root,),
        )
    ).prepare()
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        admin = create_user(session, email="admin@lab.org", organization=org, role="admin")
        token = issue_token(session, admin, "schemathesis").token
    add_dataset(hub, "lab", "cells", public=True)
    yield hub, token
    hub.close()


@pytest.fixture(scope="module")
def app(world: tuple[Hub, str]) -> Any:
    from voxhub.api.app import create_app

    return create_app(world[0])


# The schema as the source defines it (no data folder touched); requests go to ``app``.
schema = schemathesis.openapi.from_dict(current_schema())
STATUSES: Counter[int] = Counter()


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@SETTINGS
def test_no_anonymous_input_makes_a_server_error(case, app: Any) -> None:
    _check(case, app, {})


@schema.parametrize()
@SETTINGS
def test_no_admin_input_makes_a_server_error(case, app: Any, world: tuple[Hub, str]) -> None:
    """As an organization admin, requests get past the permission check into the handlers."""
    _check(case, app, {"Authorization": f"Bearer {world[1]}"})


def _check(case, app: Any, caller: dict[str, str]) -> None:
    response = case.call(app=app, headers={**(case.headers or {}), **caller})
    STATUSES[response.status_code] += 1
    assert response.status_code < 500, (
        f"{response.status_code} {case.method} {case.formatted_path} query={case.query} "
        f"body={str(case.body)[:300]} -> {response.text[:300]}"
    )
