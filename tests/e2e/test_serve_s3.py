"""A hub on S3 (moto's server): the CLI imports a TIFF stack into the bucket, `voxhub serve`
streams it through /zarr, and zarr-python and tensorstore read it back voxel for voxel."""

from __future__ import annotations

import os
import subprocess
import uuid

import numpy as np
import pytest
import tensorstore as ts
import tifffile
import zarr
from tests.helpers import volume

from voxhub.testing import VOXHUB, start_moto, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    moto = start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    yield moto
    moto.stop()


@pytest.fixture(scope="module")
def hub_on_s3(tmp_path_factory, moto):
    bucket = f"voxhub-e2e-{uuid.uuid4().hex[:8]}"
    moto.create_bucket(bucket)
    env = {
        **moto.env,
        "VOXHUB_STORAGE": f"s3://{bucket}/hub",
        "VOXHUB_S3_ENDPOINT_URL": moto.url,
        "VOXHUB_SAMPLE": "0",
        "VOXHUB_SCAN_INTERVAL": "0",
    }
    root = tmp_path_factory.mktemp("s3hub")
    data = volume((12, 70, 90), seed=5)
    stack = root / "stack"
    stack.mkdir()
    for z, plane in enumerate(data):
        tifffile.imwrite(stack / f"slice_{z:03d}.tif", plane)
    server = start_server(root / "data", env)
    try:
        done = subprocess.run(
            [VOXHUB, "import", str(stack), "--org", "lab", "--name", "stack"],
            env={**os.environ, **env, "VOXHUB_DATA": str(root / "data")},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        yield server, data, bucket
    finally:
        server.stop()


def test_zarr_python_and_tensorstore_read_the_s3_dataset_through_zarr(hub_on_s3):
    server, data, _ = hub_on_s3
    url = f"{server.url}/zarr/token/{server.admin_token}/lab/stack/color/1"
    level = zarr.open_array(url, mode="r")
    assert np.array_equal(level[0], data)
    store = ts.open(
        {"driver": "zarr3", "kvstore": {"driver": "http", "base_url": url + "/"}}, read=True
    ).result()
    assert np.array_equal(store[0].read().result(), data)


def test_the_bytes_live_in_the_bucket_not_the_data_folder(hub_on_s3):
    server, _, _ = hub_on_s3
    assert not (server.data / "binaryData" / "lab").exists()


def test_box_route_reads_from_s3(hub_on_s3):
    import httpx

    server, data, _ = hub_on_s3
    response = httpx.get(
        f"{server.url}/api/v1/datasets/lab/stack/layers/color/data",
        params={"mag": "1", "x": 10, "y": 20, "z": 2, "width": 30, "height": 16, "depth": 5},
        headers={"Authorization": f"Bearer {server.admin_token}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    box = np.frombuffer(response.content, dtype=np.uint8)
    assert np.array_equal(box, data[2:7, 20:36, 10:40].ravel())
