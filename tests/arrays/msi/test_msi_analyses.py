"""MSI computations: TIC normalisation, peak finding, NMF, Hilbert layout; chunk-wise."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
import zarr

from voxhub.arrays.msi import (
    PeakOptions,
    find_global_peaks,
    find_local_peaks,
    hilbert_coordinates,
    hilbert_layout,
    hilbert_unlayout,
    local_peaks_to_cube,
    nmf,
    normalize_spectra,
    peak_cube,
    row_blocks,
    spectrum_peaks,
    summarize,
    tic_normalize,
)
from voxhub.errors import InvalidInput, TooLarge

NMZ = 200
MZ = np.linspace(300.0, 500.0, NMZ)


def gaussian(centre: float, width: float = 2.0) -> np.ndarray:
    return np.exp(-0.5 * ((np.arange(NMZ) - centre) / width) ** 2)


def two_component_cube() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """6x5 pixels mixing two spectra (peaks at 40/120 and at 80/160)."""
    spectra = np.stack([gaussian(40) + 0.5 * gaussian(120), gaussian(80) + 0.8 * gaussian(160)])
    x, y = np.indices((6, 5))
    images = np.stack([x / 5.0, y / 4.0], axis=-1) + 0.05
    return images @ spectra, images, spectra


@pytest.fixture
def zarr_cube(tmp_path):
    cube, _, _ = two_component_cube()
    arr = zarr.create_array(
        store=str(tmp_path / "msi.zarr"), shape=cube.shape, chunks=(2, 5, 64), dtype="f8"
    )
    arr[...] = cube
    return arr


def test_blocks_bound_memory_and_cover_the_cube(zarr_cube):
    cube = zarr_cube[...]
    blocks = list(row_blocks(zarr_cube, block_bytes=5 * NMZ * 8 * 2))
    assert [x0 for x0, _ in blocks] == [0, 2, 4]
    np.testing.assert_array_equal(np.concatenate([b for _, b in blocks]), cube)
    summary = summarize(zarr_cube, block_bytes=1)
    np.testing.assert_allclose(summary.tic, cube.sum(axis=2))
    np.testing.assert_allclose(summary.mean_spectrum, cube.mean(axis=(0, 1)))
    np.testing.assert_allclose(summary.max_spectrum, cube.max(axis=(0, 1)))
    with pytest.raises(InvalidInput, match="cube"):
        summarize(np.zeros((3, 3)))


def test_tic_normalisation(zarr_cube):
    cube = zarr_cube[...]
    cube[0, 0] = 0
    zarr_cube[0, 0] = 0
    result = tic_normalize(zarr_cube)
    assert isinstance(result, da.Array)
    values = result.compute()
    tic = cube.sum(axis=2)
    scale = tic[tic > 0].mean()
    np.testing.assert_allclose(values.sum(axis=2)[tic > 0], scale)
    np.testing.assert_array_equal(values[0, 0], 0)
    np.testing.assert_allclose(values[3, 2], cube[3, 2] / tic[3, 2] * scale)
    np.testing.assert_allclose(tic_normalize(cube, scale=1.0).compute().sum(axis=2)[1:], 1)
    with pytest.raises(InvalidInput, match="tic"):
        tic_normalize(cube, tic=np.ones((2, 2)))


def test_normalize_spectra():
    spectra = np.array([[1.0, 4.0, 2.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(normalize_spectra(spectra), [[0.25, 1, 0.5], [0, 0, 0]])
    np.testing.assert_allclose(normalize_spectra(spectra, "tic")[0], [1 / 7, 4 / 7, 2 / 7])
    np.testing.assert_array_equal(normalize_spectra(spectra, False), spectra)
    with pytest.raises(InvalidInput, match="normalize"):
        normalize_spectra(spectra, "zscore")


def test_spectrum_peaks_find_and_cap():
    spectrum = gaussian(40) + 0.5 * gaussian(120) + 0.2 * gaussian(170)
    peaks = spectrum_peaks(spectrum, MZ, PeakOptions(height=0.1))
    assert peaks.indices.tolist() == [40, 120, 170]
    np.testing.assert_allclose(peaks.mz, MZ[[40, 120, 170]])
    assert set(peaks.to_json()) == {"peak_mz", "peak_value"}
    strongest = spectrum_peaks(spectrum, MZ, PeakOptions(max_peaks=2))
    assert strongest.indices.tolist() == [40, 120]
    assert spectrum_peaks(spectrum, options=PeakOptions(height=0.6)).indices.tolist() == [40]
    with pytest.raises(InvalidInput, match="one spectrum"):
        spectrum_peaks(np.ones((2, 3)))
    with pytest.raises(InvalidInput, match="mz"):
        spectrum_peaks(spectrum, MZ[:5])
    with pytest.raises(InvalidInput, match="distance"):
        PeakOptions(distance=0)


def test_global_peaks_and_peak_cube(zarr_cube):
    cube = zarr_cube[...]
    peaks = find_global_peaks(zarr_cube, MZ, PeakOptions(prominence=0.05), block_bytes=1)
    assert peaks.indices.tolist() == [40, 80, 120, 160]
    integrated = peak_cube(zarr_cube, peaks.indices, half_width=2, reduce="sum", block_bytes=1)
    assert integrated.shape == (6, 5, 4)
    np.testing.assert_allclose(integrated[:, :, 1], cube[:, :, 78:83].sum(axis=2))
    np.testing.assert_allclose(peak_cube(cube, [0])[:, :, 0], cube[:, :, 0])
    with pytest.raises(InvalidInput, match="indices"):
        peak_cube(cube, [NMZ])


def test_local_peaks_and_merged_cube(zarr_cube):
    cube = zarr_cube[...]
    local = find_local_peaks(zarr_cube, PeakOptions(height=0.02), block_bytes=1)
    assert local.offsets[-1] == local.indices.size
    idx, vals = local.of_pixel(5, 0)  # mostly component 0
    assert idx.tolist() == [40, 80, 120, 160]
    np.testing.assert_allclose(vals, cube[5, 0, idx])
    axis, merged = local_peaks_to_cube(local, MZ, tolerance_ppm=10)
    np.testing.assert_allclose(axis, MZ[[40, 80, 120, 160]])
    np.testing.assert_allclose(merged[5, 0], cube[5, 0, [40, 80, 120, 160]])
    wide_axis, wide = local_peaks_to_cube(local, MZ, tolerance_ppm=2e5)
    assert wide.shape == (6, 5, 2)  # 20 %: 340 joins 380, 420 joins 460
    np.testing.assert_allclose(
        wide[5, 0], [cube[5, 0, [40, 80]].max(), cube[5, 0, [120, 160]].max()]
    )
    assert wide_axis[0] < wide_axis[1]
    with pytest.raises(TooLarge):
        local_peaks_to_cube(local, MZ, max_elements=10)


def test_nmf_recovers_the_mixture(zarr_cube):
    cube = zarr_cube[...]
    result = nmf(zarr_cube, 2, iterations=400, tolerance=1e-7, block_bytes=5 * NMZ * 8 * 2)
    assert result.images.shape == (6, 5, 2) and result.spectra.shape == (2, NMZ)
    assert (result.images >= 0).all() and (result.spectra >= 0).all()
    assert result.errors[-1] < 0.02
    assert result.errors[-1] <= result.errors[0]
    reconstruction = np.einsum("xyk,km->xym", result.images, result.spectra)
    np.testing.assert_allclose(reconstruction, cube, atol=0.05 * cube.max())
    peaks = sorted(int(np.argmax(s)) for s in result.spectra)
    assert peaks == [40, 80]
    same = nmf(cube, 2, iterations=5, seed=3)
    again = nmf(cube, 2, iterations=5, seed=3)
    np.testing.assert_array_equal(same.spectra, again.spectra)
    with pytest.raises(InvalidInput, match="components"):
        nmf(cube, 0)
    with pytest.raises(InvalidInput, match="non-negative"):
        nmf(-cube, 1)


def test_hilbert_layout():
    row, col = hilbert_coordinates(64)
    assert len(set(zip(row.tolist(), col.tolist(), strict=True))) == 64
    # Neighbours along the spectrum are neighbours in the square.
    assert (np.abs(np.diff(row)) + np.abs(np.diff(col)) == 1).all()
    squares = hilbert_layout(np.arange(20).reshape(2, 10), fill=-1)
    assert squares.shape == (2, 4, 4)
    assert (squares == -1).sum() == 12
    np.testing.assert_array_equal(hilbert_unlayout(squares, 10), np.arange(20).reshape(2, 10))
    assert hilbert_layout(np.array([7])).tolist() == [[7]]
    with pytest.raises(InvalidInput):
        hilbert_layout(np.zeros(0))


def test_nmf_reports_every_iteration_and_stops_when_progress_raises(zarr_cube):
    """A job's progress function raises on cancel: NMF must call it between iterations."""
    seen = []

    class Cancelled(Exception):
        pass

    def progress(done, total):
        seen.append((done, total))
        if done == 3:
            raise Cancelled

    with pytest.raises(Cancelled):
        nmf(zarr_cube, 2, iterations=1000, tolerance=0, progress=progress)
    assert seen == [(1, 1000), (2, 1000), (3, 1000)]
