"""Ctrl-C during ``voxhub import``: one line on stderr, exit code 130, nothing published."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import numpy as np

from voxhub.testing import VOXHUB


def test_ctrl_c_prints_one_line_and_exits_130(tmp_path):
    raw = tmp_path / "big.raw"
    np.random.default_rng(0).integers(0, 255, (256, 256, 256), dtype=np.uint8).tofile(raw)
    data = tmp_path / "data"
    env = {**os.environ, "VOXHUB_DATA": str(data)}
    process = subprocess.Popen(
        [VOXHUB, "import", str(raw), "--org", "lab", "--name", "big", "--shape", "256,256,256",
         "--dtype", "uint8", "--voxel-size", "1,1,1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    staging = data / ".staging"
    while not (staging.is_dir() and any(staging.iterdir())) and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, (out, err)
    assert err.strip() == "interrupted", err
    assert not (data / "binaryData" / "lab" / "big").exists()
