"""Neuroglancer precomputed written by tensorstore: voxels, offset, resolution, segmentation."""

import numpy as np
import pytest
from tests.formats import samples

from voxhub.formats import precomputed
from voxhub.formats.layers import open_layers
from voxhub.formats.registry import detect


@pytest.mark.parametrize("kind", ["image", "segmentation"])
def test_precomputed_volume_is_read_from_its_offset(tmp_path, kind):
    path, data = samples.precomputed_tensorstore(tmp_path / "vol", kind)
    assert detect(path) is precomputed
    (named,) = open_layers(path)
    assert named.category == ("segmentation" if kind == "segmentation" else None)
    source = named.source
    assert source.shape == (1, 5, 18, 22)
    assert source.voxel_size == (4.0, 5.0, 40.0)
    assert source.unit == "nanometer"
    assert np.array_equal(source.to_dask(2).compute(), data)
