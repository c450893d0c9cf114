"""What killed writers leave is removed at start-up, and only that (issue 9 item 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from voxhub.cli import app
from voxhub.config import get_settings
from voxhub.db.jobs_models import Job
from voxhub.db.models import utcnow
from voxhub.jobs import service
from voxhub.jobs.leftovers import clean_leftovers
from voxhub.storage.local import OWNER_FILE, staging_folder, staging_owned_by, staging_owner


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def leftover(hub, name: str, owner: dict | None, age: float = 0.0):
    folder = hub.settings.staging / name
    (folder / "ds" / "color").mkdir(parents=True)
    if owner is not None:
        (folder / OWNER_FILE).write_text(json.dumps(owner))
    if age:
        then = folder.stat().st_mtime - age
        os.utime(folder, (then, then))
    return folder


def running_job(hub, worker: str, heartbeat_age: float) -> int:
    with hub.transaction() as session:
        job = service.submit(session, "convert", {})
        session.flush()
        beat = utcnow() - timedelta(seconds=heartbeat_age)
        claimed = {"state": "running", "worker": worker, "heartbeat": beat}
        session.execute(update(Job).where(Job.id == job.id).values(**claimed))
        return job.id


def test_only_folders_of_dead_writers_go(hub):
    import socket

    here = socket.gethostname()
    live_job = running_job(hub, "far:1:a", 0)
    dead_job = running_job(hub, "far:2:b", 3600)
    kept = [
        leftover(hub, "mine", {"host": here, "pid": os.getpid(), "job": None}),
        leftover(hub, "far-live", {"host": "far", "pid": 1, "job": live_job}),
        leftover(hub, "far-cli", {"host": "far", "pid": 1, "job": None}),
        leftover(hub, "new-unowned", None),
    ]
    gone = [
        leftover(hub, "killed-here", {"host": here, "pid": dead_pid(), "job": 7}),
        leftover(hub, "far-dead", {"host": "far", "pid": 2, "job": dead_job}),
        leftover(hub, "old-unowned", None, age=2 * 3600),
    ]
    assert clean_leftovers(hub) == (3, 0)
    assert all(folder.exists() for folder in kept)
    assert not any(folder.exists() for folder in gone)


def test_staging_folders_name_their_owner(tmp_path):
    with staging_owned_by(42), staging_folder(tmp_path) as folder:
        owner = staging_owner(folder)
    assert owner["job"] == 42 and owner["pid"] == os.getpid()
    assert not folder.exists()


@pytest.fixture
def cli(hub, monkeypatch):
    monkeypatch.setenv("VOXHUB_DATA", str(hub.settings.data))
    monkeypatch.setenv("VOXHUB_DATABASE_URL", hub.settings.resolved_database_url)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, list(args))
    get_settings.cache_clear()


def test_a_worker_start_removes_what_a_killed_import_left(hub, cli):
    import socket

    killed = leftover(hub, "killed", {"host": socket.gethostname(), "pid": dead_pid(), "job": 1})
    result = cli("worker", "--once")
    assert result.exit_code == 0, result.output
    assert not killed.exists()
