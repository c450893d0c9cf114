"""Chunk GETs from an external datastore vs the hub itself, same volume, same token.

A hub (``voxhub serve``) holds ``lab/near``; a datastore node (``voxhub serve
--datastore``, its own data folder and SQLite) holds ``lab/far``, the same
128x256x256 uint8 volume in 32^3 chunks. Both are private; a dataset manager's
API token reads them chunk by chunk over loopback with aiohttp at concurrency 32,
in alternating rounds. The node asks the hub once per token and dataset every
``VOXHUB_ACCESS_CACHE_SECONDS`` and runs its checks off the event loop, so the
ratio node/hub is the price of spreading out. Not part of the tests.

    .venv/bin/python benchmarks/bench_datastore.py [--requests 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
from pathlib import Path

import httpx
import numpy as np
from bench_access import chunk_paths, drive, server_cpu

from voxhub.access.accounts import create_user, issue_token
from voxhub.catalog.register import ensure_organization
from voxhub.config import Settings
from voxhub.hub import Hub
from voxhub.testing import import_volume, start_server

WORK = Path(__file__).parent / ".work" / "datastore"
CHUNK = (32, 32, 32)


def write(data_dir: Path, name: str, volume: np.ndarray) -> Hub:
    hub = Hub(Settings(data=data_dir, chunk_shape=CHUNK)).prepare()
    import_volume(hub, "lab", name, volume, chunk_z=CHUNK[0], voxel_size=(1.0, 1.0, 1.0))
    return hub


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="GETs per round and server")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    volume = np.random.default_rng(0).integers(0, 255, (128, 256, 256), dtype=np.uint8)
    hub_dir, node_dir = WORK / "hub" / "data", WORK / "node" / "data"
    hub = write(hub_dir, "near", volume)
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        root = create_user(session, email="root@hub.org", organization=org, is_superuser=True)
        reader = create_user(session, email="m@lab.org", organization=org, role="dataset_manager")
        root_token = issue_token(session, root, "bench").token
        token = issue_token(session, reader, "bench").token
    hub.close()
    write(node_dir, "far", volume).close()
    quiet = {"VOXHUB_SAMPLE": "false", "VOXHUB_WORKERS": "0", "VOXHUB_SCAN_INTERVAL": "0"}
    servers = [start_server(hub_dir, quiet)]
    try:
        hub_server = servers[0]
        created = httpx.post(
            f"{hub_server.url}/api/v1/datastores", json={"name": "node", "url": "http://x.org"},
            headers={"Authorization": f"Bearer {root_token}"},
        ).raise_for_status()  # fmt: skip
        node = start_server(
            node_dir, quiet, args=("--datastore", "--hub", hub_server.url, "--key",
                                   created.json()["key"]),
        )  # fmt: skip
        servers.append(node)
        headers = {"Authorization": f"Bearer {token}"}
        cases = {
            "hub": (hub_server, chunk_paths(hub_dir, "near")),
            "datastore": (node, chunk_paths(node_dir, "far")),
        }
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for server, paths in cases.values():  # warm both (the node's first question)
            asyncio.run(drive(server.url, paths, 200, headers))
        for _ in range(args.rounds):
            for name, (server, paths) in cases.items():
                before = server_cpu(server.process.pid)
                rps, _latencies = asyncio.run(drive(server.url, paths, args.requests, headers))
                cpu = (server_cpu(server.process.pid) - before) / args.requests * 1e6
                results[name].append((rps, cpu))
    finally:
        for server in servers:
            server.stop()
    print(f"{len(cases['hub'][1])} chunk files, {CHUNK} chunks, {args.rounds} rounds of "
          f"{args.requests} GETs at concurrency 32")  # fmt: skip
    best = {}
    for name, runs in results.items():
        rps = max(r for r, _ in runs)
        cpu = min(c for _, c in runs)
        best[name] = (rps, cpu)
        print(f"  {name:10} {rps:8.0f} req/s (best round)   server CPU {cpu:6.0f} us/req")
    print(
        f"ratio datastore/hub: throughput {best['datastore'][0] / best['hub'][0]:.2f}x, "
        f"CPU per request {best['datastore'][1] / best['hub'][1]:.2f}x"
    )


if __name__ == "__main__":
    main()
