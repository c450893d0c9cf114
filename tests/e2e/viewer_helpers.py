"""A synthetic dataset with known voxels for the viewer's browser tests and benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import tifffile

VOXHUB = str(Path(sys.executable).parent / "voxhub")
CHROMIUM = "/usr/bin/chromium"
# No GPU here: WebGL2 runs on SwiftShader. Compositing in software as well measured
# 1.5-4x shorter frames than compositing through SwiftShader too.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu-compositing",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def color_volume(shape_zyx: tuple[int, int, int]) -> np.ndarray:
    """Values that differ along every axis, so an axis swapped or off by one shows."""
    z, y, x = np.ogrid[: shape_zyx[0], : shape_zyx[1], : shape_zyx[2]]
    return ((x * 3 + y * 5 + z * 11) % 251).astype(np.uint8)


# A uint64 id with no exact double (2^53 + 1): a viewer that reads ids as JavaScript
# numbers shows 9007199254740992 instead.
BIG_ID = 2**53 + 1


def segment_volume(shape_zyx: tuple[int, int, int]) -> np.ndarray:
    """Blocks of 25 × 25 × 10 voxels, each its own id (uint64); one block's id is ``BIG_ID``."""
    z, y, x = np.ogrid[: shape_zyx[0], : shape_zyx[1], : shape_zyx[2]]
    ids = (1 + x // 25 + 20 * (y // 25) + 400 * (z // 10)).astype(np.uint64)
    ids[:10, :25, :25] = BIG_ID
    return ids


def import_volume(data: Path, source: Path, org: str, name: str, *options: str) -> None:
    env = {**os.environ, "VOXHUB_DATA": str(data)}
    done = subprocess.run(
        [VOXHUB, "import", str(source), "--org", org, "--name", name, *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr


def write_dataset(
    base: Path, data: Path, org: str, name: str, shape_zyx: tuple[int, int, int], voxel_size: str
) -> None:
    """Import the colour and segmentation volumes as one dataset with full pyramids."""
    color = base / f"{name}-color.tif"
    labels = base / f"{name}-labels.tif"
    tifffile.imwrite(color, color_volume(shape_zyx))
    tifffile.imwrite(labels, segment_volume(shape_zyx))
    import_volume(data, color, org, name, "--voxel-size", voxel_size)
    import_volume(
        data, labels, org, name, "--layer", "segmentation", "--category", "segmentation",
        "--add-layer", "--voxel-size", voxel_size,
    )  # fmt: skip
