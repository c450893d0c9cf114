import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from voxhub.arrays.downsample import mean_block, mode_block, stride_block

FACTORS = st.sampled_from([(1, 2, 2, 2), (1, 1, 2, 2), (1, 2, 1, 1)])


def test_mean_of_a_2x2x2_block():
    block = np.arange(8, dtype=np.uint8).reshape(1, 2, 2, 2)
    assert mean_block(block, (1, 2, 2, 2)).item() == 4  # 3.5 rounds to even


def test_mode_picks_the_majority_label():
    block = np.array([5, 5, 5, 7, 7, 0, 0, 9], dtype=np.uint32).reshape(1, 2, 2, 2)
    assert mode_block(block, (1, 2, 2, 2)).item() == 5


def test_odd_sizes_keep_the_last_voxel():
    block = np.arange(3 * 5 * 7, dtype=np.uint16).reshape(1, 3, 5, 7)
    assert mean_block(block, (1, 2, 2, 2)).shape == (1, 2, 3, 4)
    assert mode_block(block, (1, 2, 2, 2)).shape == (1, 2, 3, 4)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.uint32, st.tuples(st.just(1), *[st.integers(1, 7)] * 3), elements=st.integers(0, 6)),
    FACTORS,
)
def test_mode_and_stride_never_invent_labels(block, factor):
    labels = set(np.unique(block).tolist())
    assert set(np.unique(mode_block(block, factor)).tolist()) <= labels
    assert set(np.unique(stride_block(block, factor)).tolist()) <= labels


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.just(1), *[st.integers(1, 7)] * 3)), FACTORS)
def test_mean_stays_within_the_input_range(block, factor):
    result = mean_block(block, factor)
    assert result.dtype == block.dtype
    assert block.min() <= result.min() and result.max() <= block.max()
