"""Importers on generated files: slice folders, TIFF, OME-TIFF, OME-Zarr, broken input."""

import numpy as np
import pytest
import tifffile
from PIL import Image
from tests.helpers import volume

from voxhub.errors import UnreadableInput
from voxhub.formats.registry import detect, open_any


def read_all(source):
    return source.to_dask(8).compute()


def test_png_slices_in_natural_order(tmp_path):
    data = volume((12, 30, 20))
    for i, plane in enumerate(data):
        Image.fromarray(plane).save(tmp_path / f"slice_{i}.png")  # slice_10 sorts after slice_9
    source = open_any(tmp_path)
    assert source.shape == (1, 12, 30, 20)
    assert np.array_equal(read_all(source)[0], data)


def test_jpeg_rgb_slices_become_channels(tmp_path):
    rgb = np.zeros((3, 16, 16, 3), dtype=np.uint8)
    rgb[..., 0] = 200
    for i, plane in enumerate(rgb):
        Image.fromarray(plane).save(tmp_path / f"{i}.jpg", quality=100)
    source = open_any(tmp_path)
    assert source.shape == (3, 3, 16, 16)
    assert abs(int(read_all(source)[0].mean()) - 200) <= 2


def test_tiff_slices(tmp_path):
    data = volume((5, 10, 12)).astype(np.uint16) * 100
    for i, plane in enumerate(data):
        tifffile.imwrite(tmp_path / f"z{i:03}.tif", plane)
    assert np.array_equal(read_all(open_any(tmp_path))[0], data)


def test_mixed_slice_shapes_are_refused_naming_the_file(tmp_path):
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "a1.png")
    Image.fromarray(np.zeros((10, 12), np.uint8)).save(tmp_path / "a2.png")
    with pytest.raises(UnreadableInput, match="a2.png"):
        open_any(tmp_path)


def test_multipage_tiff(tmp_path):
    data = volume((9, 20, 24))
    tifffile.imwrite(tmp_path / "stack.tif", data)
    source = open_any(tmp_path / "stack.tif")
    assert source.shape == (1, 9, 20, 24)
    assert np.array_equal(read_all(source)[0], data)


def test_ome_tiff_voxel_size_is_read(tmp_path):
    data = volume((6, 16, 16))
    metadata = {
        "axes": "ZYX",
        "PhysicalSizeX": 0.011,
        "PhysicalSizeY": 0.012,
        "PhysicalSizeZ": 0.03,
    }
    tifffile.imwrite(tmp_path / "cells.ome.tif", data, ome=True, metadata=metadata)
    source = open_any(tmp_path / "cells.ome.tif")
    assert source.voxel_size == (0.011, 0.012, 0.03)
    assert source.unit == "micrometer"
    assert np.array_equal(read_all(source)[0], data)


def test_multichannel_ome_tiff(tmp_path):
    data = np.stack([volume((4, 8, 8), seed=s) for s in range(2)], axis=1)  # Z C Y X
    tifffile.imwrite(tmp_path / "two.ome.tif", data, ome=True, metadata={"axes": "ZCYX"})
    source = open_any(tmp_path / "two.ome.tif")
    assert source.shape == (2, 4, 8, 8)
    assert np.array_equal(read_all(source), np.moveaxis(data, 1, 0))


def test_truncated_tiff_fails_cleanly(tmp_path):
    data = volume((10, 64, 64))
    path = tmp_path / "cut.tif"
    tifffile.imwrite(path, data)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(UnreadableInput, match="cut.tif"):
        read_all(open_any(path))


def test_garbage_is_not_recognised(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UnreadableInput, match="not a recognised input"):
        detect(tmp_path / "notes.txt")
    with pytest.raises(UnreadableInput, match="no such file"):
        detect(tmp_path / "missing")


def test_corrupt_png_names_the_file(tmp_path):
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "1.png")
    (tmp_path / "2.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(UnreadableInput, match="2.png"):
        open_any(tmp_path)
