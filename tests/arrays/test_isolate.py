"""Pipelines run in worker processes: a single long numpy call is stopped at the time cap."""

from __future__ import annotations

import time

import numpy as np
import pytest

from voxhub.arrays.errors import BadOperation
from voxhub.arrays.operations import OperationLimits, parse_operations, run_isolated
from voxhub.arrays.operations.isolate import WorkerPool, pool

LIMITS = OperationLimits()


def test_results_errors_and_variables_cross_to_the_worker_and_back():
    cube = np.arange(2 * 3 * 4, dtype=np.uint16).reshape(2, 3, 4)
    workers = pool()
    later = time.monotonic() + 30
    got = workers.run(
        parse_operations('[{"reduction": "max", "axis": 2}]'), cube, LIMITS, None, later
    )
    np.testing.assert_array_equal(got, cube.max(axis=2))
    bad = parse_operations('[{"reduction": "sum", "axis": 0}, {"reduction": "max", "axis": 5}]')
    with pytest.raises(BadOperation, match=r"^operations\[1\]: axis 5 is out of range"):
        workers.run(bad, cube, LIMITS, None, later)
    merge = parse_operations(
        '[{"transformation": "arithmetic", "operation": "subtract", "x1": "a", "x2": "b"}]',
        inputs=("a", "b"),
    )
    got = workers.run(merge, cube, LIMITS, {"a": cube, "b": np.ones_like(cube)}, later)
    np.testing.assert_array_equal(got, cube - 1)
    empty = workers.run(
        parse_operations('[{"reduction": "argwhere"}]'), cube * 0, LIMITS, None, later
    )
    assert empty.shape == (0, 3)
    complex_result = parse_operations('[{"transformation": "astype", "dtype": "complex64"}]')
    assert workers.run(complex_result, cube, LIMITS, None, later).dtype == np.complex64


def test_one_long_numpy_call_is_killed_at_the_time_cap():
    # One corrcoef of 4000 rows is one numpy call of about a second on an idle machine
    # (2000 rows took 0.15 s there: under the cap, so the test must not rely on load):
    # nothing between steps could interrupt it, only killing its process does.
    rows = np.random.default_rng(0).random((4000, 4000)).astype(np.float32)
    pipeline = parse_operations('[{"reduction": "corrcoef"}]')
    run_isolated(parse_operations('[{"reduction": "max"}]'), rows[:2])  # a worker is up
    before = set(_worker_pids())
    started = time.monotonic()
    with pytest.raises(BadOperation, match="longer than 0.2 s"):
        run_isolated(pipeline, rows, limits=OperationLimits(max_seconds=0.2))
    assert time.monotonic() - started < 3
    gone = before - set(_worker_pids())
    assert gone, "the worker that ran past the cap is still alive"
    # The next pipeline still runs.
    got = run_isolated(parse_operations('[{"reduction": "sum"}]'), np.ones(10))
    assert got == 10


def _worker_pids() -> list[int]:
    current = pool()
    with current._lock:
        return [w.process.pid for w in current._idle if w.alive()]


def test_pool_waits_for_a_free_worker_within_the_cap():
    small = WorkerPool(size=1)
    try:
        pipeline = parse_operations('[{"reduction": "sum"}]')
        assert small.run(pipeline, np.ones(3), OperationLimits(), None, time.monotonic() + 30) == 3
    finally:
        small.close()
