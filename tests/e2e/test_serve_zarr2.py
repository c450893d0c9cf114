"""A Zarr v2 (NGFF 0.4) hub: zarr-python opens a dataset root over HTTP and finds its layers."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

from voxhub.testing import start_server

pytestmark = pytest.mark.e2e
DATASET = "sample_organization/sample_cells"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("zarr2") / "data"
    server = start_server(data, {"VOXHUB_ZARR_FORMAT": "2", "VOXHUB_SCAN_INTERVAL": "0"})
    yield server
    server.stop()


def test_zarr_python_opens_the_v2_root_and_its_layers(server):
    root_url = f"{server.url}/zarr/token/{server.admin_token}/{DATASET}"
    root = zarr.open_group(root_url, mode="r")
    assert root.metadata.zarr_format == 2
    color = root["color"]
    multiscales = color.attrs["multiscales"][0]
    assert multiscales["version"] == "0.4"
    paths = [d["path"] for d in multiscales["datasets"]]
    local = zarr.open_group(str(server.data / "binaryData" / DATASET / "color"), mode="r")
    for path in paths:
        assert np.array_equal(color[path][:], local[path][:]), f"level {path} differs"
