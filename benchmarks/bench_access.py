"""Chunk GETs with the full access check vs. a public dataset, on one ``voxhub serve``.

Two copies of the same volume: ``lab/public_em`` (public, asked anonymously) and
``lab/team_em`` (private, in a folder five levels deep whose top folder allows
team A, asked with a member's API token). Both are read chunk by chunk over
loopback with aiohttp at concurrency 32, in alternating rounds, and the server's
CPU time per request is measured alongside throughput; last, the /zarr handler
alone is timed in-process (no sockets, no client), which is the steadiest number
on a shared machine. Prints the ratios (target: checked / public >= 0.9). Not
part of the test suite.

    .venv/bin/python benchmarks/bench_access.py [--requests 3000] [--rounds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import time
from pathlib import Path

import aiohttp
import numpy as np
import psutil

from voxhub.access import teams as team_service
from voxhub.access.accounts import create_user, issue_token
from voxhub.access.principal import system_principal
from voxhub.catalog import datasets as dataset_service
from voxhub.catalog import folders as folder_service
from voxhub.catalog.register import ensure_organization
from voxhub.config import Settings
from voxhub.hub import Hub
from voxhub.testing import import_volume, start_server

WORK = Path(__file__).parent / ".work" / "access"
CHUNK = (32, 32, 32)
CONCURRENCY = 32


def write_dataset(hub: Hub, name: str, data: np.ndarray) -> None:
    import_volume(hub, "lab", name, data, chunk_z=CHUNK[0], public=name == "public_em")


def prepare(data_dir: Path) -> str:
    """Both datasets, the 5-deep folder grant and a member's token (returned)."""
    hub = Hub(Settings(data=data_dir, chunk_shape=CHUNK)).prepare()
    rng = np.random.default_rng(0)
    volume = rng.integers(0, 255, (128, 256, 256), dtype=np.uint8)
    for name in ("public_em", "team_em"):
        write_dataset(hub, name, volume)
    operator = system_principal("bench")
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        team = team_service.create_team(session, operator, org, "A")
        member = create_user(session, email="member@lab.org", organization=org)
        team_service.set_member(session, operator, team, member)
        deep = folder_service.ensure_path(session, operator, org, "a/b/c/d/e")
        top = folder_service.find_path(session, org, "a")
        folder_service.set_folder_teams(session, operator, top, [team.id])
        private = dataset_service.find_dataset(session, "lab", "team_em")
        dataset_service.move(session, operator, [private], deep)
        token = issue_token(session, member, "bench").token
    hub.close()
    return token


def chunk_paths(data_dir: Path, dataset: str) -> list[str]:
    level = data_dir / "binaryData" / "lab" / dataset / "color" / "1"
    keys = sorted(p.relative_to(level).as_posix() for p in level.rglob("*") if p.is_file())
    return [f"/zarr/lab/{dataset}/color/1/{key}" for key in keys if key != "zarr.json"]


async def drive(
    base: str, paths: list[str], total: int, headers: dict
) -> tuple[float, list[float]]:
    """``total`` GETs spread over ``CONCURRENCY`` workers: requests/s and latencies (ms)."""
    latencies: list[float] = []
    counter = iter(range(total))
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(base, connector=connector, headers=headers) as http:

        async def worker() -> None:
            for i in counter:
                start = time.perf_counter()
                async with http.get(paths[i % len(paths)]) as response:
                    await response.read()
                    if response.status != 200:
                        raise SystemExit(f"{paths[i % len(paths)]}: HTTP {response.status}")
                latencies.append((time.perf_counter() - start) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return total / (time.perf_counter() - start), latencies


def server_cpu(pid: int) -> float:
    process = psutil.Process(pid)
    seconds = 0.0
    for proc in (process, *process.children(recursive=True)):
        try:
            times = proc.cpu_times()
            seconds += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return seconds


def in_process(data_dir: Path, cases: dict[str, tuple[list[str], dict]], n: int = 3000) -> dict:
    """Microseconds per request of the /zarr handler itself (no sockets), per case.

    The best of nine alternating runs: on a shared machine the minimum is what the
    code costs, anything above it is other processes.
    """
    from starlette.requests import Request

    from voxhub.api.app import create_app
    from voxhub.api.zarr import dispatch

    hub = Hub(Settings(data=data_dir, scan_interval=0, workers=0))
    app = create_app(hub)

    def request(path: str, headers: dict) -> Request:
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        return Request({"type": "http", "method": "GET", "path": path, "query_string": b"",
                        "headers": raw, "app": app})  # fmt: skip

    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(9):
        for name, (paths, headers) in cases.items():
            requests = [request(paths[i % len(paths)], headers) for i in range(n)]
            start = time.perf_counter()
            for req in requests:
                assert dispatch(req).status_code == 200  # type: ignore[union-attr]
            timings[name].append((time.perf_counter() - start) / n * 1e6)
    hub.close()
    return {name: min(values) for name, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="GETs per round and dataset")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    data_dir = WORK / "data"
    token = prepare(data_dir)
    env = {"VOXHUB_SAMPLE": "false", "VOXHUB_WORKERS": "0", "VOXHUB_SCAN_INTERVAL": "0"}
    server = start_server(data_dir, env)
    cases = {
        "public, anonymous": (chunk_paths(data_dir, "public_em"), {}),
        "team via 5-deep folder, token": (
            chunk_paths(data_dir, "team_em"), {"Authorization": f"Bearer {token}"}),
    }  # fmt: skip
    results: dict[str, list[tuple[float, float, list[float]]]] = {name: [] for name in cases}
    try:
        for paths, headers in cases.values():  # warm up caches and connections
            asyncio.run(drive(server.url, paths, 300, headers))
        for round_ in range(args.rounds):
            order = list(cases.items())
            for name, (paths, headers) in order[:: 1 if round_ % 2 == 0 else -1]:  # cancel drift
                cpu = server_cpu(server.process.pid)
                rps, latencies = asyncio.run(drive(server.url, paths, args.requests, headers))
                cpu_us = (server_cpu(server.process.pid) - cpu) / args.requests * 1e6
                results[name].append((rps, cpu_us, latencies))
    finally:
        server.stop()
    print(f"{len(cases['public, anonymous'][0])} chunk files per dataset, {CHUNK} chunks, "
          f"concurrency {CONCURRENCY}, {args.rounds} rounds of {args.requests} GETs")  # fmt: skip
    summary = {}
    for name, runs in results.items():
        rps = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        latencies = sorted(x for r in runs for x in r[2])
        p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
        summary[name] = (rps, cpu)
        print(f"  {name:32} {rps:8.0f} req/s  server CPU {cpu:6.0f} us/req  "
              f"p50 {p50:5.1f} ms  p99 {p99:6.1f} ms")  # fmt: skip
    (pub_rps, pub_cpu), (team_rps, team_cpu) = summary.values()
    print(f"ratio checked/public: throughput {team_rps / pub_rps:.2f}x (target >= 0.9x), "
          f"server CPU per request {team_cpu / pub_cpu:.2f}x")  # fmt: skip
    handler = in_process(data_dir, cases)
    for name, micros in handler.items():
        print(f"  {name:32} handler alone {micros:6.1f} us/req (in-process, best of 9)")
    pub_us, team_us = handler.values()
    print(f"ratio checked/public, handler alone: {pub_us / team_us:.2f}x the public speed")


if __name__ == "__main__":
    main()
