"""A second ``voxhub serve`` on a busy port refuses instead of sharing it (SO_REUSEPORT)."""

from __future__ import annotations

import os
import subprocess

import httpx

from voxhub.testing import VOXHUB, free_port, start_server


def test_a_second_serve_on_the_same_port_refuses_and_the_first_keeps_it(tmp_path):
    first_data = tmp_path / "first" / "data"
    first_data.parent.mkdir()
    first = start_server(first_data, {"VOXHUB_SAMPLE": "false"})
    try:
        port = first.url.rsplit(":", 1)[1]
        env = {
            **os.environ, "VOXHUB_DATA": str(tmp_path / "second"), "VOXHUB_PORT": port,
            "VOXHUB_HOST": "127.0.0.1", "VOXHUB_SAMPLE": "false",
        }  # fmt: skip
        second = subprocess.run(
            [VOXHUB, "serve"], env=env, capture_output=True, text=True, timeout=120
        )
        assert second.returncode != 0
        assert "address already in use" in second.stderr
        assert "listening" not in second.stdout + second.stderr
        assert not (tmp_path / "second").exists()  # refused before touching its data folder
        # every request still reaches the first server (and its admin token)
        headers = {"Authorization": f"Bearer {first.admin_token}"}
        for _ in range(6):
            assert httpx.get(f"{first.url}/api/v1/auth/me", headers=headers).status_code == 200
    finally:
        first.stop()


def test_the_listening_line_comes_once_the_port_accepts_connections(tmp_path):
    """Scripts wait for the line and connect at once: no retry may be needed after it."""
    port = free_port()
    env = {
        **os.environ, "VOXHUB_DATA": str(tmp_path / "data"), "VOXHUB_PORT": str(port),
        "VOXHUB_HOST": "127.0.0.1", "VOXHUB_SAMPLE": "false",
    }  # fmt: skip
    process = subprocess.Popen(
        [VOXHUB, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        printed = []
        for line in process.stdout:
            printed.append(line)
            if "listening" in line:
                break
        assert "listening" in printed[-1], "".join(printed)
        answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=60)
        assert answer.status_code == 200
    finally:
        os.killpg(process.pid, 9)
        process.wait()
