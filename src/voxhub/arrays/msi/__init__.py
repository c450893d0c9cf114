"""Computations on MSI cubes (x, y, mz) that analysis jobs and qspectrum call.

All cube passes read blocks of rows, so they work on numpy, zarr, dask or an
importer's reader without loading the cube.
"""

from voxhub.arrays.msi.blocks import CubeSummary, row_blocks, summarize
from voxhub.arrays.msi.layout import hilbert_coordinates, hilbert_layout, hilbert_unlayout
from voxhub.arrays.msi.nmf import NmfResult, nmf
from voxhub.arrays.msi.normalize import normalize_spectra, tic_normalize
from voxhub.arrays.msi.peaks import (
    LocalPeaks,
    PeakOptions,
    Peaks,
    find_global_peaks,
    find_local_peaks,
    local_peaks_to_cube,
    peak_cube,
    spectrum_peaks,
)

__all__ = [
    "CubeSummary",
    "LocalPeaks",
    "NmfResult",
    "PeakOptions",
    "Peaks",
    "find_global_peaks",
    "find_local_peaks",
    "hilbert_coordinates",
    "hilbert_layout",
    "hilbert_unlayout",
    "local_peaks_to_cube",
    "nmf",
    "normalize_spectra",
    "peak_cube",
    "row_blocks",
    "spectrum_peaks",
    "summarize",
    "tic_normalize",
]
