"""N5 written by tensorstore: voxels, axes (x first on disk) and the ``resolution`` voxel size."""

import json

import numpy as np
from tests.formats import samples

from voxhub.formats import n5
from voxhub.formats.layers import open_layers
from voxhub.formats.registry import detect


def test_multiscale_n5_reads_its_finest_level_with_voxel_size(tmp_path):
    path, data = samples.n5_tensorstore(tmp_path / "vol.n5")
    assert detect(path) is n5
    (named,) = open_layers(path)
    source = named.source
    assert source.shape == (1, 6, 20, 24)
    assert source.voxel_size == (4.0, 5.0, 40.0)
    assert source.unit == "nanometer"
    assert np.array_equal(source.to_dask(4).compute(), data)


def test_single_n5_dataset_and_n5_viewer_pixel_resolution(tmp_path):
    path, data = samples.n5_tensorstore(tmp_path / "vol.n5")
    level = path / "s0"
    attributes = json.loads((level / "attributes.json").read_text())
    for key in ("resolution", "units"):
        attributes.pop(key)
    attributes["pixelResolution"] = {"dimensions": [0.5, 0.5, 2.0], "unit": "um"}
    (level / "attributes.json").write_text(json.dumps(attributes))
    source = n5.open_source(level)
    assert source.voxel_size == (0.5, 0.5, 2.0)
    assert source.unit == "micrometer"
    assert np.array_equal(source.to_dask(6).compute(), data)
