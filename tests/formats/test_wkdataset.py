"""WEBKNOSSOS datasets written by webknossos-libs: converted over their bounding boxes."""

import numpy as np
import pytest
import zarr
from tests.interop import run_interop

from voxhub.arrays.layer import LayerLayout
from voxhub.formats.dataset_import import import_dataset
from voxhub.formats.ingest import DataRoot
from voxhub.formats.layers import open_layers
from voxhub.formats.properties import read_properties

# Written by webknossos-libs with zarr3 layers (axes c, x, y, z), arrays padded to whole
# shards; the segmentation is offset from the colour layer by (3, 4, 5).
WRITE = """
import sys, numpy as np, webknossos as wk
ds = wk.Dataset(sys.argv[1], voxel_size=(11.0, 12.0, 25.0))
xyz = (np.arange(90 * 70 * 21) % 251).astype(np.uint8).reshape(90, 70, 21)
color = ds.add_layer("color", wk.COLOR_CATEGORY, dtype_per_channel="uint8", data_format="zarr3")
color.add_mag(1, chunk_shape=32, shard_shape=64).write(xyz, absolute_offset=(0, 0, 0),
                                                       allow_resize=True)
seg = ds.add_layer("segmentation", wk.SEGMENTATION_CATEGORY, dtype_per_channel="uint32",
                   data_format="zarr3", largest_segment_id=5)
seg.add_mag(1, chunk_shape=32, shard_shape=64).write((xyz % 6).astype(np.uint32)[:40, :30, :10],
                                                     absolute_offset=(3, 4, 5), allow_resize=True)
np.save(sys.argv[1] + "/expected_color.npy", color.get_mag(1).read())
np.save(sys.argv[1] + "/expected_segmentation.npy", seg.get_mag(1).read())
"""


@pytest.fixture(scope="module")
def wk_dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("wk") / "dataset"
    run_interop(WRITE, str(path))
    expected = {name: np.load(path / f"expected_{name}.npy") for name in ("color", "segmentation")}
    for name in expected:
        (path / f"expected_{name}.npy").unlink()
    return path, expected  # expected: (c, x, y, z) over each layer's bounding box


def test_zarr3_layers_are_read_over_their_bounding_box(wk_dataset):
    path, expected = wk_dataset
    assert zarr.open_array(str(path / "color" / "1")).shape[1] > 90  # padded to a shard
    layers = {named.name: named for named in open_layers(path)}
    color = layers["color"].source
    assert color.shape == (1, 21, 70, 90)
    assert color.voxel_size == (11.0, 12.0, 25.0)
    czyx = expected["color"].transpose(0, 3, 2, 1)
    assert np.array_equal(color.to_dask(8).compute(), czyx)
    # The segmentation keeps its offset from the colour layer (common origin 0, 0, 0).
    seg = layers["segmentation"].source
    assert seg.shape == (1, 15, 34, 43)
    got = seg.to_dask(8).compute()
    assert np.array_equal(got[:, 5:, 4:, 3:], expected["segmentation"].transpose(0, 3, 2, 1))
    assert not got[:, :5].any() and not got[:, :, :4].any() and not got[:, :, :, :3].any()


def test_imported_dataset_has_the_layers_boxes(wk_dataset, tmp_path):
    path, expected = wk_dataset
    root = DataRoot(tmp_path / "binaryData", tmp_path / ".staging")
    layout = LayerLayout(chunk_zyx=(8, 32, 32))
    import_dataset(root, open_layers(path), organization="lab", dataset="wk", layout=layout)
    folder = root.binary_data / "lab" / "wk"
    properties = read_properties(folder)
    assert properties.scale.factor == (11.0, 12.0, 25.0)
    assert properties.layer("color").bounding_box.size_xyz == (90, 70, 21)
    level = zarr.open_array(str(folder / "color" / "1"))
    assert level.shape == (1, 21, 70, 90)
    assert np.array_equal(level[:], expected["color"].transpose(0, 3, 2, 1))
