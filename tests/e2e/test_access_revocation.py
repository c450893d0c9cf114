"""Revocations and grants made by another process (the CLI) reach a running server within 5 s.

A real ``voxhub serve`` keeps answering chunk requests while ``voxhub token revoke``,
``voxhub dataset unshare`` and ``voxhub dataset teams`` run as separate processes against
the same data folder and database. Also: the server's output never shows a token.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from tests.helpers import add_dataset, volume

from voxhub.access import teams as team_service
from voxhub.access.accounts import create_user, issue_token
from voxhub.access.principal import system_principal
from voxhub.catalog.datasets import find_dataset, set_teams
from voxhub.catalog.register import ensure_organization
from voxhub.config import Settings
from voxhub.hub import Hub
from voxhub.testing import VOXHUB, start_server

pytestmark = pytest.mark.e2e
CHUNK = "/zarr/lab/em/color/1/c/0/0/0/0"
DEADLINE = 5.0


def prepare(data: Path, database_url: str) -> dict[str, str | int]:
    hub = Hub(Settings(data=data, database_url=database_url)).prepare()
    add_dataset(hub, "lab", "em", volume((8, 32, 32)))
    operator = system_principal("tests")
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        team_a = team_service.create_team(session, operator, org, "A")
        team_service.create_team(session, operator, org, "B")
        alice = create_user(session, email="alice@lab.org", organization=org)
        bob = create_user(session, email="bob@lab.org", organization=org)
        team_service.set_member(session, operator, team_a, alice)
        em = find_dataset(session, "lab", "em")
        set_teams(session, operator, em, [team_a.id])
        alice_token = issue_token(session, alice, "e2e")
        bob_token = issue_token(session, bob, "e2e")
        made = {"alice": alice_token.token, "alice_id": alice_token.row.id, "bob": bob_token.token}
    hub.close()
    return made


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([VOXHUB, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def seconds_until(check: Callable[[], bool], limit: float = 15.0) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < limit, "the change never arrived"
        time.sleep(0.05)
    took = time.monotonic() - start
    print(f"arrived after {took:.2f} s")  # shown with -s
    return took


@pytest.fixture
def served(tmp_path, database_url):
    data = tmp_path / "data"
    made = prepare(data, database_url)
    env = {
        "VOXHUB_DATABASE_URL": database_url,
        "VOXHUB_SAMPLE": "false",
        "VOXHUB_SCAN_INTERVAL": "0",
        "VOXHUB_WORKERS": "0",
    }
    server = start_server(data, env)
    yield server, made
    server.stop()


def test_changes_from_other_processes_arrive_within_five_seconds(served):
    server, made = served
    env = {**os.environ, **server.env}
    with httpx.Client(base_url=server.url, timeout=10) as http:

        def status(bearer: str | None = None, **params: str) -> int:
            headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
            return http.get(CHUNK, headers=headers, params=params).status_code

        # a personal token revoked by `voxhub token revoke`
        assert status(made["alice"]) == 200
        cli(env, "token", "revoke", str(made["alice_id"]), "--user", "alice@lab.org")
        assert seconds_until(lambda: status(made["alice"]) == 401) < DEADLINE

        # a sharing link created, then revoked by `voxhub dataset unshare`
        share = cli(env, "dataset", "share", "lab/em").strip().splitlines()[-1]
        assert seconds_until(lambda: status(token=share) == 200) < DEADLINE
        assert http.get(f"/zarr/token/{share}/lab/em/color/zarr.json").status_code == 200
        cli(env, "dataset", "unshare", "lab/em")
        assert seconds_until(lambda: status(token=share) == 404) < DEADLINE

        # a grant: team B on the dataset lets bob in, and taking it away shuts him out
        assert status(made["bob"]) == 404
        cli(env, "team", "member", "B", "bob@lab.org", "--org", "lab")
        cli(env, "dataset", "teams", "lab/em", "--team", "B")
        assert seconds_until(lambda: status(made["bob"]) == 200) < DEADLINE
        cli(env, "dataset", "teams", "lab/em", "--clear")
        assert seconds_until(lambda: status(made["bob"]) == 404) < DEADLINE

    output = Path(server.data.parent / f"serve-{server.url.rsplit(':', 1)[1]}.log").read_text()
    for secret in (made["alice"], made["bob"], share):
        assert secret not in output
