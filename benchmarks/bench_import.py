"""TIFF stack (≥ 1 GiB) → full pyramid: voxhub's importer vs ome-zarr-py's write_image (dask).

Each run happens in a child process of this one, on the same TIFF file, so
wall time and peak RSS (``ru_maxrss`` of that child) are measured per
contender. Prints the ratios. Usage: ``.venv/bin/python benchmarks/bench_import.py [GiB]``.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

WORK = Path(__file__).parent / ".work" / "import"
SIDE = 1024


def make_stack(gib: float) -> Path:
    import tifffile

    depth = int(gib * 1024**3 // (SIDE * SIDE))
    path = WORK / f"stack-{depth}.tif"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    with tifffile.TiffWriter(path, bigtiff=True) as tif:
        for z in range(depth):
            plane = ((xx + yy + z * 3) % 251).astype(np.uint8)
            plane ^= rng.integers(0, 16, plane.shape, dtype=np.uint8)
            tif.write(plane, photometric="minisblack", contiguous=True)
    return path


def run_voxhub(stack: str, out: str) -> None:
    from voxhub.arrays.layer import LayerLayout
    from voxhub.formats.ingest import DataRoot, import_layer
    from voxhub.formats.registry import open_any

    root = DataRoot(Path(out) / "binaryData", Path(out) / ".staging")
    import_layer(
        root,
        open_any(Path(stack)),
        organization="bench",
        dataset="stack",
        voxel_size=(1, 1, 1),
        layout=LayerLayout(),
    )


def run_ome_zarr(stack: str, out: str) -> None:
    import dask.array as da
    import tifffile
    import zarr
    from ome_zarr.writer import write_image

    array = da.from_array(tifffile.memmap(stack), chunks=(64, SIDE, SIDE))
    group = zarr.open_group(str(Path(out) / "ome.zarr"), mode="w")
    write_image(array, group, axes="zyx", storage_options={"chunks": (64, 64, 64)})


def measure(target, stack: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of ``target`` run in a fresh child process."""
    out = WORK / f"out-{target.__name__}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    ctx = mp.get_context("spawn")
    start = time.perf_counter()
    process = ctx.Process(target=target, args=(str(stack), str(out)))
    process.start()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{target.__name__} failed with status {status}")
    shutil.rmtree(out, ignore_errors=True)
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    gib = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    stack = make_stack(gib)
    size = stack.stat().st_size / 1024**3
    print(f"input: {stack.name}, {size:.2f} GiB ({SIDE}×{SIDE} uint8 slices)")
    ours_t, ours_rss = measure(run_voxhub, stack)
    peer_t, peer_rss = measure(run_ome_zarr, stack)
    print(f"voxhub import      : {ours_t:7.1f} s, peak RSS {ours_rss:7.0f} MiB")
    print(f"ome-zarr write_image: {peer_t:7.1f} s, peak RSS {peer_rss:7.0f} MiB")
    print(f"speed ratio (ome-zarr time / voxhub time): {peer_t / ours_t:.2f}x  (target >= 1.5x)")
    print(f"voxhub peak RSS: {ours_rss / 1024:.2f} GiB (target <= 1 GiB)")


if __name__ == "__main__":
    main()
