"""Every WEBKNOSSOS input format on tiny generated files: data, layers and voxel size."""

import numpy as np
import pytest
from tests.formats import samples
from tests.formats.dm_files import write_dm
from tests.helpers import volume

from voxhub.errors import InvalidInput, UnreadableInput
from voxhub.formats.layers import ImportOptions, open_layers
from voxhub.formats.registry import detect


def read(named):
    return named.source.to_dask(4).compute()


def only_layer(path, options=None):
    (named,) = open_layers(path, options)
    return named


@pytest.mark.parametrize("suffix", [".dm3", ".dm4"])
def test_dm_slices_in_a_folder(tmp_path, suffix):
    path, data = samples.slices_dm(tmp_path / "dm", suffix)
    named = only_layer(path)
    assert named.source.dtype == np.uint16
    assert np.array_equal(read(named), data)


def test_single_dm_stack_keeps_its_calibration(tmp_path):
    data = volume((3, 10, 12)).astype(np.float32)
    write_dm(tmp_path / "stack.dm4", data, scale=0.5, units="µm")
    named = only_layer(tmp_path / "stack.dm4")
    assert named.source.voxel_size == (0.5, 0.5, 0.5)
    assert named.source.unit == "micrometer"
    assert np.array_equal(read(named), data[None])


def test_truncated_dm_file_names_itself(tmp_path):
    path, _ = samples.slices_dm(tmp_path / "dm")
    victim = path / "img_3.dm3"
    victim.write_bytes(victim.read_bytes()[:300])
    with pytest.raises(UnreadableInput, match="img_3.dm3"):
        read(only_layer(path))


def test_several_folders_become_one_layer_each(tmp_path):
    path, expected = samples.folders_of_slices(tmp_path / "upload")
    layers = {named.name: named for named in open_layers(path)}
    assert sorted(layers) == ["cell_labels", "em"]
    assert layers["cell_labels"].category == "segmentation"
    assert layers["em"].category == "color"
    for name, data in expected.items():
        assert np.array_equal(read(layers[name]), data)


def test_mismatched_slices_in_one_of_several_folders(tmp_path):
    samples.folders_of_slices(tmp_path / "upload")
    samples.slices_png(tmp_path / "upload" / "other", volume((2, 9, 9)))
    samples.slices_png(tmp_path / "upload" / "other", volume((1, 9, 10)))  # s0.png now 9×10
    with pytest.raises(UnreadableInput, match="s1.png"):
        open_layers(tmp_path / "upload")


def test_pyramidal_ome_tiff_reads_the_full_resolution(tmp_path):
    path, data = samples.pyramidal_ome_tiff(tmp_path / "pyr.ome.tif")
    named = only_layer(path)
    assert named.source.shape == (1, 4, 64, 64)
    assert named.source.voxel_size == (0.5, 0.5, 2.0)
    assert np.array_equal(read(named), data)


def test_czi_channels_and_scaling(tmp_path):
    path, data = samples.czi(tmp_path / "cells.czi")
    named = only_layer(path)
    assert named.source.shape == (2, 3, 20, 24)
    assert named.source.unit == "micrometer"
    assert np.allclose(named.source.voxel_size, (0.2, 0.2, 1.0))
    assert np.array_equal(read(named), data)


def test_corrupt_czi_is_refused(tmp_path):
    (tmp_path / "bad.czi").write_bytes(b"ZISRAWFILE" + b"\0" * 200)
    with pytest.raises(UnreadableInput, match="bad.czi"):
        open_layers(tmp_path / "bad.czi")


def test_nifti_voxel_size_from_the_header(tmp_path):
    path, data = samples.nifti(tmp_path / "brain.nii.gz")
    named = only_layer(path)
    assert named.source.voxel_size == pytest.approx((0.8, 0.9, 1.5))
    assert named.source.unit == "millimeter"
    assert np.array_equal(read(named), data)


def test_truncated_nifti_fails_cleanly(tmp_path):
    path, _ = samples.nifti(tmp_path / "brain.nii")
    path.write_bytes(path.read_bytes()[:600])
    with pytest.raises(UnreadableInput, match="brain.nii"):
        read(only_layer(path))


@pytest.mark.parametrize("order", ["F", "C"])
def test_raw_with_shape_dtype_and_order(tmp_path, order):
    path, data = samples.raw(tmp_path / "vol.raw", order)
    options = ImportOptions(shape_xyz=(11, 9, 5), dtype="uint16", order=order)
    assert np.array_equal(read(only_layer(path, options)), data)


def test_raw_needs_parameters_that_fit_the_file(tmp_path):
    path, _ = samples.raw(tmp_path / "vol.raw")
    with pytest.raises(InvalidInput, match="shape"):
        open_layers(path)
    with pytest.raises(InvalidInput, match="unknown dtype"):
        open_layers(path, ImportOptions(shape_xyz=(11, 9, 5), dtype="uint13"))
    with pytest.raises(UnreadableInput, match="bytes"):
        open_layers(path, ImportOptions(shape_xyz=(11, 9, 6), dtype="uint16"))


def test_knossos_cubes_with_conf(tmp_path):
    path, data = samples.knossos(tmp_path / "knossos")
    named = only_layer(path)
    assert named.source.shape == (1, 130, 100, 200)
    assert named.source.voxel_size == (10.0, 10.0, 25.0)
    assert np.array_equal(read(named), data)


def test_truncated_knossos_cube_is_named(tmp_path):
    path, _ = samples.knossos(tmp_path / "knossos")
    cube = next((path / "mag1").rglob("*.raw"))
    cube.write_bytes(cube.read_bytes()[:1000])
    with pytest.raises(UnreadableInput, match=cube.name):
        read(only_layer(path))


def test_wkw_dataset_layer(tmp_path):
    path, data = samples.wkw_dataset(tmp_path / "wk")
    assert detect(path).__name__.endswith("wkdataset")
    named = only_layer(path)
    assert named.source.voxel_size == (11.0, 11.0, 25.0)
    assert np.array_equal(read(named), data)
    bare = only_layer(path / "color")  # a layer folder alone: extent from its files
    assert np.array_equal(read(bare)[:, :10, :40, :36], data)


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_bare_zarr_arrays_get_voxhub_axes(tmp_path, zarr_format):
    import zarr

    data = volume((4, 10, 12))
    array = zarr.create_array(
        str(tmp_path / "a.zarr"), shape=data.shape, chunks=(2, 5, 6), dtype="uint8",
        zarr_format=zarr_format,
    )  # fmt: skip
    array[:] = data
    named = only_layer(tmp_path / "a.zarr")
    assert named.source.shape == (1, 4, 10, 12)
    assert np.array_equal(read(named), data[None])
