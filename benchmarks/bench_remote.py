"""Remote layers: a full level-0 box read through voxhub vs tensorstore and zarr-python direct.

An OME-Zarr (NGFF 0.5, 256×512×512 uint8, 64³ chunks: 256 chunk objects) is
served by nginx behind a second nginx server that adds 100 ms to every
request (the echo module's ``echo_sleep``), as an object store far away
would. voxhub registers it as a remote dataset (``POST /datasets/remote``,
the proxy's port allowed by ``VOXHUB_REMOTE_ALLOWED_HOSTS``) and answers the
whole level through its box route; tensorstore and zarr-python read the
same URL directly, with their default settings and with 256 in flight.
voxhub runs (a server each, each cache cold) at its default settings (64
requests in flight for ordinary reads, a large box's chunks put in flight at
once up to 256) and at each peer's concurrency (``VOXHUB_REMOTE_CONCURRENCY``
and ``VOXHUB_REMOTE_BOX_CONCURRENCY`` both = tensorstore's 32, zarr-python's
10, and 256), so each ratio compares equal numbers of requests in flight, as
well as at voxhub's default. Each reader runs once, cold (no
cache of its own warmed before). Prints seconds and voxhub's ratio to each
peer (goal: ≤ 1.2× tensorstore at matched concurrency).

voxhub's time includes receiving its answer, as a user would, two ways: bare
httpx (``client.get(...).content`` with an ``httpx.Client`` made before the clock
starts, one 64 MB join, then ``np.frombuffer``),
and voxhub's own client (``Layer.read``: z bands of 32 MB fetched in parallel,
each streamed into the preallocated result; a fresh server each, cold). The
dataset's description the client reads first is not timed (a user opens a
dataset once). tensorstore and zarr-python time ``open`` (one metadata round
trip); voxhub's first box read opens the level with the metadata kept at registration,
confirming it while the chunks are in flight. Needs Debian's
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

from voxhub.client import Client
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


def voxhub_reads(
    source: str, port: int, concurrency: int | None, data: np.ndarray, client: bool = False
) -> tuple[float, float]:
    """A server with ``concurrency`` requests in flight at most (``None``: its defaults),
    its own cold chunk cache: seconds of a cold and of a warm full-level box read, by
    bare httpx or (``client``) by voxhub's client."""
    env = {
        "VOXHUB_WORKERS": "0", "VOXHUB_SCAN_INTERVAL": "0", "VOXHUB_SAMPLE": "false",
        "VOXHUB_REMOTE_ALLOWED_HOSTS": f"127.0.0.1:{port}",
    }  # fmt: skip
    if concurrency is not None:
        env["VOXHUB_REMOTE_CONCURRENCY"] = env["VOXHUB_REMOTE_BOX_CONCURRENCY"] = str(concurrency)
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

        if not client:
            # made before the clock starts, as voxhub's client is below: making an httpx
            # client (its TLS context) took 20-45 ms, which no peer's read paid
            with httpx.Client(timeout=300) as http:

                def voxhub() -> np.ndarray:
                    answer = http.get(box, params=params, headers=auth)
                    answer.raise_for_status()
                    return np.frombuffer(answer.content, np.uint8)

                return timed(voxhub, data), timed(voxhub, data)
        with Client(server.url, server.admin_token) as ours:
            level = ours.dataset(f"{org}/far").layer(layer)
            return timed(level.read, data), timed(level.read, data)
    finally:
        server.stop()


# Requests each peer keeps in flight by default: tensorstore's ``http_request_concurrency``
# limit (32; a delayed static server saw at most 26 of its requests at once) and
# zarr-python's ``async.concurrency`` (10). "high" is 256 for every reader.
PEER_DEFAULT = {"tensorstore": 32, "zarr-python": 10}
HIGH = 256


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
    load = os.getloadavg()[0]
    print(f"OME-Zarr {z}x{y}x{x} uint8, {CHUNK}^3 chunks ({objects} objects), "
          f"+{DELAY * 1000:.0f} ms per request; one cold read each; load {load:.1f}")  # fmt: skip
    ours: dict[int | None, float] = {}
    client: dict[int | None, float] = {}
    peers: dict[tuple[str, int], float] = {}
    warm = warm_client = 0.0
    try:
        # voxhub at its defaults and at each peer's concurrency (a server each, cache cold)
        for concurrency in (None, *sorted({HIGH, *PEER_DEFAULT.values()})):
            ours[concurrency], again = voxhub_reads(source, delayed, concurrency, data)
            warm = again if concurrency is None else warm
        for concurrency in (None, HIGH):  # voxhub's client, as a user reads
            client[concurrency], again = voxhub_reads(source, delayed, concurrency, data, True)
            warm_client = again if concurrency is None else warm_client
        for name, default in PEER_DEFAULT.items():
            read = tensorstore_read if name == "tensorstore" else zarr_read
            peers[(name, default)] = timed(lambda r=read: r(level, None), data)
            peers[(name, HIGH)] = timed(lambda r=read: r(level, HIGH), data)
        for concurrency, seconds in ours.items():
            label = f"{concurrency:3} in flight" if concurrency else "defaults (64, box 256)"
            print(f"voxhub box route, {label:22} {seconds:6.2f} s   (bare httpx)")
        for concurrency, seconds in client.items():
            label = f"{concurrency:3} in flight" if concurrency else "defaults (64, box 256)"
            print(f"voxhub box route, {label:22} {seconds:6.2f} s   (voxhub client)")
        print("matched concurrency (voxhub's two concurrency settings = the peer's):")
        for (name, concurrency), seconds in peers.items():
            setting = "default" if concurrency == PEER_DEFAULT[name] else "high"
            matched, default = ours[concurrency] / seconds, ours[None] / seconds
            print(f"  {name:11} {setting:7} ({concurrency:3} in flight) {seconds:6.2f} s   "
                  f"voxhub/this = {matched:5.2f}x matched, {default:5.2f}x defaults")  # fmt: skip
        ts_default = ours[None] / peers[("tensorstore", PEER_DEFAULT["tensorstore"])]
        ts_high = ours[HIGH] / peers[("tensorstore", HIGH)]
        print(f"voxhub vs tensorstore: {ts_default:.2f}x both at defaults, {ts_high:.2f}x both "
              f"at {HIGH} (goal <= 1.2x)  (bare httpx)")  # fmt: skip
        ts_default = client[None] / peers[("tensorstore", PEER_DEFAULT["tensorstore"])]
        ts_high = client[HIGH] / peers[("tensorstore", HIGH)]
        print(f"voxhub vs tensorstore: {ts_default:.2f}x both at defaults, {ts_high:.2f}x both "
              f"at {HIGH} (goal <= 1.2x)  (voxhub client)")  # fmt: skip
        print(
            f"voxhub again (chunk cache warm): {warm:.2f} s bare httpx, "
            f"{warm_client:.2f} s voxhub client; load {os.getloadavg()[0]:.1f}"
        )
    finally:
        nginx.terminate()
        nginx.wait()


if __name__ == "__main__":
    main()
