"""Remote layers: a full level-0 box read through voxhub vs tensorstore and zarr-python direct.

An OME-Zarr (NGFF 0.5, 256×512×512 uint8, 64³ chunks: 256 chunk objects) is
served by nginx behind a second nginx server that adds 100 ms to every
request (the echo module's ``echo_sleep``), as an object store far away
would. voxhub registers it as a remote dataset (``POST /datasets/remote``,
the proxy's port allowed by ``VOXHUB_REMOTE_ALLOWED_HOSTS``) and answers the
whole level through its box route, once at its default concurrency (64)
and once with 256 in flight (a server each, each cache cold); tensorstore
and zarr-python read the same URL directly, with their default settings and
with high concurrency. Each
reader runs once, cold (no cache of its own warmed before). Prints seconds
and voxhub's ratio to each peer (goal: ≤ 1.2× tensorstore). Needs Debian's
``nginx-light`` and ``libnginx-mod-http-echo`` (installed with apt-get when
missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import tensorstore as ts
import zarr

from voxhub.testing import free_port, start_server, wait_until_answers

WORK = Path(__file__).parent / ".work" / "remote"
SHAPE = (256, 512, 512)
CHUNK = 64
DELAY = 0.1
ECHO = "/usr/lib/nginx/modules/ngx_http_echo_module.so"


def ensure_tools() -> None:
    if shutil.which("nginx") and Path(ECHO).exists():
        return
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "nginx-light", "libnginx-mod-http-echo"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def write_source(root: Path) -> np.ndarray:
    """The OME-Zarr image: smooth noise (compresses like real EM, not like pure noise)."""
    from ome_zarr.format import FormatV05
    from ome_zarr.writer import write_image

    rng = np.random.default_rng(0)
    data = (rng.normal(128, 30, SHAPE) + np.linspace(0, 60, SHAPE[2])).clip(0, 255)
    data = data.astype(np.uint8)
    group = zarr.open_group(str(root / "img.ome.zarr"), mode="w", zarr_format=3)
    write_image(
        data, group, axes="zyx", fmt=FormatV05(), scale_factors=(2,),
        storage_options={"chunks": (CHUNK, CHUNK, CHUNK)},
    )  # fmt: skip
    return data


def start_nginx(root: Path, origin: int, delayed: int) -> subprocess.Popen:
    conf = Path(tempfile.mkdtemp(prefix="nginx-remote-"))
    temp = " ".join(
        f"{name}_temp_path {conf}/{name};" for name in ("proxy", "fastcgi", "uwsgi", "scgi")
    )
    (conf / "nginx.conf").write_text(
        f"""
load_module {ECHO};
worker_processes 2;
pid {conf}/nginx.pid;
error_log {conf}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  client_body_temp_path {conf}/body;
  {temp}
  upstream origin {{ server 127.0.0.1:{origin}; keepalive 256; }}
  server {{ listen 127.0.0.1:{origin}; root {root}; }}
  server {{
    listen 127.0.0.1:{delayed};
    location / {{ echo_sleep {DELAY}; echo_exec @origin; }}
    location @origin {{
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }}
  }}
}}
"""
    )
    process = subprocess.Popen(["nginx", "-c", str(conf / "nginx.conf"), "-g", "daemon off;"])
    if not wait_until_answers(f"http://127.0.0.1:{delayed}/", process, timeout=10, pause=0.1):
        raise SystemExit("nginx did not start")
    return process


def timed(read: Callable[[], np.ndarray], expected: np.ndarray) -> float:
    start = time.perf_counter()
    got = read()
    seconds = time.perf_counter() - start
    if not np.array_equal(np.asarray(got).reshape(expected.shape), expected):
        raise SystemExit("a reader returned other data than the source")
    return seconds


def tensorstore_read(url: str, concurrency: int | None) -> np.ndarray:
    context = (
        ts.Context({"http_request_concurrency": {"limit": concurrency}}) if concurrency else None
    )
    spec = {"driver": "zarr3", "kvstore": {"driver": "http", "base_url": url}}
    store = (
        ts.open(spec, read=True, context=context).result()
        if context
        else ts.open(spec, read=True).result()
    )
    return store.read().result()


def zarr_read(url: str, concurrency: int | None) -> np.ndarray:
    if concurrency is None:
        return zarr.open_array(url, mode="r")[...]
    with zarr.config.set({"async.concurrency": concurrency}):
        return zarr.open_array(url, mode="r")[...]


def voxhub_reads(source: str, port: int, concurrency: int, data: np.ndarray) -> tuple[float, float]:
    """A server with ``VOXHUB_REMOTE_CONCURRENCY=concurrency`` (its own, cold chunk cache):
    seconds of a cold and of a warm full-level box read."""
    env = {
        "VOXHUB_WORKERS": "0", "VOXHUB_SCAN_INTERVAL": "0", "VOXHUB_SAMPLE": "false",
        "VOXHUB_REMOTE_ALLOWED_HOSTS": f"127.0.0.1:{port}",
        "VOXHUB_REMOTE_CONCURRENCY": str(concurrency),
    }  # fmt: skip
    shutil.rmtree(WORK / "data", ignore_errors=True)
    server = start_server(WORK / "data", env)
    try:
        auth = {"Authorization": f"Bearer {server.admin_token}"}
        added = httpx.post(
            f"{server.url}/api/v1/datasets/remote", json={"name": "far", "url": source},
            headers=auth, timeout=60,
        )  # fmt: skip
        if added.status_code != 201:
            raise SystemExit(f"registering the remote source failed: {added.text}")
        org, layer = added.json()["organization"], added.json()["layers"][0]
        z, y, x = SHAPE
        box = f"{server.url}/api/v1/datasets/{org}/far/layers/{layer}/data"
        params = {"width": x, "height": y, "depth": z}

        def voxhub() -> np.ndarray:
            answer = httpx.get(box, params=params, headers=auth, timeout=300)
            answer.raise_for_status()
            return np.frombuffer(answer.content, np.uint8)

        return timed(voxhub, data), timed(voxhub, data)
    finally:
        server.stop()


def main() -> None:
    ensure_tools()
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "source").mkdir(parents=True)
    data = write_source(WORK / "source")
    origin, delayed = free_port(), free_port()
    nginx = start_nginx(WORK / "source", origin, delayed)
    source = f"http://127.0.0.1:{delayed}/img.ome.zarr"
    z, y, x = SHAPE
    level = f"{source}/s0"
    objects = (z // CHUNK) * (y // CHUNK) * (x // CHUNK)
    print(f"OME-Zarr {z}x{y}x{x} uint8, {CHUNK}^3 chunks ({objects} objects), "
          f"+{DELAY * 1000:.0f} ms per request; one cold read each")  # fmt: skip
    results, warm = {}, 0.0
    try:
        for concurrency in (64, 256):  # the default, and as many in flight as the peers' high
            name = f"voxhub box route ({concurrency} in flight)"
            results[name], again = voxhub_reads(source, delayed, concurrency, data)
            warm = again if concurrency == 64 else warm
        results["tensorstore (default)"] = timed(lambda: tensorstore_read(level, None), data)
        results["tensorstore (256 in flight)"] = timed(lambda: tensorstore_read(level, 256), data)
        results["zarr-python (default)"] = timed(lambda: zarr_read(level, None), data)
        results["zarr-python (256 in flight)"] = timed(lambda: zarr_read(level, 256), data)
        ours = results["voxhub box route (64 in flight)"]
        for name, seconds in results.items():
            print(f"{name:34} {seconds:6.2f} s   voxhub (64) / this = {ours / seconds:5.2f}x")
        best = min(results["tensorstore (default)"], results["tensorstore (256 in flight)"])
        high = results["voxhub box route (256 in flight)"]
        print(f"voxhub vs the faster tensorstore: {ours / best:.2f}x at voxhub's default "
              f"concurrency, {high / best:.2f}x at 256 (goal <= 1.2x)")  # fmt: skip
        print(f"voxhub again (chunk cache warm): {warm:.2f} s")
    finally:
        nginx.terminate()
        nginx.wait()


if __name__ == "__main__":
    main()
