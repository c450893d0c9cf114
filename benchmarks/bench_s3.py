"""Chunk GET throughput of an S3-hosted dataset: voxhub's /zarr (proxied, and 307 to a
presigned URL) against reading the same objects from the bucket directly.

moto's stand-alone server plays the bucket on loopback. A TIFF stack is imported with
``VOXHUB_STORAGE=s3://…`` (32³ chunks: 256 objects at mag 1); two ``voxhub serve``
processes share that catalog and bucket, one with ``VOXHUB_S3_REDIRECT=proxy``, one with
``presigned``. One aiohttp client, CONCURRENCY requests in flight, reads every chunk
ROUNDS times from each, in alternating rounds:

- direct: presigned object URLs made up front (no voxhub in the path);
- proxied: ``/zarr/…`` with an API token (permission check, then the bytes through voxhub);
- presigned: ``/zarr/…`` with the token, following the 307 to the bucket.

Then the store question of the storage layer: every chunk read through zarr's
``ObjectStore`` over obstore vs ``FsspecStore`` over s3fs (when an async s3fs is
importable), same objects, same concurrency. Prints req/s and ratios (goal: /zarr >= 0.5x
of direct).

moto is a single Python process and the slowest part of this set-up (~100-150 req/s
here): the ratios say that voxhub in the path costs little next to the bucket, not what
a real S3 endpoint would give.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import aiohttp
import numpy as np
import tifffile

from voxhub.testing import VOXHUB, start_moto, start_server

WORK = Path(__file__).parent / ".work" / "s3"
BUCKET = "voxhub-bench"
CONCURRENCY = 32
ROUNDS = 3


async def _get_all(urls: list[str], headers: dict[str, str]) -> tuple[float, int]:
    """Seconds to GET every URL (CONCURRENCY in flight), and the bytes received."""
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    received = 0
    async with aiohttp.ClientSession(connector=connector) as session:
        slots = asyncio.Semaphore(CONCURRENCY)

        async def one(url: str) -> None:
            nonlocal received
            async with slots, session.get(url, headers=headers) as response:
                body = await response.read()
                if response.status != 200:
                    raise SystemExit(f"{url}: {response.status} {body[:200]!r}")
                received += len(body)

        start = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        return time.perf_counter() - start, received


async def _zarr_store_reads(store: object, keys: list[str]) -> float:
    from zarr.core.buffer import default_buffer_prototype

    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(key: str) -> None:
        async with slots:
            if await store.get(key, default_buffer_prototype()) is None:  # type: ignore[attr-defined]
                raise SystemExit(f"{key}: missing")

    start = time.perf_counter()
    await asyncio.gather(*(one(k) for k in keys))
    return time.perf_counter() - start


def _fsspec_store(moto_url: str, env: dict[str, str]) -> object | None:
    try:
        import s3fs
        from zarr.storage import FsspecStore
    except ImportError:
        return None
    if not hasattr(s3fs.S3FileSystem, "async_impl") or not s3fs.S3FileSystem.async_impl:
        print(f"(s3fs {s3fs.__version__} here is not async: FsspecStore comparison skipped)")
        return None
    fs = s3fs.S3FileSystem(
        key=env["AWS_ACCESS_KEY_ID"],
        secret=env["AWS_SECRET_ACCESS_KEY"],
        endpoint_url=moto_url,
        asynchronous=True,
    )
    return FsspecStore(fs, path=f"{BUCKET}/hub/binaryData", read_only=True)


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    moto = start_moto(WORK / "moto.log")
    servers = []
    try:
        moto.create_bucket(BUCKET)
        env = {
            **moto.env,
            "VOXHUB_STORAGE": f"s3://{BUCKET}/hub",
            "VOXHUB_S3_ENDPOINT_URL": moto.url,
            "VOXHUB_SAMPLE": "0",
            "VOXHUB_SCAN_INTERVAL": "0",
            "VOXHUB_WORKERS": "0",
            "VOXHUB_CHUNK_SHAPE": "32,32,32",
        }
        stack = WORK / "stack"
        stack.mkdir()
        rng = np.random.default_rng(0)
        for z in range(128):
            tifffile.imwrite(stack / f"z{z:03d}.tif", rng.integers(0, 255, (256, 256), np.uint8))
        proxy = start_server(WORK / "data", env)
        servers.append(proxy)
        subprocess.run(
            [VOXHUB, "import", str(stack), "--org", "lab", "--name", "bench"],
            env={**os.environ, **env, "VOXHUB_DATA": str(WORK / "data")},
            check=True,
            capture_output=True,
        )
        presigned = start_server(WORK / "data", {**env, "VOXHUB_S3_REDIRECT": "presigned"})
        servers.append(presigned)

        os.environ.update(moto.env)
        from voxhub.storage.s3 import S3DataStore

        store = S3DataStore(f"s3://{BUCKET}/hub", endpoint_url=moto.url)
        level = "lab/bench/color/1"
        keys = [f"{level}/c/{c}" for c in _chunk_names(store, level)]
        import obstore

        signed = [obstore.sign(store.objects, "GET", k, timedelta(hours=1)) for k in keys]
        print(
            f"{len(keys)} chunk objects of lab/bench/color mag 1 on moto, {CONCURRENCY} in flight"
        )
        token = {"Authorization": f"Bearer {proxy.admin_token}"}
        ways = {
            "direct": (signed, {}),
            "proxied": ([f"{proxy.url}/zarr/{k}" for k in keys], token),
            "presigned": ([f"{presigned.url}/zarr/{k}" for k in keys], token),
        }
        seconds = {name: 0.0 for name in ways}
        for _ in range(ROUNDS):
            for name, (urls, headers) in ways.items():
                took, _ = asyncio.run(_get_all(urls, headers))
                seconds[name] += took
        rates = {name: ROUNDS * len(keys) / s for name, s in seconds.items()}
        for name in ("proxied", "presigned"):
            print(
                f"/zarr {name:9}: {rates[name]:7.0f} req/s | bucket direct {rates['direct']:7.0f}"
                f" req/s | ratio {rates[name] / rates['direct']:.2f}x (goal >= 0.5x)"
            )

        fsspec = _fsspec_store(moto.url, moto.env)
        obj = asyncio.run(_zarr_store_reads(store.zarr_store, keys))
        if fsspec is not None:
            fss = asyncio.run(_zarr_store_reads(fsspec, keys))
            print(
                f"zarr ObjectStore (obstore) {len(keys) / obj:7.0f} req/s | FsspecStore (s3fs) "
                f"{len(keys) / fss:7.0f} req/s | obstore {fss / obj:.2f}x as fast"
            )
        else:
            print(f"zarr ObjectStore (obstore) {len(keys) / obj:7.0f} req/s")
    finally:
        for server in servers:
            server.stop()
        moto.stop()


def _chunk_names(store: object, level: str) -> list[str]:
    import obstore

    prefix = f"{level}/c/"
    return sorted(
        meta["path"].removeprefix(prefix)
        for batch in obstore.list(store.objects, prefix)  # type: ignore[attr-defined]
        for meta in batch
    )


if __name__ == "__main__":
    main()
