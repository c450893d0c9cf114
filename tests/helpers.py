"""Helpers shared by tests: generated volumes and datasets, the interop venv."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voxhub.catalog.register import upsert_dataset
from voxhub.formats.ingest import import_layer
from voxhub.formats.source import VolumeSource
from voxhub.hub import Hub

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
    import dask.array as da

    data = volume() if data is None else data
    array = da.from_array(data[None], chunks=(1, 16, *data.shape[1:]))
    source = VolumeSource(Path("memory"), tuple(array.shape), array.dtype, dask=array)  # type: ignore[arg-type]
    properties = import_layer(
        hub.data_root,
        source,
        organization=organization,
        dataset=name,
        voxel_size=(11.0, 11.0, 24.0),
        layout=hub.layout,
    )
    with hub.transaction() as session:
        dataset = upsert_dataset(session, organization, name, properties)
        dataset.is_public = public
    hub.index.refresh(force=True)
    return data
