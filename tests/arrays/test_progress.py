"""A cancelled computation leaves no block still writing when compute_blocks returns."""

import threading
import time

import dask.array as da
import numpy as np
import pytest

from voxhub.arrays.progress import compute_blocks


class Cancelled(Exception):
    pass


def test_blocks_stop_writing_before_a_cancel_is_raised(tmp_path):
    written: list[int] = []
    lock = threading.Lock()

    def slow_write(block: np.ndarray, block_info=None) -> np.ndarray:
        time.sleep(0.05)
        with lock:
            written.append(block_info[0]["chunk-location"][0])
        return block[:1]

    array = da.zeros((64, 4), chunks=(1, 4)).map_blocks(slow_write, chunks=(1, 4), dtype=float)

    def cancel_early(done: int, total: int) -> None:
        if done >= 2:
            raise Cancelled

    with pytest.raises(Cancelled):
        compute_blocks(array, cancel_early)
    after_return = len(written)
    time.sleep(0.5)
    assert len(written) == after_return, "blocks kept running after the cancel was raised"
    assert after_return < 64


def test_the_total_is_reported_before_the_first_block_finishes():
    reports: list[tuple[int, int]] = []
    array = da.zeros((8, 4), chunks=(2, 4)).map_blocks(lambda b: b[:1], chunks=(1, 4))
    compute_blocks(array, lambda done, total: reports.append((done, total)))
    assert reports[0] == (0, 4)
    assert reports[-1] == (4, 4) and [d for d, _ in reports] == sorted(d for d, _ in reports)
