"""Helpers shared by tests: generated volumes and datasets, the interop venv."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import zarr
from ome_zarr.writer import write_image

from voxhub.hub import Hub
from voxhub.testing import import_volume

# webknossos-libs pins old typer/rich, so it lives in its own venv (`make interop`)
# and tests call it as a separate process.
INTEROP_PYTHON = Path(__file__).parents[1] / ".venv-interop" / "bin" / "python"


def volume(shape_zyx: tuple[int, int, int] = (20, 48, 40), seed: int = 1) -> np.ndarray:
    """A smooth, non-constant uint8 volume (gradients plus noise)."""
    rng = np.random.default_rng(seed)
    z, y, x = np.indices(shape_zyx)
    base = (x * 3 + y * 2 + z * 5) % 200
    return (base + rng.integers(0, 50, shape_zyx)).astype(np.uint8)


def add_dataset(
    hub: Hub, organization: str, name: str, data: np.ndarray | None = None, public: bool = False
) -> np.ndarray:
    """Import ``data`` (z, y, x) as layer ``color`` of a new dataset and register it."""
    data = volume() if data is None else data
    import_volume(hub, organization, name, data, public=public)
    hub.index.refresh(force=True)
    return data


def seconds_until(check: Callable[[], bool], limit: float = 20.0) -> float:
    """How long until ``check()`` holds (a change spreading between processes); fails after
    ``limit`` seconds."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < limit, "the change never arrived"
        time.sleep(0.05)
    return time.monotonic() - start


def zip_of(entries: dict[str, bytes]) -> bytes:
    """A deflated ZIP archive of ``entries`` (name -> bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def write_ome_cells(folder: Path, image: np.ndarray, fmt) -> zarr.Group:
    """``folder/cells.ome.zarr``: ``image`` (czyx) as OME-Zarr in ``fmt``, two levels of
    (1, 8, 16, 16) chunks: the remote source the remote-layer tests serve."""
    root = zarr.open_group(str(folder / "cells.ome.zarr"), mode="w", zarr_format=fmt.zarr_format)
    write_image(image, root, axes="czyx", fmt=fmt, scale_factors=(2,),
                storage_options={"chunks": (1, 8, 16, 16)})  # fmt: skip
    return root
