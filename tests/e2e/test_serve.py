"""``voxhub serve`` as a process, read by real Zarr clients over HTTP."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import numpy as np
import pytest
import zarr
from ome_zarr.io import parse_url
from ome_zarr.reader import Reader

from voxhub.formats.synthetic import cells_volume
from voxhub.testing import start_server

INTEROP_PYTHON = Path(__file__).parents[2] / ".venv-interop" / "bin" / "python"
DATASET = "sample_organization/sample_cells"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("e2e") / "data"
    server = start_server(data)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sample():
    return cells_volume()


def local_levels(server, layer):
    folder = server.data / "binaryData" / DATASET / layer
    group = zarr.open_group(str(folder), mode="r")
    paths = [d["path"] for d in group.attrs["ome"]["multiscales"][0]["datasets"]]
    return {p: zarr.open_array(str(folder / p), mode="r")[:] for p in paths}


def test_first_start_prints_an_admin_token_and_creates_the_sample(server, sample):
    assert server.admin_token and server.admin_token.startswith("vxh_")
    listing = httpx.get(
        f"{server.url}/api/v1/datasets", headers={"Authorization": f"Bearer {server.admin_token}"}
    ).json()
    assert [f"{d['organization']}/{d['name']}" for d in listing] == [DATASET]
    color = zarr.open_array(str(server.data / "binaryData" / DATASET / "color" / "1"), mode="r")
    assert color.shape == (1, 128, 512, 512) and np.array_equal(color[0], sample.image)


def test_first_start_prints_a_password_the_admin_logs_in_with(server):
    assert server.admin_password
    with httpx.Client(base_url=server.url) as browser:
        body = {"email": "admin@voxhub.local", "password": server.admin_password}
        me = browser.post("/api/v1/auth/login", json=body)
        assert me.status_code == 200 and me.json()["isSuperuser"]
        assert browser.get("/api/v1/datasets").json()[0]["name"] == "sample_cells"


@pytest.mark.parametrize("layer", ["color", "segmentation"])
def test_zarr_python_reads_every_level_bit_for_bit(server, layer):
    base = f"{server.url}/zarr/token/{server.admin_token}/{DATASET}/{layer}"
    group = zarr.open_group(base, mode="r")
    expected = local_levels(server, layer)
    assert [d["path"] for d in group.attrs["ome"]["multiscales"][0]["datasets"]] == list(expected)
    for path, local in expected.items():
        remote = zarr.open_array(f"{base}/{path}", mode="r")
        assert np.array_equal(remote[:], local), f"level {path} differs"


def test_ome_zarr_py_reads_the_pyramid(server):
    url = f"{server.url}/zarr/token/{server.admin_token}/{DATASET}/color"
    node = next(iter(Reader(parse_url(url))()))
    expected = local_levels(server, "color")
    assert [tuple(d.shape) for d in node.data] == [v.shape for v in expected.values()]
    for dask_level, local in zip(node.data, expected.values(), strict=True):
        assert np.array_equal(np.asarray(dask_level), local)
    first_level_transforms = node.metadata["coordinateTransformations"][0]
    assert first_level_transforms[0]["scale"] == [1.0, 24.0, 11.0, 11.0]


def test_private_data_needs_a_token_and_does_not_leak(server):
    plain = httpx.get(f"{server.url}/zarr/{DATASET}/color/zarr.json")
    missing = httpx.get(f"{server.url}/zarr/sample_organization/nothing_here/color/zarr.json")
    assert plain.status_code == missing.status_code == 404
    assert plain.json()["error"] == missing.json()["error"] == "not_found"
    bad = httpx.get(f"{server.url}/zarr/token/vxh_not_a_token/{DATASET}/color/zarr.json")
    assert bad.status_code == 401


def test_header_token_and_suffix_range_over_the_wire(server):
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    key = f"{server.url}/zarr/{DATASET}/color/1/c/0/0/0/0"
    whole = httpx.get(key, headers=headers)
    assert whole.status_code == 200
    tail = httpx.get(key, headers={**headers, "Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == whole.content[-100:]


def test_webknossos_libs_opens_the_dataset_folder(server):
    """webknossos-libs (its own venv: it pins old typer/rich) reads the same values."""
    assert INTEROP_PYTHON.exists(), "run `make interop` (make test does) to create .venv-interop"
    folder = server.data / "binaryData" / DATASET
    script = (
        "import json, sys, numpy as np, webknossos as wk\n"
        "ds = wk.Dataset.open(sys.argv[1])\n"
        "out = {}\n"
        "for layer in ds.layers.values():\n"
        "    for mag, view in layer.mags.items():\n"
        "        data = view.read()\n"
        "        key = f'{layer.name}/{mag.to_layer_name()}'\n"
        "        out[key] = [list(data.shape), int(data.astype(np.int64).sum())]\n"
        "out['largest'] = ds.get_layer('segmentation').largest_segment_id\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [str(INTEROP_PYTHON), "-W", "ignore", "-c", script, str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    for layer in ("color", "segmentation"):
        for path, local in local_levels(server, layer).items():
            assert seen[f"{layer}/{path}"] == [list(local.shape), int(local.astype(np.int64).sum())]
    labels = local_levels(server, "segmentation")["1"]
    assert seen["largest"] == int(labels.max())
