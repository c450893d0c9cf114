"""Layers stored in other axis orders read back exactly through the box route and thumbnail.

webknossos-libs writes Zarr v3 layers as (c, x, y, z) and says so in ``axisOrder``;
ome-zarr-py writes a bare (z, y, x) image. Both are placed in binaryData by hand
and scanned, as an operator would.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pytest
import zarr
from PIL import Image
from tests.helpers import INTEROP_PYTHON

from voxhub.catalog.scan import scan

WK_SCRIPT = """
import sys, numpy as np, webknossos as wk
ds = wk.Dataset(sys.argv[1], voxel_size=(11, 11, 24))
data = np.load(sys.argv[2])
layer = ds.add_layer("color", wk.COLOR_CATEGORY, dtype_per_channel="uint8", data_format="zarr3")
layer.add_mag(1).write(data, allow_resize=True)
"""
XYZ = np.random.default_rng(3).integers(0, 255, (256, 70, 21), dtype=np.uint8)  # x, y, z


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def wk_dataset(tmp_path_factory):
    """A dataset written by webknossos-libs (its own venv: it pins old typer/rich)."""
    assert INTEROP_PYTHON.exists(), "run `make interop` (make test does) to create .venv-interop"
    folder = tmp_path_factory.mktemp("wk")
    np.save(folder / "xyz.npy", XYZ)
    result = subprocess.run(
        [
            str(INTEROP_PYTHON),
            "-W",
            "ignore",
            "-c",
            WK_SCRIPT,
            str(folder / "ds"),
            str(folder / "xyz.npy"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return folder / "ds"


def place(hub, folder, organization, name):
    shutil.copytree(folder, hub.settings.binary_data / organization / name)
    with hub.transaction() as session:
        report = scan(session, hub.storage)
    assert f"{organization}/{name}" in report.active, report.errors
    hub.index.refresh(force=True)


def test_webknossos_libs_layer_reads_in_the_right_order(client, hub, admin_token, wk_dataset):
    place(hub, wk_dataset, "lab", "wk")
    hub.settings.max_box_voxels = 2**20
    url = "/api/v1/datasets/lab/wk/layers/color/data"
    whole = client.get(
        url, params={"width": 256, "height": 70, "depth": 21}, headers=auth(admin_token)
    )
    assert whole.status_code == 200, whole.text
    assert whole.headers["x-shape"] == "1,21,70,256"
    block = np.frombuffer(whole.content, np.uint8).reshape(1, 21, 70, 256)
    assert np.array_equal(block[0], XYZ.transpose(2, 1, 0))
    params = {"x": 200, "y": 5, "z": 3, "width": 40, "height": 9, "depth": 4, "format": "npy"}
    part = np.load(io.BytesIO(client.get(url, params=params, headers=auth(admin_token)).content))
    assert np.array_equal(part[0], XYZ[200:240, 5:14, 3:7].transpose(2, 1, 0))
    png = client.get(
        "/api/v1/datasets/lab/wk/layers/color/thumbnail.png", headers=auth(admin_token)
    )
    image = np.asarray(Image.open(io.BytesIO(png.content)))
    assert image.shape == (
        70,
        256,
    )  # the middle z plane of the bounding box, not of the padded array
    assert np.corrcoef(image.ravel(), XYZ[:, :, 10].T.ravel().astype(float))[0, 1] > 0.99
    beyond = client.get(url, params={"x": 256, "width": 1}, headers=auth(admin_token))
    assert beyond.status_code == 400 and "256" in beyond.json()["detail"]  # shard padding


def test_openmsi_reads_webknossos_libs_layers_in_the_right_order(
    client, hub, admin_token, wk_dataset
):
    place(hub, wk_dataset, "lab", "wk")
    params = {"file": "lab/wk", "dataIndex": 0, "row": 5, "col": 200}
    spectrum = client.get("/openmsi/qspectrum", params=params, headers=auth(admin_token))
    assert spectrum.status_code == 200, spectrum.text
    assert np.array_equal(np.asarray(spectrum.json()["spectrum"]), XYZ[200, 5, :])
    params = {"file": "lab/wk", "dataIndex": 0, "mz": 3}
    plane = client.get("/openmsi/qslice", params=params, headers=auth(admin_token))
    assert plane.status_code == 200, plane.text
    assert np.array_equal(np.asarray(plane.json()), XYZ[:, :, 3].T)  # (row, col) = (y, x)


def test_bare_zyx_ome_zarr_reads_and_draws(client, hub, admin_token, tmp_path):
    from ome_zarr.writer import write_image

    zyx = np.random.default_rng(4).integers(0, 255, (9, 300, 280), dtype=np.uint8)
    group = zarr.open_group(str(tmp_path / "bare" / "color"), mode="w")
    write_image(zyx, group, axes="zyx", scale_factors=[2])
    place(hub, tmp_path / "bare", "lab", "bare")
    url = "/api/v1/datasets/lab/bare/layers/color/data"
    params = {"x": 10, "y": 20, "z": 2, "width": 100, "height": 50, "depth": 5}
    response = client.get(url, params=params, headers=auth(admin_token))
    assert response.status_code == 200, response.text
    block = np.frombuffer(response.content, np.uint8).reshape(1, 5, 50, 100)
    assert np.array_equal(block[0], zyx[2:7, 20:70, 10:110])
    png = client.get(
        "/api/v1/datasets/lab/bare/layers/color/thumbnail.png", headers=auth(admin_token)
    )
    assert png.status_code == 200, png.text
    image = np.asarray(Image.open(io.BytesIO(png.content)))
    assert image.shape == (300, 280)
    assert np.corrcoef(image.ravel(), zyx[4].ravel().astype(float))[0, 1] > 0.99
