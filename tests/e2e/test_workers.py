"""``voxhub worker`` processes: racing for jobs, and a worker killed mid-conversion."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import tests.jobs.kinds_for_tests  # noqa: F401  (test.record, for submitting here)
import zarr
from tests.formats import samples
from tests.helpers import volume

from voxhub.config import Settings
from voxhub.db.jobs_models import Job
from voxhub.db.models import Dataset
from voxhub.hub import Hub
from voxhub.jobs import service

pytestmark = pytest.mark.e2e
VOXHUB = str(Path(sys.executable).parent / "voxhub")
ROOT = Path(__file__).parents[2]


def start_worker(data: Path, database_url: str, log: Path, **env_extra) -> subprocess.Popen:
    env = {
        **os.environ,
        "VOXHUB_DATA": str(data),
        "VOXHUB_DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT / "tests" / "jobs"),  # a site-packages ``tests`` would shadow ours
        **{f"VOXHUB_{k.upper()}": str(v) for k, v in env_extra.items()},
    }
    args = [VOXHUB, "worker", "--poll", "0.1", "--plugin", "kinds_for_tests"]
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


# Starting a worker imports the whole scientific stack: on a loaded 2-core machine that has
# taken over a minute, and it is not what these tests check.
STARTUP = 300


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def hub(tmp_path, database_url):
    hub = Hub(Settings(data=tmp_path / "data", database_url=database_url, workers=0,
                       chunk_shape=(8, 32, 32))).prepare()  # fmt: skip
    yield hub
    hub.close()


def jobs(hub):
    with hub.transaction() as session:
        return session.query(Job).order_by(Job.id).all()


def test_two_worker_processes_run_every_job_exactly_once(hub, tmp_path, database_url):
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    workers = [start_worker(hub.settings.data, database_url, log) for log in logs]
    try:
        wait_for(
            lambda: all("voxhub worker:" in log.read_text() for log in logs), STARTUP, "workers"
        )
        runs = tmp_path / "runs.log"
        with hub.transaction() as session:
            for _ in range(16):
                service.submit(session, "test.record", {"log": str(runs), "sleep": 0.15})
        wait_for(lambda: all(j.state == "succeeded" for j in jobs(hub)), 60, "all jobs")
    finally:
        for process in workers:
            process.terminate()
            process.wait(timeout=20)
    counts = Counter(int(line) for line in runs.read_text().split())
    assert sorted(counts) == [j.id for j in jobs(hub)]
    assert set(counts.values()) == {1}, counts
    assert {j.attempts for j in jobs(hub)} == {1}
    by_worker = Counter(j.worker.rsplit(":", 1)[0] for j in jobs(hub))
    assert len(by_worker) == 2, f"one process took every job: {by_worker}"


def test_a_killed_worker_leaves_its_conversion_to_another(hub, tmp_path, database_url):
    data = volume((32, 256, 256))
    path, _ = samples.slices_png(tmp_path / "png", data)
    with hub.transaction() as session:
        job_id = service.submit(
            session, "convert", {"source": str(path), "organization": "lab", "dataset": "em"},
            max_attempts=3,
        ).id  # fmt: skip
    timing = {"job_heartbeat_seconds": 0.1, "job_timeout_seconds": 2, "chunk_shape": "4,16,16"}
    first = start_worker(hub.settings.data, database_url, tmp_path / "first.log", **timing)
    try:
        wait_for(lambda: jobs(hub)[0].progress > 0.05, 90, "the conversion to make progress")
        assert jobs(hub)[0].progress < 0.95, "the conversion finished before the kill"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert jobs(hub)[0].state == "running"
    assert not hub.data_root.dataset_dir("lab", "em").exists()
    second = start_worker(hub.settings.data, database_url, tmp_path / "second.log", **timing)
    try:
        wait_for(lambda: jobs(hub)[0].state in ("succeeded", "failed"), 120, "the retry")
    finally:
        second.terminate()
        second.wait(timeout=20)
    job = jobs(hub)[0]
    assert (job.id, job.state, job.attempts) == (job_id, "succeeded", 2), job.error
    with hub.transaction() as session:
        assert [d.name for d in session.query(Dataset).all()] == ["em"]
    assert [p.name for p in (hub.settings.binary_data / "lab").iterdir()] == ["em"]
    level = zarr.open_array(str(hub.data_root.dataset_dir("lab", "em") / "color" / "1"))
    assert np.array_equal(level[0], data)
