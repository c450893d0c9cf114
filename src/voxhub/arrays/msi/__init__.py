"""MSI cubes (row, col, mz): storage in two chunk layouts, reading, and the computations
that analysis jobs and qspectrum call.

All cube passes read blocks of rows, so they work on numpy, zarr, dask or an
importer's reader without loading the cube.
"""

from voxhub.arrays.msi.blocks import CubeSummary, row_blocks, summarize
from voxhub.arrays.msi.cube import CubeView
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
from voxhub.arrays.msi.results import (
    Input,
    Provenance,
    list_results,
    open_output,
    read_provenance,
    write_results,
)
from voxhub.arrays.msi.store import (
    MsiLayout,
    MsiMetadata,
    MsiStore,
    open_msi_store,
    write_msi_cube,
)

__all__ = [
    "CubeSummary",
    "CubeView",
    "Input",
    "LocalPeaks",
    "MsiLayout",
    "MsiMetadata",
    "MsiStore",
    "NmfResult",
    "PeakOptions",
    "Peaks",
    "Provenance",
    "find_global_peaks",
    "find_local_peaks",
    "hilbert_coordinates",
    "hilbert_layout",
    "hilbert_unlayout",
    "list_results",
    "local_peaks_to_cube",
    "nmf",
    "normalize_spectra",
    "open_msi_store",
    "open_output",
    "peak_cube",
    "read_provenance",
    "row_blocks",
    "spectrum_peaks",
    "summarize",
    "tic_normalize",
    "write_msi_cube",
    "write_results",
]
