"""OpenMSI queries over HTTP (``voxhub serve``) vs h5py on an OpenMSI-layout HDF5 file, in-process.

The cube is BASTet's test size: 100 × 100 pixels × 100 000 m/z values,
uint16 (2 GB), a noise floor with a few hundred ions in spatial patterns. It
is written once as an OpenMSI HDF5 file (``/entry_0/data_0/data_0``,
4×4×2048 chunks, gzip 4) and imported with ``voxhub import`` (both chunk
layouts). Then, at fresh random positions each time:

  (a) 25 consecutive m/z slices, max-projected  (qslice?mz=a:a+25)
  (b) a 5×5 block of whole spectra               (qspectrum?row=r:r+5&col=c:c+5)
  (c) a 5×5×1000 sub-cube                        (qcube?row=…&col=…&mz=m:m+1000)

voxhub answers over HTTP (NPY, one keep-alive connection, a real server
process); h5py reads the same selection from the HDF5 file in this process.
Every answer is compared with h5py's. Prints median and max latency and the
ratios. Data lives in ``benchmarks/.work/openmsi`` and is reused.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import h5py
import httpx
import numpy as np

from voxhub.testing import start_server

WORK = Path(__file__).parent / ".work" / "openmsi"
SHAPE = (100, 100, 100_000)
H5_CHUNKS = (4, 4, 2048)
RUNS = 25
VOXHUB = str(Path(sys.executable).parent / "voxhub")


def synthetic_block(rows: slice, rng: np.random.Generator) -> np.ndarray:
    """Rows of the cube: a noise floor of 0..3 plus 300 ions, each a spatial gradient."""
    nr = rows.stop - rows.start
    block = rng.integers(0, 4, (nr, SHAPE[1], SHAPE[2]), dtype=np.uint16)
    ions = np.random.default_rng(42).integers(10, SHAPE[2] - 10, 300)
    r, c = np.meshgrid(np.arange(rows.start, rows.stop), np.arange(SHAPE[1]), indexing="ij")
    for k, position in enumerate(ions):
        pattern = (100 + (r * (k % 7) + c * (k % 5)) * 3).astype(np.uint16)
        block[:, :, position - 1 : position + 2] += pattern[:, :, None]
    return block


def write_hdf5(path: Path) -> None:
    mz = np.linspace(100.0, 1200.0, SHAPE[2])
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        entry = f.create_group("entry_0")
        entry["experiment_identifier"] = "benchmark cube"
        entry.create_group("instrument")["mz"] = mz
        data = entry.create_group("data_0")
        data["format"] = "full_cube"
        data["mz"] = mz
        cube = data.create_dataset(
            "data_0",
            shape=SHAPE,
            dtype=np.uint16,
            chunks=H5_CHUNKS,
            compression="gzip",
            compression_opts=4,
        )
        for start in range(0, SHAPE[0], 4):
            cube[start : start + 4] = synthetic_block(slice(start, start + 4), rng)
            print(f"\r  HDF5 rows {start + 4}/{SHAPE[0]}", end="", flush=True)
    print()


def prepare() -> tuple[Path, Path]:
    """The HDF5 file and the voxhub data folder holding it as ``bench/msi`` (made once)."""
    WORK.mkdir(parents=True, exist_ok=True)
    h5 = WORK / "cube.h5"
    data = WORK / "data"
    stamp = WORK / "ready.json"
    recipe = {"shape": SHAPE, "chunks": H5_CHUNKS, "version": 2}
    if stamp.exists() and json.loads(stamp.read_text()) == json.loads(json.dumps(recipe)):
        return h5, data
    subprocess.run(["rm", "-rf", str(data)], check=True)
    h5_recipe = WORK / "h5.json"
    fresh = h5.exists() and h5_recipe.exists() and h5_recipe.read_text() == json.dumps(SHAPE)
    if not fresh:
        started = time.perf_counter()
        write_hdf5(h5)
        h5_recipe.write_text(json.dumps(SHAPE))
        print(f"  wrote the OpenMSI HDF5 file in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    env = {**os.environ, "VOXHUB_DATA": str(data), "VOXHUB_SAMPLE": "false"}
    command = [VOXHUB, "import", str(h5), "--org", "bench", "--name", "msi"]
    subprocess.run(command, env=env, check=True)
    print(f"  voxhub import (both chunk layouts) took {time.perf_counter() - started:.0f} s")
    stamp.write_text(json.dumps(recipe))
    return h5, data


def admin_token(data: Path) -> str:
    env = {**os.environ, "VOXHUB_DATA": str(data)}
    done = subprocess.run(
        [VOXHUB, "token", "create", "--name", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return next(word for word in done.stdout.split() if word.startswith("vxh_"))


def timed(function: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def main() -> None:
    print(f"OpenMSI queries on a {SHAPE[0]}×{SHAPE[1]}×{SHAPE[2]} uint16 cube")
    h5_path, data = prepare()
    server = start_server(data, {"VOXHUB_SAMPLE": "false"})
    token = server.admin_token or admin_token(data)  # printed on the first start only
    http = httpx.Client(
        base_url=f"{server.url}/openmsi", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    common = {"file": "bench/msi", "expIndex": 0, "dataIndex": 0, "format": "NPY"}

    def remote(route: str, **params: object) -> np.ndarray:
        response = http.get(route, params={**common, **params})
        response.raise_for_status()
        return np.load(io.BytesIO(response.content))

    rng = np.random.default_rng(1)
    queries = {
        "(a) 25 m/z slices, max": lambda r, c, m: (
            lambda: remote("qslice", mz=f"{m}:{m + 25}"),
            lambda f: np.max(f[:, :, m : m + 25], axis=2),
        ),
        "(b) 5×5 spectra": lambda r, c, m: (
            lambda: remote("qspectrum", row=f"{r}:{r + 5}", col=f"{c}:{c + 5}"),
            lambda f: f[r : r + 5, c : c + 5, :],
        ),
        "(c) 5×5×1000 sub-cube": lambda r, c, m: (
            lambda: remote("qcube", row=f"{r}:{r + 5}", col=f"{c}:{c + 5}", mz=f"{m}:{m + 1000}"),
            lambda f: f[r : r + 5, c : c + 5, m : m + 1000],
        ),
    }
    results = {}
    try:
        with h5py.File(h5_path, "r") as f:
            cube = f["entry_0/data_0/data_0"]
            for name, make in queries.items():
                ours, theirs = [], []
                for run in range(RUNS + 2):  # the first two warm up both sides
                    r, c = (int(v) for v in rng.integers(0, 95, 2))
                    m = int(rng.integers(0, SHAPE[2] - 1000))
                    ask, read = make(r, c, m)
                    t_ours, got = timed(ask)
                    t_theirs, want = timed(lambda read=read: read(cube))
                    if not np.array_equal(got, want):
                        raise SystemExit(f"{name}: voxhub and h5py disagree at {(r, c, m)}")
                    if run >= 2:
                        ours.append(t_ours)
                        theirs.append(t_theirs)
                results[name] = (ours, theirs)
    finally:
        http.close()
        server.stop()
    report(results)


def report(results: dict[str, tuple[list[float], list[float]]]) -> None:
    print(f"\n{RUNS} runs each, fresh random positions; ms (median / max)")
    print(f"{'query':28} {'voxhub HTTP':>18} {'h5py in-process':>18} {'ratio (median)':>15}")
    for name, (ours, theirs) in results.items():
        mo, mt = statistics.median(ours) * 1e3, statistics.median(theirs) * 1e3
        print(
            f"{name:28} {mo:8.1f} / {max(ours) * 1e3:7.1f} {mt:8.1f} / {max(theirs) * 1e3:7.1f}"
            f" {mt / mo:14.1f}×"
        )
    a_ours, a_theirs = results["(a) 25 m/z slices, max"]
    ratio = statistics.median(a_theirs) / statistics.median(a_ours)
    print("\ntargets: (a) ≥ 10× faster and ≤ 100 ms; (b), (c) ≤ 50 ms")
    print(f"  (a) {ratio:.1f}× faster, {statistics.median(a_ours) * 1e3:.1f} ms median")
    for name in ("(b) 5×5 spectra", "(c) 5×5×1000 sub-cube"):
        print(f"  {name}: {statistics.median(results[name][0]) * 1e3:.1f} ms median")


if __name__ == "__main__":
    main()
