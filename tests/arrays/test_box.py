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


def test_bands_stream_the_block_in_c_order_with_chunk_aligned_edges(tmp_path):
    import io

    from voxhub.arrays.box import npy_header, plan_box
    from voxhub.arrays.level import LevelView

    data = np.arange(2 * 24 * 10 * 12, dtype=np.uint64).reshape(2, 24, 10, 12) * (2**40 + 3)
    array = zarr.create_array(
        str(tmp_path / "b"), shape=data.shape, chunks=(1, 4, 5, 6), dtype="uint64"
    )
    array[:] = data
    plan = plan_box(LevelView(array), Box((1, 2, 3), (10, 7, 18), Mag(1, 1, 1)), 10_000)
    expected = data[:, 3:21, 2:9, 1:11]
    for band_bytes in (1, 10 * 7 * 8 * 3, 10 * 7 * 8 * 9, 10**9):
        bands = list(plan.bands(band_bytes))
        assert all(b.nbytes <= max(band_bytes, 10 * 7 * 8) for b in bands)
        assert b"".join(b.tobytes() for b in bands) == expected.tobytes()
        assert b"".join(plan.bytes_ahead(band_bytes)) == expected.tobytes()
        # several bands read at once (a remote level): still sent in order
        assert b"".join(plan.bytes_ahead(band_bytes, ahead=3)) == expected.tobytes()
    for reading in (1, 3):
        ahead = plan.bytes_ahead(10 * 7 * 8 * 3, reading)
        assert next(ahead) == expected[:1, :3].tobytes()  # channel 0, z 3-6 (one piece)
        ahead.close()  # a client gone mid-stream: the bands being read ahead are waited for
    depths = [b.shape[1] for b in plan.bands(10 * 7 * 8 * 9)][:3]
    assert depths == [5, 8, 5]  # z 3-8, 8-16, 16-21: edges on chunk edges (depth 4)
    saved = io.BytesIO()
    np.save(saved, expected)
    streamed = npy_header(plan.shape, plan.dtype) + b"".join(b.tobytes() for b in plan.bands(500))
    assert streamed == saved.getvalue()


def test_byte_limit_counts_element_size_and_channels(level):
    from voxhub.arrays.box import plan_box
    from voxhub.arrays.level import LevelView

    box = Box((0, 0, 0), (10, 10, 5), Mag(1, 1, 1))  # 500 voxels of uint16: 1000 bytes
    assert plan_box(LevelView(level), box, 500, 1000).nbytes == 1000
    with pytest.raises(BoxTooLarge, match="1000 bytes"):
        plan_box(LevelView(level), box, 500, 999)
