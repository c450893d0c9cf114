"""``voxhub remote explore``: a proposal on stdout, the SSRF guard's refusal as one line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import zarr
from ome_zarr.format import FormatV05
from ome_zarr.writer import write_image
from tests.static_server import static_server

from voxhub.testing import VOXHUB


def test_explore_prints_properties_and_refuses_loopback(tmp_path: Path):
    root = zarr.open_group(str(tmp_path / "src" / "img.zarr"), mode="w", zarr_format=3)
    write_image(np.ones((8, 16, 16), np.uint8), root, axes="zyx", fmt=FormatV05(), scale_factors=())
    env = {**os.environ, "VOXHUB_DATA": str(tmp_path / "data")}
    with static_server(tmp_path / "src") as base:
        url = f"{base}/img.zarr"
        allowed = {**env, "VOXHUB_REMOTE_ALLOWED_HOSTS": urlsplit(base).netloc}
        done = subprocess.run(
            [VOXHUB, "remote", "explore", url], env=allowed, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        layer = json.loads(done.stdout)["dataLayers"][0]
        assert layer["dataFormat"] == "zarr3" and layer["boundingBox"]["depth"] == 8
        refused = subprocess.run(
            [VOXHUB, "remote", "explore", url], env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "not reachable" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


def test_add_registers_a_remote_dataset_with_a_sealed_token(tmp_path: Path):
    from voxhub.config import Settings
    from voxhub.db.remote_models import RemoteCredential
    from voxhub.hub import Hub

    data = np.arange(8 * 16 * 16, dtype=np.uint8).reshape(8, 16, 16)
    root = zarr.open_group(str(tmp_path / "src" / "img.zarr"), mode="w", zarr_format=3)
    write_image(data, root, axes="zyx", fmt=FormatV05(), scale_factors=())
    env = {**os.environ, "VOXHUB_DATA": str(tmp_path / "data")}
    with static_server(tmp_path / "src") as base:
        allowed = {**env, "VOXHUB_REMOTE_ALLOWED_HOSTS": urlsplit(base).netloc}
        command = [VOXHUB, "remote", "add", f"{base}/img.zarr", "--org", "lab", "--name", "far",
                   "--token-stdin"]  # fmt: skip
        done = subprocess.run(command, env=allowed, input="tok-123\n", capture_output=True,
                              text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "registered lab/far" in done.stdout and "tok-123" not in done.stdout
        again = subprocess.run(command, env=allowed, input="t\n", capture_output=True,
                               text=True, timeout=120)  # fmt: skip
        assert again.returncode != 0 and "already exists" in again.stderr
        assert "Traceback" not in again.stderr
        hub = Hub(Settings(data=tmp_path / "data", remote_allowed_hosts=(urlsplit(base).netloc,)))
        try:
            with hub.sessions() as session:
                (row,) = session.query(RemoteCredential).all()
                assert row.kind == "bearer" and b"tok-123" not in row.secret
            from voxhub.catalog.levels import open_level

            level = open_level(hub.index.lookup("lab", "far").layers["img"], "1")
            assert np.array_equal(level[0], data)
        finally:
            hub.close()
    refused = subprocess.run(
        [VOXHUB, "remote", "add", "http://169.254.169.254/x", "--org", "lab", "--name", "m"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode != 0 and "not reachable" in refused.stderr
