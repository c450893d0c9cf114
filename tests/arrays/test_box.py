import numpy as np
import pytest
import zarr

from voxhub.arrays.box import Box, read_box
from voxhub.arrays.errors import BadBox, BoxTooLarge
from voxhub.arrays.mag import Mag


@pytest.fixture
def level(tmp_path):
    array = zarr.create_array(
        str(tmp_path / "a"), shape=(1, 10, 20, 30), chunks=(1, 4, 8, 8), dtype="uint16"
    )
    array[:] = np.arange(6000, dtype=np.uint16).reshape(1, 10, 20, 30)
    return array


def test_reads_exactly_the_box(level):
    block = read_box(level, Box((3, 2, 1), (5, 4, 3), Mag(1, 1, 1)), 10_000)
    assert np.array_equal(block, level[:, 1:4, 2:6, 3:8])


def test_offsets_are_in_mag1_voxels(level):
    block = read_box(level, Box((4, 2, 0), (2, 2, 1), Mag(2, 2, 1)), 10_000)
    assert np.array_equal(block, level[:, 0:1, 1:3, 2:4])


@pytest.mark.parametrize(
    ("box", "message"),
    [
        (Box((0, 0, 0), (31, 1, 1), Mag(1, 1, 1)), "x=31"),
        (Box((0, 0, 8), (1, 1, 3), Mag(1, 1, 1)), "z=11"),
        (Box((-1, 0, 0), (1, 1, 1), Mag(1, 1, 1)), "negative"),
        (Box((0, 0, 0), (0, 1, 1), Mag(1, 1, 1)), "positive"),
        (Box((1, 0, 0), (1, 1, 1), Mag(2, 2, 1)), "multiple"),
    ],
)
def test_bad_boxes_say_why(level, box, message):
    with pytest.raises(BadBox, match=message):
        read_box(level, box, 10_000)


def test_too_large_boxes_are_refused(level):
    with pytest.raises(BoxTooLarge):
        read_box(level, Box((0, 0, 0), (30, 20, 10), Mag(1, 1, 1)), 100)
