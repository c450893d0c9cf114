"""Starting a real ``voxhub serve`` process, for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import numpy as np

    from voxhub.hub import Hub

VOXHUB = str(Path(sys.executable).parent / "voxhub")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"  # Debian's nginx-light (`make nginx`)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answers(
    url: str,
    process: subprocess.Popen,
    timeout: float,
    pause: float = 0.2,
    status: int | None = None,
    verify: ssl.SSLContext | bool = True,
) -> bool:
    """Whether ``url`` answered (with ``status`` when given) before ``process`` exited and
    before ``timeout`` seconds passed: how a server started here is known to be up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            answer: httpx.Response | None = httpx.get(url, timeout=1, verify=verify)
        except httpx.HTTPError:
            answer = None
        if answer is not None and (status is None or answer.status_code == status):
            return True
        time.sleep(pause)
    return False


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the server and its workers (a killed granian main leaves them orphaned)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Ask a server to stop; kill it and its group when it does not within ``timeout`` s."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)


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
    if not wait_until_answers(f"{url}/health", process, timeout, pause=0.3, status=200):
        how = "exited" if process.poll() is not None else "did not start"
        _kill_group(process)  # its workers too, when only the main process exited
        raise RuntimeError(f"voxhub serve {how}: {Path(log.name).read_text()}")
    printed = Path(log.name).read_text()
    token = re.search(r"(vxh_[A-Za-z0-9_\-]+)", printed)
    password = re.search(r"with password: (\S+)", printed)
    return Server(
        process, url, data, env, token.group(1) if token else None,
        password.group(1) if password else None,
    )  # fmt: skip


def import_volume(
    hub: Hub,
    organization: str,
    name: str,
    data: np.ndarray,
    *,
    chunk_z: int = 16,
    voxel_size: tuple[float, float, float] = (11.0, 11.0, 24.0),
    public: bool = False,
) -> None:
    """Import ``data`` (z, y, x) as layer ``color`` of a new dataset and register it."""
    import dask.array as da  # the importer's libraries: only where a volume is made

    from voxhub.catalog.register import upsert_dataset
    from voxhub.formats.ingest import import_layer
    from voxhub.formats.source import VolumeSource

    array = da.from_array(data[None], chunks=(1, chunk_z, *data.shape[1:]))
    source = VolumeSource(Path("memory"), tuple(array.shape), array.dtype, dask=array)
    properties = import_layer(
        hub.data_root, source, organization=organization, dataset=name, voxel_size=voxel_size,
        layout=hub.layout,
    )  # fmt: skip
    with hub.transaction() as session:
        upsert_dataset(session, organization, name, properties).is_public = public


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
        _stop(self.process)


def start_moto(log: Path | None = None, timeout: float = 60) -> Moto:
    """Run ``moto_server`` on a free loopback port; wait until it answers."""
    port = free_port()
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    if wait_until_answers(f"{url}/moto-api/", process, timeout):
        return Moto(process, url)
    how = "exited" if process.poll() is not None else "did not start"
    _kill_group(process)
    raise RuntimeError(f"moto_server {how}")


@dataclass
class Front:
    """nginx with ``voxhub nginx-config``'s configuration in front of a ``Server``."""

    process: subprocess.Popen
    url: str
    folder: Path

    def stop(self) -> None:
        _stop(self.process)


def nginx_main_config(folder: Path, include: Path, workers: int = 2) -> Path:
    """A whole nginx.conf of its own in ``folder`` (no root needed) including ``include``."""
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf = folder / "nginx.conf"
    # As root nginx's workers would run as nobody, which cannot enter pytest's 0700 folders.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"{user}worker_processes {workers};\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log;\n"
        "events { worker_connections 1024; }\n"
        "http {\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n"
        "  keepalive_requests 100000;\n"
        + "".join(f"  {name}_temp_path {path};\n" for name, path in temp.items()).replace(
            "body_temp_path", "client_body_temp_path"
        )
        + f"  include {include};\n}}\n"
    )
    return conf


def self_signed_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate for ``host`` (an IP address) and its key, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert, key_file = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key_file


def start_front(
    server: Server, folder: Path, workers: int = 2, timeout: float = 10, tls: bool = False
) -> Front:
    """Write ``voxhub nginx-config`` for ``server`` into ``folder`` and run nginx with it;
    with ``tls``, HTTPS and HTTP/2 with a self-signed certificate (``folder/cert.pem``)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    upstream = server.url.removeprefix("http://")
    extra: list[str] = []
    if tls:
        cert, key = self_signed_certificate(folder)
        extra = ["--tls-cert", str(cert), "--tls-key", str(key)]
    generated = subprocess.run(
        [VOXHUB, "nginx-config", "--listen", f"127.0.0.1:{port}", "--upstream", upstream,
         "--cache-dir", str(folder / "cache"), *extra],
        env=server.env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    (folder / "voxhub.conf").write_text(generated.stdout)
    conf = nginx_main_config(folder, folder / "voxhub.conf", workers)
    log = open(folder / "nginx.log", "w")  # noqa: SIM115 (kept open for the process)
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=folder / "cert.pem") if tls else True
    )
    if not wait_until_answers(
        f"{url}/health", process, timeout, pause=0.1, status=200, verify=verify
    ):
        _kill_group(process)
        raise RuntimeError(f"nginx did not start: {(folder / 'error.log').read_text()}")
    return Front(process, url, folder)
