"""LevelView: any stored axis order read as (c, z, y, x)."""

import numpy as np
import pytest
import zarr
from zarr.codecs import BloscCodec

from voxhub.arrays.box import Box, read_box
from voxhub.arrays.chunkread import fast_oindex
from voxhub.arrays.errors import BadMetadata
from voxhub.arrays.level import AxisMap, LevelView
from voxhub.arrays.mag import Mag
from voxhub.arrays.msi.cube import CubeView

CZYX = np.arange(2 * 6 * 10 * 12, dtype=np.uint16).reshape(2, 6, 10, 12)


def stored(tmp_path, names, chunks=None, compressors="auto"):
    """CZYX stored in the order ``names`` (axes it lacks are taken at index 0)."""
    data = CZYX
    order = [a for a in "czyx" if a in names]
    data = CZYX[tuple(slice(None) if a in names else 0 for a in "czyx")]
    data = np.transpose(data, [order.index(n) for n in names])
    array = zarr.create_array(
        str(tmp_path / "".join(names)),
        shape=data.shape,
        chunks=chunks or tuple(max(1, s // 2) for s in data.shape),
        dtype=data.dtype,
        compressors=compressors,
    )
    array[:] = data
    return array


@pytest.mark.parametrize("names", ["czyx", "cxyz", "xyzc", "zyx", "yx", "zcyx"])
def test_every_stored_order_reads_as_czyx(tmp_path, names):
    view = LevelView(stored(tmp_path, names), AxisMap(tuple(names)))
    expected = CZYX[tuple(slice(None) if a in names else slice(0, 1) for a in "czyx")]
    assert view.shape == expected.shape
    assert np.array_equal(view[:], expected)
    assert np.array_equal(view[:, 1:4, 2:9, 3:11], expected[:, 1:4, 2:9, 3:11])
    assert np.array_equal(view[0, :, 5], expected[0, :, 5])
    rows = np.array([1, 4, 7])
    assert np.array_equal(view.oindex[:, :, rows, 2:5], expected[:, :, rows, 2:5])
    points = (np.zeros(3, int), np.zeros(3, int), rows, np.array([0, 5, 11]))
    assert np.array_equal(view.vindex[points], expected[points])


def test_fast_chunk_reader_keeps_the_requested_order(tmp_path):
    """Many chunks: the threaded chunk reader is used and still answers in (c, z, y, x)."""
    array = stored(tmp_path, "cxyz", chunks=(1, 3, 2, 2), compressors=[BloscCodec()])
    view = LevelView(array, AxisMap(tuple("cxyz")))
    key = (1, slice(None), slice(None), slice(1, 5))
    assert fast_oindex(array, view._stored_key(key)) is not None  # the fast path applies
    assert np.array_equal(view[key], CZYX[key])
    assert np.array_equal(view.read_outer(key, [2, 0, 1]), CZYX[key].transpose(2, 0, 1))


def test_axis_order_from_webknossos_properties():
    assert AxisMap.from_axis_order({"c": 0, "x": 1, "y": 2, "z": 3}, 4).names == tuple("cxyz")
    assert AxisMap.from_axis_order({"x": 1, "y": 2, "z": 3}, 4).names == tuple("cxyz")
    assert AxisMap.from_axis_order({"x": -1, "y": -2, "z": -3}, 4).names == tuple("czyx")
    assert AxisMap.from_axis_order({"z": 0, "y": 1, "x": 2}, 3).names == tuple("zyx")
    with pytest.raises(BadMetadata):
        AxisMap.from_axis_order({"x": 4, "y": 1}, 4)


def test_resolution_prefers_axis_order_then_names_then_rank():
    assert AxisMap.resolve(4, {"c": 0, "x": 1, "y": 2, "z": 3}, "czyx").names == tuple("cxyz")
    assert AxisMap.resolve(4, None, ("c", "x", "y", "z")).names == tuple("cxyz")
    assert AxisMap.resolve(3, None, ("dim_0", "dim_1", "dim_2")).names == tuple("zyx")
    assert AxisMap.resolve(5, None, ("t", "c", "z", "y", "x")).names == tuple("tczyx")


def test_extra_axes_are_pinned_to_their_first_index(tmp_path):
    data = np.stack([CZYX, CZYX + 1])  # t, c, z, y, x
    array = zarr.create_array(
        str(tmp_path / "t"), shape=data.shape, chunks=(1, 1, 3, 5, 6), dtype="uint16"
    )
    array[:] = data
    view = LevelView(array, AxisMap(tuple("tczyx")))
    assert view.shape == CZYX.shape
    assert np.array_equal(view[:], CZYX)


def test_boxes_and_cubes_read_through_views(tmp_path):
    view = LevelView(stored(tmp_path, "cxyz"), AxisMap(tuple("cxyz")), Mag(1, 1, 1))
    block = read_box(view, Box((3, 2, 1), (9, 8, 5), Mag(1, 1, 1)), 10_000)
    assert np.array_equal(block, CZYX[:, 1:6, 2:10, 3:12])
    cube = CubeView([view], channel=1)  # (row, col, mz) = (y, x, z)
    assert cube.shape == (10, 12, 6)
    assert np.array_equal(cube[2:5, 7, :], np.transpose(CZYX[1, :, 2:5, 7], (1, 0)))


def test_views_end_where_the_bounding_box_ends(tmp_path):
    """webknossos-libs pads arrays to whole shards: the padding is not data."""
    view = LevelView(
        stored(tmp_path, "cxyz"), AxisMap(tuple("cxyz")), Mag(2, 2, 1), end_xyz=(15, 8, 4)
    )
    assert view.shape == (2, 4, 4, 8)
    assert np.array_equal(view[:], CZYX[:, :4, :4, :8])
    assert np.array_equal(view[:, -1, -1], CZYX[:, 3, 3, :8])
    with pytest.raises(IndexError):
        view[0, 4]
    with pytest.raises(IndexError):
        view.vindex[0, 0, 0, np.array([8])]
