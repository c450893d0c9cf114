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


@dataclass
class Moto:
    """moto's stand-alone S3 server on a loopback port (tests and ``bench_s3``)."""

    process: subprocess.Popen
    url: str

    # Any keys do for moto; they are passed on to voxhub the usual way (AWS_*).
    env = {
        "AWS_ACCESS_KEY_ID": "voxhub-test",
        "AWS_SECRET_ACCESS_KEY": "voxhub-test-secret",
        "AWS_REGION": "us-east-1",
    }

    def create_bucket(self, name: str) -> None:
        import boto3  # type: ignore[import-untyped]  # moto's dependency: only where moto is

        client = boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
            region_name=self.env["AWS_REGION"],
        )
        client.create_bucket(Bucket=name)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _kill_group(self.process)


def start_moto(log: Path | None = None, timeout: float = 60) -> Moto:
    """Run ``moto_server`` on a free loopback port; wait until it answers."""
    port = free_port()
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("moto_server exited")
        try:
            httpx.get(f"{url}/moto-api/", timeout=1)
            return Moto(process, url)
        except httpx.HTTPError:
            time.sleep(0.2)
    _kill_group(process)
    raise RuntimeError("moto_server did not start")
