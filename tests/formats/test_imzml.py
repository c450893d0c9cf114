"""imzML import: continuous and processed files written with pyimzml, and broken ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pyimzml.ImzMLWriter import ImzMLWriter

from voxhub.arrays.selection import select
from voxhub.errors import UnreadableInput
from voxhub.formats import imzml

MZ = np.linspace(100.0, 200.0, 60)


def write_continuous(path: Path, missing: tuple[int, int] | None = (3, 2)) -> np.ndarray:
    """A 4x3 image of 60-point spectra; one pixel left out (reads as zeros)."""
    cube = np.random.default_rng(3).random((4, 3, MZ.size)).astype(np.float32)
    with ImzMLWriter(str(path), mode="continuous") as writer:
        for x in range(4):
            for y in range(3):
                if (x, y) != missing:
                    writer.addSpectrum(MZ, cube[x, y], (x + 1, y + 1))
    if missing is not None:
        cube[missing] = 0
    return cube


def write_processed(path: Path) -> None:
    with ImzMLWriter(str(path), mode="processed") as writer:
        # 150.0 and 150.0004 lie 2.7 ppm apart: one bin at 5 ppm, summed.
        writer.addSpectrum(
            np.array([100.0, 150.0, 150.0004, 300.0]),
            np.array([1, 2, 3, 4], dtype=np.float32),
            (1, 1),
        )
        writer.addSpectrum(np.array([150.0001, 400.0]), np.array([5, 6], dtype=np.float32), (2, 1))


def test_continuous_file_reads_as_a_cube(tmp_path):
    path = tmp_path / "tissue.imzML"
    cube = write_continuous(path)
    assert imzml.matches(path)
    assert not imzml.matches(path.with_suffix(".ibd"))
    source = imzml.open_source(path)
    assert source.shape == (4, 3, 60)
    assert source.dtype == np.float32
    assert source.extra["mode"] == "continuous"
    np.testing.assert_allclose(source.mz, MZ)
    np.testing.assert_array_equal(source.data[:, :, :], cube)
    np.testing.assert_array_equal(source.data[1, :, 5:40:3], cube[1, :, 5:40:3])
    np.testing.assert_array_equal(source.data[..., ::-2], cube[..., ::-2])
    np.testing.assert_array_equal(source.data[-1, 0, 7], cube[-1, 0, 7])
    np.testing.assert_array_equal(source.to_dask((2, 2, 16)).compute(), cube)
    np.testing.assert_array_equal(
        select(source.data, ["[3,0]", "1", "10:20"]), cube[[3, 0], 1, 10:20]
    )
    assert "max count of pixels x" in source.instrument
    assert source.method["spectrum_mode"] == "centroid"


def test_processed_file_is_binned_within_the_tolerance(tmp_path):
    path = tmp_path / "peaks.imzML"
    write_processed(path)
    source = imzml.open_source(path, tolerance_ppm=5.0)
    assert source.extra == {"mode": "processed", "tolerance_ppm": 5.0}
    assert source.shape == (2, 1, 4)
    for value in (100.0, 150.0, 150.0004, 150.0001, 300.0, 400.0):
        nearest = np.min(np.abs(source.mz - value) / value) * 1e6
        assert nearest <= 5.0
    np.testing.assert_allclose(source.data[:, 0, :], [[1, 5, 4, 0], [0, 5, 0, 6]])
    np.testing.assert_allclose(source.data[1, 0, 1:], [5, 0, 6])
    # A tolerance below the spacing keeps the two close peaks apart.
    fine = imzml.open_source(path, tolerance_ppm=0.5)
    assert fine.shape[2] == 6


def test_missing_binary_file(tmp_path):
    path = tmp_path / "a.imzML"
    write_continuous(path)
    path.with_suffix(".ibd").unlink()
    with pytest.raises(UnreadableInput, match=r"a\.imzML: the binary file a\.ibd is missing"):
        imzml.open_source(path)


def test_truncated_binary_file_names_the_file(tmp_path):
    path = tmp_path / "cut.imzML"
    write_continuous(path)
    ibd = path.with_suffix(".ibd")
    ibd.write_bytes(ibd.read_bytes()[:500])
    with pytest.raises(UnreadableInput, match=r"cut\.ibd: truncated"):
        imzml.open_source(path)


def test_truncated_xml_names_the_file(tmp_path):
    path = tmp_path / "half.imzML"
    write_continuous(path)
    path.write_text(path.read_text()[:3000])
    with pytest.raises(UnreadableInput, match=r"half\.imzML: not a readable imzML file"):
        imzml.open_source(path)


def test_missing_mz_array_description(tmp_path):
    path = tmp_path / "nomz.imzML"
    write_continuous(path)
    text = path.read_text().replace('name="m/z array"', 'name="wavelength array"')
    path.write_text(text.replace("MS:1000514", "MS:1000617"))
    with pytest.raises(UnreadableInput, match=r"nomz\.imzML: (no m/z|not a readable imzML)"):
        imzml.open_source(path)


def test_not_an_imzml_file(tmp_path):
    path = tmp_path / "junk.imzML"
    path.write_text("hello")
    (tmp_path / "junk.ibd").write_bytes(b"")
    with pytest.raises(UnreadableInput, match="junk.imzML"):
        imzml.open_source(path)
    with pytest.raises(UnreadableInput, match="tolerance_ppm"):
        imzml.open_source(path, tolerance_ppm=0)
