import dask.array as da
import numpy as np
import pytest

from voxhub.arrays.downsample import mean_block
from voxhub.arrays.layer import LayerLayout, open_layer
from voxhub.arrays.ngff import Ngff04, Ngff05, detect_format
from voxhub.arrays.pyramid import write_pyramid


@pytest.mark.parametrize("zarr_format", [3, 2])
def test_pyramid_levels_match_numpy_reductions(tmp_path, zarr_format):
    data = np.random.default_rng(0).integers(0, 255, (1, 40, 70, 90), dtype=np.uint8)
    layout = LayerLayout(chunk_zyx=(16, 32, 32), zarr_format=zarr_format)
    seen = []
    written = write_pyramid(
        da.from_array(data, chunks=(1, 16, 70, 90)),
        tmp_path / "color",
        name="color",
        voxel_size=(10, 10, 20),
        layout=layout,
        progress=lambda done, total: seen.append((done, total)),
    )
    layer = open_layer(tmp_path / "color")
    assert layer.ngff_version == ("0.5" if zarr_format == 3 else "0.4")
    assert np.array_equal(layer.finest[:], data)
    expected = mean_block(data, (1, 1, 2, 2))
    assert np.array_equal(layer.array("2-2-1")[:], expected)
    assert written.max_value == data.max()
    # progress counted real blocks up to the total, in order
    assert seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)
    last = layer.levels[written.mags[-1]]
    assert all(s <= c for s, c in zip(last.shape[1:], (16, 32, 32), strict=True))


def test_sharded_layout_writes_shards(tmp_path):
    data = np.arange(1 * 40 * 64 * 64, dtype=np.uint32).reshape(1, 40, 64, 64) % 17
    layout = LayerLayout(chunk_zyx=(8, 16, 16), shard_zyx=(16, 32, 32))
    write_pyramid(
        da.from_array(data),
        tmp_path / "seg",
        name="seg",
        voxel_size=(1, 1, 1),
        method="mode",
        layout=layout,
    )
    layer = open_layer(tmp_path / "seg")
    assert layer.finest.shards == (1, 16, 32, 32)
    assert np.array_equal(layer.finest[:], data)


def test_scales_are_voxel_size_times_mag(tmp_path):
    data = np.zeros((1, 8, 64, 64), dtype=np.uint8)
    write_pyramid(
        da.from_array(data),
        tmp_path / "c",
        name="c",
        voxel_size=(11, 11, 24),
        layout=LayerLayout(chunk_zyx=(8, 16, 16)),
    )
    layer = open_layer(tmp_path / "c")
    for mag, level in zip(layer.levels, layer.multiscale.datasets, strict=True):
        assert level.path == mag.to_layer_name()
        assert level.scale == (1.0, 24.0 * mag.z, 11.0 * mag.y, 11.0 * mag.x)
    assert layer.multiscale.axis_names == ["c", "z", "y", "x"]


def test_ngff_versions_are_detected():
    assert detect_format({"ome": {"version": "0.5", "multiscales": []}}) is Ngff05
    assert detect_format({"multiscales": []}) is Ngff04


def test_ome_zarr_py_levels_with_odd_scales_open(tmp_path):
    """ome-zarr-py names levels 0, 1, 2 and may scale by non-powers of two."""
    import zarr as zarr_lib
    from ome_zarr.writer import write_image

    data = np.random.default_rng(1).integers(0, 255, (12, 40, 44), dtype=np.uint8)
    group = zarr_lib.open_group(str(tmp_path / "img.zarr"), mode="w")
    write_image(data, group, axes="zyx", scale_factors=[2, 4])
    layer = open_layer(tmp_path / "img.zarr")
    assert np.array_equal(layer.finest[:], data)
    assert len(layer.levels) == len(layer.multiscale.datasets)
    assert sorted(m.x for m in layer.levels) == [1, 2, 4]


def test_uint64_ids_as_tiff_readers_type_them_are_written(tmp_path):
    # tifffile hands uint64 out as C's unsigned long long ('Q'): the same eight bytes,
    # a dtype object zarr-python did not recognise ("No Zarr data type found")
    ids = (np.arange(8 * 16 * 16, dtype=np.uint64).reshape(1, 8, 16, 16) + 2**53 + 1).astype("Q")
    assert ids.dtype.char == "Q"
    write_pyramid(
        da.from_array(ids),
        tmp_path / "segmentation",
        name="segmentation",
        voxel_size=(1, 1, 1),
        layout=LayerLayout(chunk_zyx=(8, 8, 8)),
    )
    finest = open_layer(tmp_path / "segmentation").finest
    assert finest.dtype == np.uint64 and np.array_equal(finest[:], ids)
