"""Small MSI test data: a synthetic cube, written as imzML (pyimzml) and OpenMSI HDF5 (h5py)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from pyimzml.ImzMLWriter import ImzMLWriter

from voxhub.arrays.msi.store import MsiLayout
from voxhub.catalog.register import upsert_dataset
from voxhub.formats.msi_import import import_msi
from voxhub.hub import Hub

SHAPE = (12, 10, 300)  # rows, cols, m/z
MZ = np.linspace(100.0, 1000.0, SHAPE[2])
PEAKS = (40, 120, 200, 260)  # m/z positions of four ions
# Small chunks so that every request crosses chunk borders.
LAYOUT = MsiLayout(image_chunk=(16, 8, 8), spectrum_chunk=(64, 2, 2))


def msi_cube(shape: tuple[int, int, int] = SHAPE, seed: int = 0) -> np.ndarray:
    """Four ions with different spatial patterns on a low noise floor (uint16)."""
    rng = np.random.default_rng(seed)
    rows, cols, nmz = shape
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    patterns = [
        100 + 50 * r,  # a gradient down the rows
        100 + 60 * c,  # a gradient across the columns
        np.where((r - rows / 2) ** 2 + (c - cols / 2) ** 2 < 9, 900, 50),  # a disc
        200 + 20 * ((r + c) % 3),
    ]
    cube = rng.integers(0, 8, shape).astype(np.float64)
    offsets = np.arange(-2, 3)
    shape_of_peak = np.exp(-(offsets**2) / 2.0)
    for position, pattern in zip(PEAKS, patterns, strict=True):
        lo = position - 2
        cube[:, :, lo : lo + 5] += pattern[:, :, None] * shape_of_peak[None, None, :]
    return cube.round().astype(np.uint16)


def write_omsi_file(path: Path, cube: np.ndarray, mz: np.ndarray = MZ) -> Path:
    """An OpenMSI file in BASTet's layout with one analysis (global peaks)."""
    with h5py.File(path, "w") as f:
        entry = f.create_group("entry_0")
        entry["experiment_identifier"] = "synthetic section"
        instrument = entry.create_group("instrument")
        instrument["name"] = "test instrument"
        instrument["mz"] = mz
        methods = entry.create_group("methods")
        methods["name"] = "synthetic tissue"
        data = entry.create_group("data_0")
        data.create_dataset("data_0", data=cube, chunks=(4, 4, 64), compression="gzip")
        data["format"] = "full_cube"
        data["mz"] = mz
        analysis = entry.create_group("analysis_0")
        analysis["analysis_identifier"] = "imported_peaks"
        analysis["analysis_type"] = "omsi_findpeaks_global"
        analysis.create_group("parameter")["integration_width"] = 2
        dependency = analysis.create_group("dependency").create_group("msidata")
        dependency["main_name"] = "/entry_0/data_0"
        dependency["parameter_name"] = "msidata"
        analysis["peak_cube"] = cube[:, :, list(PEAKS)].astype(np.float32)
        analysis["peak_mz"] = mz[list(PEAKS)]
    return path


def write_imzml_file(path: Path, cube: np.ndarray, mz: np.ndarray = MZ) -> Path:
    """A continuous imzML file (x = row + 1, y = col + 1), intensities as int32."""
    with ImzMLWriter(str(path), mode="continuous", intensity_dtype=np.int32) as writer:
        for row in range(cube.shape[0]):
            for col in range(cube.shape[1]):
                writer.addSpectrum(mz, cube[row, col], (row + 1, col + 1))
    return path


def add_msi_dataset(
    hub: Hub, organization: str, name: str, file: Path, public: bool = False
) -> None:
    """Import an MSI file as a new dataset and register it."""
    layout = MsiLayout(LAYOUT.image_chunk, LAYOUT.spectrum_chunk, hub.settings.zarr_format)
    properties = import_msi(
        hub.data_root, file, organization=organization, dataset=name, layout=layout
    )
    with hub.transaction() as session:
        dataset = upsert_dataset(session, organization, name, properties)
        dataset.is_public = public
    hub.index.refresh(force=True)


def hosted_msi(hub: Hub, folder: Path, token: str, cube: np.ndarray) -> dict[str, str]:
    """``lab/msi``, imported from an OpenMSI file of ``cube``; headers with ``token``."""
    add_msi_dataset(hub, "lab", "msi", write_omsi_file(folder / "msi.h5", cube))
    return {"Authorization": f"Bearer {token}"}


POSITIVE = {
    "reduction": "select_values",
    "selection": {"transformation": "arithmetic", "operation": "greater", "x2": 0},
}
# "Normalize by percentiles, version 3": max projection along m/z, minus the 5th
# percentile of the positive values, divided by the 95th percentile of the
# positive values of what remains, clipped to [0, 1].
NORMALIZED_MAX_PROJECTION = [
    {"reduction": "max", "axis": -1, "min_dim": 2},
    {
        "transformation": "arithmetic",
        "operation": "subtract",
        "x2": {"reduction": "percentile", "q": 5, "x1": POSITIVE},
    },
    {
        "transformation": "arithmetic",
        "operation": "divide",
        "x2": {
            "transformation": "astype",
            "dtype": "float",
            "x1": {"reduction": "percentile", "q": 95, "x1": POSITIVE},
        },
    },
    {"transformation": "scale", "operation": "clip", "a_min": 0, "a_max": 1},
]
