"""TIFF / OME-TIFF written by tifffile in every axis order it writes, read back as (c, z, y, x)."""

import itertools

import numpy as np
import pytest
import tifffile

from voxhub.errors import UnreadableInput
from voxhub.formats import tiff

SIZES = {"T": 1, "C": 2, "Z": 3, "Y": 5, "X": 7, "S": 3}
VOXEL = {"PhysicalSizeX": 0.5, "PhysicalSizeY": 0.25, "PhysicalSizeZ": 2.0}


def _orders() -> list[str]:
    """Every order of a subset of T, C, Z before Y X, with and without samples."""
    orders = []
    for n in range(4):
        for subset in itertools.permutations("TCZ", n):
            orders.append("".join(subset) + "YX")
            orders.append("".join(subset) + "YXS")
    return orders


def expected_czyx(data: np.ndarray, axes: str) -> np.ndarray:
    """The reference answer: channels C-major then S, z, y, x; singleton T dropped."""
    full = data
    for axis in "TCZS":
        if axis not in axes:
            full = full[..., None] if axis == "S" else full[None]
            axes = axis + axes if axis != "S" else axes + axis
    full = full.transpose([axes.index(a) for a in "TCSZYX"])[0]
    c, s, z, y, x = full.shape
    return full.reshape(c * s, z, y, x)


@pytest.mark.parametrize("axes", _orders())
def test_ome_tiff_every_axis_order(tmp_path, axes):
    rng = np.random.default_rng(len(axes))
    data = rng.integers(0, 60000, [SIZES[a] for a in axes], dtype=np.uint16)
    path = tmp_path / "image.ome.tif"
    photometric = "rgb" if "S" in axes else "minisblack"
    tifffile.imwrite(path, data, photometric=photometric, metadata={"axes": axes, **VOXEL})
    source = tiff.open_source(path)
    want = expected_czyx(data, axes)
    assert source.shape == want.shape
    assert source.voxel_size == (0.5, 0.25, 2.0)
    assert source.unit == "micrometer"
    assert np.array_equal(source.to_dask(2).compute(), want)


def test_czyx_channels_are_not_interleaved_with_z(tmp_path):
    """The reported case: each page a constant, page p = c * Z + z."""
    data = np.arange(6, dtype=np.uint8).reshape(2, 3, 1, 1) * np.ones((1, 1, 4, 4), np.uint8)
    tifffile.imwrite(
        tmp_path / "czyx.ome.tif", data, photometric="minisblack", metadata={"axes": "CZYX"}
    )
    got = tiff.open_source(tmp_path / "czyx.ome.tif").to_dask(3).compute()
    assert got[:, :, 0, 0].tolist() == [[0, 1, 2], [3, 4, 5]]


def test_planar_samples(tmp_path):
    data = np.random.default_rng(1).integers(0, 255, (2, 3, 3, 5, 7), dtype=np.uint8)
    path = tmp_path / "planar.ome.tif"
    tifffile.imwrite(path, data, photometric="rgb", planarconfig="separate",
                     metadata={"axes": "CZSYX"})  # fmt: skip
    got = tiff.open_source(path).to_dask(2).compute()
    assert np.array_equal(got, data.transpose(0, 2, 1, 3, 4).reshape(6, 3, 5, 7))


@pytest.mark.parametrize("axes", ["ZCYX", "TZCYX"])
def test_imagej_hyperstack(tmp_path, axes):
    shape = [SIZES[a] for a in axes]
    data = np.random.default_rng(2).integers(0, 255, shape, dtype=np.uint8)
    tifffile.imwrite(tmp_path / "ij.tif", data, imagej=True, metadata={"axes": axes})
    got = tiff.open_source(tmp_path / "ij.tif").to_dask(2).compute()
    assert np.array_equal(got, expected_czyx(data, axes))


def test_time_series_is_refused(tmp_path):
    data = np.zeros((2, 3, 5, 7), np.uint8)
    tifffile.imwrite(tmp_path / "t.ome.tif", data, metadata={"axes": "TZYX"})
    with pytest.raises(UnreadableInput, match="time series"):
        tiff.open_source(tmp_path / "t.ome.tif")
