"""OpenMSI HDF5 import: files written with h5py in BASTet's layout, and broken ones."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from voxhub.errors import NotFound, UnreadableInput
from voxhub.formats import omsi

CUBE = np.arange(5 * 4 * 30, dtype=np.uint16).reshape(5, 4, 30)
MZ = np.linspace(400.0, 900.0, 30)


def write_omsi(path: Path, *, with_mz: bool = True, legacy: bool = False) -> None:
    with h5py.File(path, "w") as f:
        entry = f.create_group("entry_0")
        entry["experiment_identifier"] = "brain section 3"
        instrument = entry.create_group("instrument")
        instrument["name"] = "undefined"
        instrument["mz"] = MZ
        methods = entry.create_group("methods")
        methods["name"] = "mouse brain"
        methods["thickness_um"] = 12
        if legacy:
            entry["data_0"] = CUBE
        else:
            data = entry.create_group("data_0")
            data.create_dataset("data_0", data=CUBE, chunks=(4, 4, 16), compression="gzip")
            data.create_dataset("data_1", data=CUBE, chunks=(5, 4, 2))
            data["format"] = "full_cube"
            if with_mz:
                data["mz"] = MZ
        analysis = entry.create_group("analysis_0")
        analysis["analysis_identifier"] = "peaks"
        analysis["analysis_type"] = "omsi_findpeaks_global"
        parameter = analysis.create_group("parameter")
        parameter["integration_width"] = 10
        dependency = analysis.create_group("dependency").create_group("msidata")
        dependency["main_name"] = "/entry_0/data_0"
        dependency["parameter_name"] = "msidata"
        dependency["selection"] = ":|:|0:20"
        analysis["peak_cube"] = CUBE[:, :, :3].astype(np.float32)
        analysis["peak_mz"] = MZ[:3]
        analysis.create_group("runinfo")["start_time"] = "2014-01-01"
    if with_mz is False:
        with h5py.File(path, "a") as f:
            del f["entry_0/instrument/mz"]


def test_reads_cube_axis_metadata_and_analyses(tmp_path):
    path = tmp_path / "brain.h5"
    write_omsi(path)
    assert omsi.matches(path)
    assert omsi.list_data(path) == [(0, 0)]
    with omsi.open_source(path) as source:
        assert source.shape == (5, 4, 30)
        assert source.dtype == np.uint16
        np.testing.assert_array_equal(source.data[1:3, :, 5:9], CUBE[1:3, :, 5:9])
        np.testing.assert_array_equal(source.to_dask((2, 2, 10)).compute(), CUBE)
        np.testing.assert_allclose(source.mz, MZ)
        assert source.experiment == "brain section 3"
        assert source.instrument["name"] == "undefined"
        assert source.instrument["mz"] == MZ.tolist()
        assert source.method == source.sample == {"name": "mouse brain", "thickness_um": 12}
        assert len(source.copies) == 1 and source.copies[0].chunks == (5, 4, 2)
        (analysis,) = source.analyses
        assert analysis.identifier == "peaks"
        assert analysis.type == "omsi_findpeaks_global"
        assert analysis.parameters == {"integration_width": 10}
        (dep,) = analysis.dependencies
        assert (dep.parameter, dep.target, dep.selection) == (
            "msidata",
            "/entry_0/data_0",
            ":|:|0:20",
        )
        assert set(analysis.outputs) == {"peak_cube", "peak_mz"}
        np.testing.assert_array_equal(analysis.outputs["peak_cube"][:, :, 1], CUBE[:, :, 1])


def test_legacy_layout_with_axis_under_instrument(tmp_path):
    path = tmp_path / "old.hdf5"
    write_omsi(path, legacy=True)
    with omsi.open_source(path) as source:
        np.testing.assert_array_equal(source.data[...], CUBE)
        np.testing.assert_allclose(source.mz, MZ)


def test_missing_mz_names_the_file(tmp_path):
    path = tmp_path / "nomz.h5"
    write_omsi(path, with_mz=False)
    with pytest.raises(UnreadableInput, match=r"nomz\.h5: /entry_0/data_0 has no m/z axis"):
        omsi.open_source(path)


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "cut.h5"
    write_omsi(path)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(UnreadableInput, match=r"cut\.h5"):
        omsi.open_source(path)
    assert not omsi.matches(path)


def test_unknown_indices_and_other_files(tmp_path):
    path = tmp_path / "brain.h5"
    write_omsi(path)
    with pytest.raises(NotFound, match="no experiment 2 \\(has: 0\\)"):
        omsi.open_source(path, exp_index=2)
    with pytest.raises(NotFound, match="has no data 1"):
        omsi.open_source(path, data_index=1)
    other = tmp_path / "plain.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    assert not omsi.matches(other)
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    assert not omsi.matches(text)
    with pytest.raises(UnreadableInput, match="notes.h5: not a readable HDF5"):
        omsi.open_source(text)


def test_partial_layouts_and_bad_shapes_are_refused(tmp_path):
    path = tmp_path / "partial.h5"
    write_omsi(path)
    with h5py.File(path, "a") as f:
        del f["entry_0/data_0/format"]
        f["entry_0/data_0/format"] = "partial_cube"
    with pytest.raises(UnreadableInput, match="partial_cube"):
        omsi.open_source(path)
    flat = tmp_path / "flat.h5"
    write_omsi(flat)
    with h5py.File(flat, "a") as f:
        del f["entry_0/data_0/data_1"]
        f["entry_0/data_0/data_1"] = np.zeros((5, 4))
    with pytest.raises(UnreadableInput, match="not an \\(x, y, mz\\) cube"):
        omsi.open_source(flat)


def test_axis_length_must_match_the_cube(tmp_path):
    path = tmp_path / "short.h5"
    write_omsi(path)
    with h5py.File(path, "a") as f:
        del f["entry_0/data_0/mz"]
        f["entry_0/data_0/mz"] = MZ[:10]
    with pytest.raises(UnreadableInput, match=r"short\.h5: m/z axis has 10 values, the data 30"):
        omsi.open_source(path)
