"""Chunk GETs/s and p99 latency: ``voxhub serve`` (access check on) vs nginx on the same files.

Three servers on loopback, two workers each (this machine has two cores): plain
nginx serving the folder (the peer), voxhub alone, and voxhub behind nginx
(``voxhub nginx-config``: nginx sends the files after voxhub's access answer,
cached for the access window). wrk drives them with the same list of chunk URLs
at concurrency 1 and 64, interleaved and repeated (``VOXHUB_BENCH_ROUNDS``,
default 3) because nginx itself swings under other load. voxhub is asked with an
API token for a private dataset, so every request goes through the permission
check. Needs Debian's ``nginx-light`` and ``wrk`` (installed with apt-get when
missing). Prints each round and the median ratios.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import httpx

from voxhub.testing import (
    NGINX,
    free_port,
    nginx_main_config,
    start_front,
    start_server,
    wait_until_answers,
)

WORK = Path(__file__).parent / ".work" / "chunks"
DATASET = "sample_organization/sample_cells"
LUA = """
local paths = {}
for line in io.lines(os.getenv("CHUNK_LIST")) do paths[#paths + 1] = line end
local auth = os.getenv("CHUNK_AUTH")
local i = 0
request = function()
  i = i % #paths + 1
  local headers = {}
  if auth ~= nil and auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("GET", paths[i], headers)
end
"""


HOW = "install them with: apt-get update && apt-get install -y nginx-light wrk"


def ensure_tools() -> None:
    """nginx (the peer) and wrk (the load): Debian's packages, installed when missing."""
    if shutil.which("nginx") and shutil.which("wrk"):
        return
    if not shutil.which("apt-get"):
        raise SystemExit(f"bench_chunks needs nginx and wrk on the PATH; {HOW}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "nginx-light", "wrk"]
    print("installing nginx-light and wrk with apt-get", flush=True)
    if subprocess.run(install, env=env).returncode != 0:  # a stale or empty package list
        subprocess.run(["apt-get", "update", "-qq"], env=env)
        if subprocess.run(install, env=env).returncode != 0:
            raise SystemExit(f"bench_chunks could not install nginx and wrk; {HOW}")
    if not (shutil.which("nginx") and shutil.which("wrk")):
        raise SystemExit(f"nginx or wrk is still not on the PATH; {HOW}")


def start_nginx(root: Path, port: int) -> subprocess.Popen:
    """The peer: nginx serving the data folder itself, the same main config as the front."""
    conf_dir = Path(tempfile.mkdtemp(prefix="nginx-"))
    server = conf_dir / "plain.conf"
    server.write_text(
        f"server {{ listen 127.0.0.1:{port}; root {root}; location /zarr/ {{ alias {root}/; }} }}\n"
    )
    conf = nginx_main_config(conf_dir, server)
    process = subprocess.Popen([NGINX, "-p", str(conf_dir), "-c", str(conf), "-g", "daemon off;"])
    if not wait_until_answers(f"http://127.0.0.1:{port}/", process, timeout=10, pause=0.1):
        raise SystemExit("nginx did not start")
    return process


def cpu_seconds(roots: list[int]) -> float:
    """User + system CPU of the processes ``roots`` and all their descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total = 0.0
    for pid, seconds in times.items():
        ancestor = pid
        while ancestor > 1 and ancestor not in roots:
            ancestor = parents.get(ancestor, 1)
        if ancestor in roots:
            total += seconds
    return total


def wrk(
    base: str, paths_file: Path, connections: int, auth: str | None, seconds: int = 8
) -> tuple[float, float, int]:
    """Requests/s, p99 latency (ms) and the number of requests."""
    script = WORK / "paths.lua"
    script.write_text(LUA)
    threads = 1 if connections == 1 else 2
    env = {**os.environ, "CHUNK_LIST": str(paths_file), "CHUNK_AUTH": auth or ""}
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
        + [base],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", result.stdout).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if errors:
        raise SystemExit(f"{base}: {errors.group(1)} failed requests\n{result.stdout}")
    return rps, p99, int(re.search(r"(\d+) requests in", result.stdout).group(1))


def main() -> None:
    ensure_tools()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    server = start_server(
        WORK / "data",
        {"VOXHUB_HTTP_WORKERS": "2", "VOXHUB_WORKERS": "0", "VOXHUB_SCAN_INTERVAL": "0"},
    )
    nginx_port = free_port()
    nginx = start_nginx(WORK / "data" / "binaryData", nginx_port)
    front = start_front(server, WORK / "front")
    try:
        layer = WORK / "data" / "binaryData" / DATASET / "color"
        chunks = sorted(
            p.relative_to(layer).as_posix()
            for p in (layer / "1").rglob("*")
            if p.is_file() and p.name != "zarr.json"
        )
        paths = WORK / "paths.txt"
        paths.write_text("".join(f"/zarr/{DATASET}/color/{c}\n" for c in chunks))
        auth = f"Bearer {server.admin_token}"
        check = httpx.get(
            f"{server.url}/zarr/{DATASET}/color/{chunks[0]}", headers={"Authorization": auth}
        )
        assert (
            check.status_code == 200
            and httpx.get(f"{server.url}/zarr/{DATASET}/color/{chunks[0]}").status_code == 404
        )
        print(f"{len(chunks)} chunk files of {DATASET}/color mag 1, private dataset, token auth")
        bases = {"nginx": f"http://127.0.0.1:{nginx_port}", "voxhub": server.url,
                 "behind nginx": front.url}  # fmt: skip
        # whose CPU a run costs: voxhub's access answers count for the front
        servers = {"nginx": [nginx.pid], "voxhub": [server.process.pid],
                   "behind nginx": [front.process.pid, server.process.pid]}  # fmt: skip
        assert httpx.get(front.url + paths.read_text().split()[0], headers={"Authorization": auth})
        rounds = int(os.environ.get("VOXHUB_BENCH_ROUNDS", "3"))
        for connections in (1, 64):
            ratios: dict[str, list[float]] = {"voxhub": [], "behind nginx": []}
            cpu: dict[str, list[float]] = {name: [] for name in bases}
            for _ in range(rounds):
                rps: dict[str, float] = {}
                for name, base in bases.items():
                    before = cpu_seconds(servers[name])
                    rps[name], p99, count = wrk(
                        base, paths, connections, None if name == "nginx" else auth
                    )
                    cpu[name].append((cpu_seconds(servers[name]) - before) / count * 1e6)
                    print(
                        f"  c{connections:<2} {name:12} {rps[name]:8.0f} req/s p99 {p99:6.2f} ms "
                        f"server CPU {cpu[name][-1]:5.0f} us/request"
                    )
                for name, values in ratios.items():
                    values.append(rps[name] / rps["nginx"])
            summary = ", ".join(
                f"{name} {statistics.median(values):.2f}x nginx ({min(values):.2f}-"
                f"{max(values):.2f}, CPU/request {statistics.median(cpu[name]):.0f} vs "
                f"{statistics.median(cpu['nginx']):.0f} us)"
                for name, values in ratios.items()
            )
            print(
                f"concurrency {connections:2}: {summary}; target >= 0.5x; "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        front.stop()
        nginx.terminate()
        server.stop()


if __name__ == "__main__":
    main()
