"""Starting a real ``voxhub serve`` process, for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

VOXHUB = str(Path(sys.executable).parent / "voxhub")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the server and its workers (a killed granian main leaves them orphaned)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    data: Path
    env: dict[str, str]
    admin_token: str | None
    admin_password: str | None = None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        _kill_group(self.process)  # whatever of its group is still there


def start_server(
    data: Path,
    extra_env: dict[str, str] | None = None,
    timeout: float = 420,
    args: tuple[str, ...] = (),
) -> Server:
    """Run ``voxhub serve [args]`` on a free loopback port; wait until /health answers."""
    port = free_port()
    env = {**os.environ, "VOXHUB_DATA": str(data), "VOXHUB_PORT": str(port), **(extra_env or {})}
    env.setdefault("VOXHUB_HOST", "127.0.0.1")
    log = open(data.parent / f"serve-{port}.log", "w")  # noqa: SIM115 (kept open for the process)
    # A session of its own: killing it must take granian's worker processes along.
    process = subprocess.Popen(
        [VOXHUB, "serve", *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"voxhub serve exited: {Path(log.name).read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        _kill_group(process)
        raise RuntimeError(f"voxhub serve did not start: {Path(log.name).read_text()}")
    printed = Path(log.name).read_text()
    token = re.search(r"(vxh_[A-Za-z0-9_\-]+)", printed)
    password = re.search(r"with password: (\S+)", printed)
    return Server(
        process, url, data, env, token.group(1) if token else None,
        password.group(1) if password else None,
    )  # fmt: skip
