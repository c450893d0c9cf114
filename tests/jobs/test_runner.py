"""Workers on a real database: outcomes, cancel, heartbeats, re-queue after a lost worker."""

import threading
import time

import pytest
import tests.jobs.kinds_for_tests  # noqa: F401  (registers test.* kinds)
from sqlalchemy import update

from voxhub.access.principal import Principal
from voxhub.db.jobs_models import Job
from voxhub.jobs import queue, service
from voxhub.jobs.errors import UnknownJobKind
from voxhub.jobs.runner import Worker, WorkerPool

SUPER = Principal(user_id=0, is_superuser=True)


def submit(hub, kind, params=None, **kwargs):
    with hub.transaction() as session:
        return service.submit(session, kind, params or {}, **kwargs).id


def job(hub, job_id) -> Job:
    with hub.transaction() as session:
        return session.get(Job, job_id)


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def fast(hub):
    hub.settings.job_heartbeat_seconds = 0.05
    hub.settings.job_timeout_seconds = 0.5
    return hub


def test_a_job_runs_once_and_records_its_result(hub):
    job_id = submit(hub, "test.echo", {"x": 1})
    worker = Worker(hub, "w1")
    assert worker.run_once() == job_id
    assert worker.run_once() is None
    row = job(hub, job_id)
    assert row.state == "succeeded"
    assert row.result == {"echo": {"x": 1}, "attempt": 1}
    assert row.progress == 1.0 and row.attempts == 1 and row.worker == "w1"
    assert row.started <= row.finished


def test_voxhub_errors_fail_the_job_with_their_detail(hub):
    refused = submit(hub, "test.refuse")
    crashed = submit(hub, "test.crash")
    worker = Worker(hub)
    worker.run_once()
    worker.run_once()
    assert (job(hub, refused).state, job(hub, refused).error_code) == ("failed", "invalid_input")
    assert job(hub, refused).error == "the parameters make no sense"
    assert job(hub, crashed).error_code == "internal_error"
    assert "boom" in job(hub, crashed).error


def test_unknown_kinds_are_refused_at_submission(hub):
    with pytest.raises(UnknownJobKind):
        submit(hub, "no.such.kind")


def test_cancel_stops_a_running_job_at_its_next_progress(fast):
    job_id = submit(fast, "test.slow", {"steps": 500})
    pool = WorkerPool(fast, 1, poll_seconds=0.05).start()
    try:
        wait_for(lambda: job(fast, job_id).progress > 0)
        with fast.transaction() as session:
            service.cancel(session, SUPER, job_id)
        wait_for(lambda: job(fast, job_id).state == "cancelled")
    finally:
        pool.stop()
    row = job(fast, job_id)
    assert 0 < row.progress < 1 and row.result is None


def test_progress_is_flushed_by_the_heartbeat(fast):
    job_id = submit(fast, "test.slow", {"steps": 100, "sleep": 0.01})
    pool = WorkerPool(fast, 1, poll_seconds=0.05).start()
    try:
        seen = wait_for(lambda: job(fast, job_id).progress)
        assert 0 < seen <= 1
        assert job(fast, job_id).message.startswith("step")
        wait_for(lambda: job(fast, job_id).state == "succeeded")
    finally:
        pool.stop()


def test_a_silent_workers_job_is_requeued_and_run_again(fast):
    job_id = submit(fast, "test.echo", max_attempts=3)
    dead = queue.claim_next(fast.sessions, "dead-worker")  # claims, then never beats again
    assert dead.id == job_id and dead.attempt == 1
    time.sleep(0.6)
    survivor = Worker(fast, "survivor")
    survivor.housekeeping(force=True)
    assert job(fast, job_id).state == "queued"
    assert survivor.run_once() == job_id
    row = job(fast, job_id)
    assert (row.state, row.attempts, row.worker) == ("succeeded", 2, "survivor")
    # the dead worker's late report is dropped: it no longer owns the job
    assert not queue.finish(fast.sessions, job_id, "dead-worker", "failed", error="late")
    assert job(fast, job_id).state == "succeeded"


def test_a_job_that_loses_every_worker_fails(fast):
    job_id = submit(fast, "test.echo", max_attempts=1)
    queue.claim_next(fast.sessions, "dead-worker")
    time.sleep(0.6)
    Worker(fast).housekeeping(force=True)
    row = job(fast, job_id)
    assert (row.state, row.error_code) == ("failed", "worker_lost")


def test_a_worker_that_lost_its_job_stops_it(fast):
    job_id = submit(fast, "test.slow", {"steps": 1000})
    pool = WorkerPool(fast, 1, poll_seconds=0.05).start()
    try:
        wait_for(lambda: job(fast, job_id).progress > 0)
        with fast.transaction() as session:  # as if another worker took it over
            session.execute(update(Job).where(Job.id == job_id).values(worker="other"))
        time.sleep(0.5)
    finally:
        pool.stop(timeout=10)
    row = job(fast, job_id)
    assert (row.state, row.worker, row.result) == ("running", "other", None)


def test_concurrent_claimers_take_each_job_exactly_once(hub):
    ids = [submit(hub, "test.echo", {"n": n}) for n in range(30)]
    claimed: list[int] = []
    lock = threading.Lock()

    def claimer(name):
        while (found := queue.claim_next(hub.sessions, name)) is not None:
            with lock:
                claimed.append(found.id)

    threads = [threading.Thread(target=claimer, args=(f"c{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == ids
    assert {job(hub, i).attempts for i in ids} == {1}
