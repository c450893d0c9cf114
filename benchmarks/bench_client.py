"""The Python client's upload and download throughput against raw HTTP on the same routes.

One ``voxhub serve`` over loopback, one uint8 TIFF stack (default 256 MiB, or
``VOXHUB_BENCH_MIB``; ``--mib 1024`` for the issue's 1 GiB):

- upload: ``Client.upload`` (resumable protocol, 8 MiB chunks, ``--parallel``
  in flight; a resumed upload asks for each chunk first, a fresh one does not)
  against the peer, a bare httpx loop
  POSTing the same chunks one after another with no test requests — the
  least a resumable.js-style client can do. Only the transfer is timed (both
  reserve, send every chunk and finish; conversion is not waited for).
- download: ``Layer.read`` of the whole layer (parallel z bands) against one
  raw GET of the same box as ``.npy`` through the data route.

Prints MiB/s and the ratio client / raw (goal >= 0.8). Not part of the tests.

    .venv/bin/python benchmarks/bench_client.py [--mib 256] [--parallel 4]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import time
from pathlib import Path

import httpx
import numpy as np
import tifffile

from voxhub.client import Client
from voxhub.client._upload import CHUNK_SIZE, files_of, pieces, reserve_body
from voxhub.testing import start_server

WORK = Path(__file__).parent / ".work" / "client"
ORG = "sample_organization"


def make_stack(mib: int) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"stack-{mib}.tif"
    if not path.exists():
        side = 1024
        depth = max(1, mib * 1024 * 1024 // (side * side))
        rng = np.random.default_rng(0)
        with tifffile.TiffWriter(path, bigtiff=True) as tif:
            for _ in range(depth):
                tif.write(rng.integers(0, 255, (side, side), dtype=np.uint8), contiguous=True)
    return path


def raw_upload(url: str, token: str, path: Path, name: str) -> None:
    files = files_of(path)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=300) as h:
        body = reserve_body(name, ORG, files, voxelSize=[1, 1, 1])
        upload_id = h.post("/api/v1/uploads", json=body).raise_for_status().json()["uploadId"]
        with open(path, "rb") as f:
            for piece in pieces(files, CHUNK_SIZE):
                f.seek(piece.offset)
                data = f.read(piece.length)
                h.post(
                    f"/api/v1/uploads/{upload_id}/chunks",
                    data=piece.fields(),
                    files={"file": ("x", data)},
                ).raise_for_status()
        h.post(f"/api/v1/uploads/{upload_id}/finish").raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=int(os.environ.get("VOXHUB_BENCH_MIB", 256)))
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()
    stack = make_stack(args.mib)
    size_mib = stack.stat().st_size / 2**20
    data = WORK / "data"
    shutil.rmtree(data, ignore_errors=True)
    env = {
        "VOXHUB_WORKERS": "1", "VOXHUB_SCAN_INTERVAL": "0", "VOXHUB_MAX_BOX_BYTES": str(2**31),
        "VOXHUB_SAMPLE": "false",  # the admin's organization exists without it
    }  # fmt: skip
    server = start_server(data, env)
    try:
        token = server.admin_token or ""
        start = time.perf_counter()
        raw_upload(server.url, token, stack, "raw_upload")
        raw_up = time.perf_counter() - start
        with Client(server.url, token, parallel=args.parallel) as client:
            start = time.perf_counter()
            job = client.upload(stack, org=ORG, name="client_upload", voxel_size=(1, 1, 1),
                                wait=False)  # fmt: skip
            client_up = time.perf_counter() - start
            client.wait(job["id"])  # type: ignore[index]
            layer = client._published(f"{ORG}/client_upload").layer("color")
            start = time.perf_counter()
            block = layer.read()
            client_down = time.perf_counter() - start
            width, height, depth = layer.size
            params = {"width": width, "height": height, "depth": depth, "format": "npy"}
            start = time.perf_counter()
            answer = client.http.request("GET", f"{layer.api_path}/data", params=params)
            raw_block = np.load(io.BytesIO(answer.content))
            raw_down = time.perf_counter() - start
            assert np.array_equal(block, raw_block)
    finally:
        server.stop()
    down_mib = block.nbytes / 2**20
    print(f"stack {size_mib:.0f} MiB, parallel {args.parallel}")
    report("upload", size_mib, raw_up, client_up)
    report("download", down_mib, raw_down, client_down)


def report(what: str, mib: float, raw: float, client: float) -> None:
    print(
        f"{what:9} raw {mib / raw:8.1f} MiB/s   client {mib / client:8.1f} MiB/s   "
        f"ratio client/raw {raw / client:.2f}"
    )


if __name__ == "__main__":
    main()
