"""Importing imzML and OpenMSI HDF5 files as MSI datasets (both chunk layouts, axis, metadata)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import zarr
from pyimzml.ImzMLWriter import ImzMLWriter
from tests.msi_helpers import LAYOUT, MZ, PEAKS, msi_cube, write_imzml_file, write_omsi_file

from voxhub.arrays.msi.cube import CubeView
from voxhub.arrays.msi.results import list_results, open_output
from voxhub.arrays.msi.store import open_msi_store
from voxhub.errors import Conflict, UnreadableInput
from voxhub.formats.ingest import DataRoot
from voxhub.formats.msi_import import import_msi, matches
from voxhub.formats.properties import read_properties

CUBE = msi_cube((6, 5, 300))


@pytest.fixture
def root(tmp_path) -> DataRoot:
    return DataRoot(tmp_path / "binaryData", tmp_path / ".staging")


def test_imzml_imports_as_one_msi_layer(tmp_path, root):
    path = write_imzml_file(tmp_path / "section.imzML", CUBE)
    assert matches(path)
    properties = import_msi(root, path, organization="lab", dataset="sec", layout=LAYOUT)
    layer = properties.data_layers[0]
    assert (layer.name, layer.element_class, layer.num_channels) == ("msi", "int32", 1)
    box = layer.bounding_box
    assert (box.width, box.height, box.depth) == (5, 6, 300)  # x = cols, y = rows, z = m/z
    store = open_msi_store(root.dataset_dir("lab", "sec") / "msi")
    assert np.array_equal(CubeView(store.replicas)[:, :, :], CUBE)
    assert np.allclose(store.axis, MZ)
    assert store.metadata.source["format"] == "imzML"
    assert store.metadata.source["mode"] == "continuous"
    assert read_properties(root.dataset_dir("lab", "sec")).data_layers[0].name == "msi"
    assert not list(root.staging.iterdir())  # nothing left behind


def test_processed_imzml_keeps_its_binning_tolerance(tmp_path, root):
    path = tmp_path / "p.imzML"
    with ImzMLWriter(str(path), mode="processed") as writer:
        writer.addSpectrum(np.array([100.0, 150.0]), np.array([1.0, 2.0], np.float32), (1, 1))
        writer.addSpectrum(np.array([150.0002, 300.0]), np.array([5.0, 6.0], np.float32), (2, 1))
    import_msi(root, path, organization="lab", dataset="p", tolerance_ppm=5.0, layout=LAYOUT)
    store = open_msi_store(root.dataset_dir("lab", "p") / "msi")
    assert store.metadata.source["tolerance_ppm"] == 5.0
    assert store.axis.size == 3  # 150.0 and 150.0002 share a bin
    assert np.allclose(CubeView(store.replicas)[1, 0], [0, 5, 6])


def test_openmsi_file_brings_metadata_and_its_analysis(tmp_path, root):
    path = write_omsi_file(tmp_path / "s.h5", CUBE)
    import_msi(root, path, organization="lab", dataset="s", layout=LAYOUT)
    folder = root.dataset_dir("lab", "s")
    store = open_msi_store(folder / "msi")
    assert store.metadata.experiment == "synthetic section"
    assert store.metadata.instrument == {"name": "test instrument"}  # the axis is stored apart
    assert store.metadata.sample == {"name": "synthetic tissue"}
    [(position, record)] = list_results(folder)
    assert (position, record.identifier, record.type) == (
        0,
        "imported_peaks",
        "omsi_findpeaks_global",
    )
    assert record.parameters == {"integration_width": 2}
    assert [(i.parameter, i.target) for i in record.inputs] == [("msidata", "data:0")]
    assert record.primary == "peak_cube"
    peak_cube = open_output(folder / "analyses" / "0", "peak_cube")
    assert np.allclose(peak_cube.axis, MZ[list(PEAKS)])  # the peak_mz output became its axis
    assert np.array_equal(CubeView(peak_cube.replicas)[:, :, :], CUBE[:, :, list(PEAKS)])


def test_several_cubes_become_several_layers(tmp_path, root):
    path = write_omsi_file(tmp_path / "two.h5", CUBE)
    with h5py.File(path, "a") as f:
        data = f["entry_0"].create_group("data_1")
        data["data_0"] = CUBE[:, :, ::-1]
        data["mz"] = MZ
    properties = import_msi(root, path, organization="lab", dataset="two", layout=LAYOUT)
    assert [layer.name for layer in properties.data_layers] == ["msi_0_0", "msi_0_1"]
    second = open_msi_store(root.dataset_dir("lab", "two") / "msi_0_1")
    assert np.array_equal(CubeView(second.replicas)[2, 3], CUBE[2, 3, ::-1])


def test_failures_leave_nothing_behind(tmp_path, root):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(UnreadableInput):
        import_msi(root, bad, organization="lab", dataset="bad", layout=LAYOUT)
    truncated = write_imzml_file(tmp_path / "t.imzML", CUBE)
    ibd = truncated.with_suffix(".ibd")
    ibd.write_bytes(ibd.read_bytes()[:100])
    with pytest.raises(UnreadableInput, match="truncated"):
        import_msi(root, truncated, organization="lab", dataset="t", layout=LAYOUT)
    assert not root.dataset_dir("lab", "bad").exists()
    assert not root.dataset_dir("lab", "t").exists()
    good = write_omsi_file(tmp_path / "g.h5", CUBE)
    import_msi(root, good, organization="lab", dataset="g", layout=LAYOUT)
    with pytest.raises(Conflict, match="already exists"):
        import_msi(root, good, organization="lab", dataset="g", layout=LAYOUT)
    assert not matches(tmp_path / "missing.imzML")


def _with_pixel_size(path, x: float, y: float) -> None:
    """pyimzml writes no pixel size: add IMS:1000046/47 to its scan settings."""
    text = path.read_text()
    anchor = 'name="max count of pixels y"'
    end = text.index("/>", text.index(anchor)) + 2
    params = (
        f'\n      <cvParam cvRef="IMS" accession="IMS:1000046" name="pixel size (x)" value="{x}"'
        ' unitCvRef="UO" unitAccession="UO:0000017" unitName="micrometer"/>'
        f'\n      <cvParam cvRef="IMS" accession="IMS:1000047" name="pixel size (y)" value="{y}"'
        ' unitCvRef="UO" unitAccession="UO:0000017" unitName="micrometer"/>'
    )
    path.write_text(text[:end] + params + text[end:])


def test_anisotropic_pixels_keep_their_sizes_on_their_axes(tmp_path, root):
    """x = 10 µm, y = 25 µm on a 4 × 7 image: each size stays with its imzML axis."""
    cube = msi_cube((4, 7, 300))  # imzML x = row + 1 (4 values), y = col + 1 (7 values)
    path = write_imzml_file(tmp_path / "aniso.imzML", cube)
    _with_pixel_size(path, x=10.0, y=25.0)
    properties = import_msi(root, path, organization="lab", dataset="a", layout=LAYOUT)
    store = open_msi_store(root.dataset_dir("lab", "a") / "msi")
    assert np.array_equal(CubeView(store.replicas)[:, :, :], cube)
    level = store.replicas[0]
    assert level.shape == (1, 300, 4, 7)  # c, m/z, imzML x, imzML y
    ome = zarr.open_group(str(root.dataset_dir("lab", "a") / "msi"), mode="r").attrs["ome"]
    multiscale = ome["multiscales"][0]
    names = [a["name"] for a in multiscale["axes"]]
    scales = multiscale["datasets"][0]["coordinateTransformations"][0]["scale"]
    scale = dict(zip(names, scales, strict=True))
    assert (level.shape[names.index("y")], scale["y"]) == (4, 10.0)  # the imzML-x axis
    assert (level.shape[names.index("x")], scale["x"]) == (7, 25.0)  # the imzML-y axis
    box = properties.data_layers[0].bounding_box
    assert (box.width, box.height) == (7, 4)
    assert properties.scale.factor == (25.0, 10.0, 1.0)  # array x, array y, m/z
