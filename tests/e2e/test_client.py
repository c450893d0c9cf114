"""The Python client and the remote CLI against a real ``voxhub serve`` process."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import tifffile

from voxhub.client import Client, NotFound, Unauthenticated
from voxhub.client import _upload as upload_module
from voxhub.testing import VOXHUB, start_server

pytestmark = pytest.mark.e2e
ORG = "sample_organization"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("client") / "data"
    server = start_server(data, {"VOXHUB_WORKERS": "1", "VOXHUB_SCAN_INTERVAL": "0"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(server):
    with Client(server.url, server.admin_token, parallel=4) as client:
        yield client


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> tuple[Path, np.ndarray]:
    rng = np.random.default_rng(7)
    volume = rng.integers(0, 60000, (20, 70, 90), dtype=np.uint16)
    folder = tmp_path_factory.mktemp("stack")
    path = folder / "stack.tif"
    tifffile.imwrite(path, volume)
    return path, volume


def test_upload_then_read_boxes_and_zarr(client, stack):
    path, volume = stack
    dataset = client.upload(path, org=ORG, name="uploaded", voxel_size=(4, 4, 40), chunk_size=32768)
    color = next(iter(dataset.layers.values()))
    assert dataset.voxel_size == (4, 4, 40)
    assert color.size == (90, 70, 20) and color.element_class == "uint16"
    assert np.array_equal(color.read()[0], volume)
    box = color.read(mag=1, offset=(10, 5, 3), size=(40, 30, 7))
    assert np.array_equal(box[0], volume[3:10, 5:35, 10:50])
    level = color.open_zarr(mag=1)
    assert np.array_equal(level[0, 2:5, :, :], volume[2:5])


def test_interrupted_upload_resumes_without_resending(client, stack, monkeypatch):
    path, volume = stack
    sent: list[int] = []
    real_read = upload_module._read

    def counting(piece):
        sent.append(piece.number)
        if len(sent) == 3:
            raise ConnectionError("network dropped")
        return real_read(piece)

    monkeypatch.setattr(upload_module, "_read", counting)
    with pytest.raises(ConnectionError):
        client.upload(path, org=ORG, name="resumed", voxel_size=(1, 1, 1), chunk_size=65536)
    first = len(sent)
    monkeypatch.setattr(upload_module, "_read", real_read)
    total = path.stat().st_size // 65536
    counted: list[int] = []

    def counting_again(piece):
        counted.append(piece.number)
        return real_read(piece)

    monkeypatch.setattr(upload_module, "_read", counting_again)
    dataset = client.upload(path, org=ORG, name="resumed", voxel_size=(1, 1, 1), chunk_size=65536)
    assert first >= 2 and len(counted) <= total - first + 3  # stored chunks were not sent again
    assert np.array_equal(dataset.layer(next(iter(dataset.layers))).read()[0], volume)


def test_errors_mirror_the_api(server, client):
    with pytest.raises(NotFound) as missing:
        client.dataset(f"{ORG}/no_such_dataset")
    assert missing.value.status == 404 and missing.value.code == "not_found"
    with Client(server.url, "vxh_not_a_token") as bad, pytest.raises(Unauthenticated):
        bad.datasets()
    with Client(server.url, None) as anonymous:  # private datasets are invisible, not forbidden
        assert anonymous.datasets() == []
        with pytest.raises(NotFound):
            anonymous.dataset(f"{ORG}/sample_cells")


def test_cli_login_download_and_bad_input(server, tmp_path):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "VOXHUB_URL": ""}
    login = subprocess.run(
        [VOXHUB, "login", server.url, "--token-stdin"],
        input=server.admin_token + "\n", env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    stored = tmp_path / "config" / "voxhub" / "credentials.json"
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    listing = subprocess.run(
        [VOXHUB, "datasets"], env=env, capture_output=True, text=True, timeout=60
    )
    assert f"{ORG}/sample_cells" in listing.stdout
    target = tmp_path / "box.npy"
    download = subprocess.run(
        [VOXHUB, "download", f"{ORG}/sample_cells", "--layer", "color", "--mag", "2-2-1",
         "--box", "0,0,0,32,16,4", "-o", str(target)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert download.returncode == 0, download.stderr
    with Client(server.url, server.admin_token) as client:
        expected = client.dataset(f"{ORG}/sample_cells").layer("color").open_zarr("2-2-1")
        assert np.array_equal(np.load(target), expected[:, 0:4, 0:16, 0:32])
    bad = subprocess.run(
        [VOXHUB, "download", f"{ORG}/sample_cells", "--box", "1,2", "-o", str(target)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "--box must be 6" in bad.stderr


def test_remote_credentials_through_the_client(client):
    """An admin's credentials of remote sources: added, listed without the secret, rotated,
    removed; a removed one is a NotFound like any missing thing."""
    added = client.add_remote_credential("bucket", "https://data.example.org/lab", {"token": "t-1"})
    assert added["kind"] == "bearer" and added["urlPrefix"] == "https://data.example.org/lab/"
    listed = client.remote_credentials()
    assert [c["name"] for c in listed] == ["bucket"] and "t-1" not in str(listed + [added])
    rotated = client.rotate_remote_credential(added["id"], {"username": "u", "password": "p"})
    assert rotated["kind"] == "basic" and "p" not in rotated.values()
    client.remove_remote_credential(added["id"])
    assert client.remote_credentials() == []
    with pytest.raises(NotFound):
        client.remove_remote_credential(added["id"])
