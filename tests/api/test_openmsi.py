"""``/openmsi`` queries through the app: OpenMSI's URLs and shapes, values equal to numpy.

The MSI dataset is a synthetic cube imported from an OpenMSI HDF5 file (with
one stored analysis); the EM dataset is an ordinary voxhub volume whose z
axis plays m/z.
"""

from __future__ import annotations

import io
import json

import h5py
import numpy as np
import pytest
from PIL import Image
from tests.helpers import add_dataset
from tests.msi_helpers import (
    MZ,
    NORMALIZED_MAX_PROJECTION,
    PEAKS,
    add_msi_dataset,
    hosted_msi,
    msi_cube,
    write_omsi_file,
)

CUBE = msi_cube()
FILE = {"file": "lab/msi", "expIndex": 0, "dataIndex": 0}


@pytest.fixture
def msi(hub, tmp_path, admin_token):
    return hosted_msi(hub, tmp_path, admin_token, CUBE)


def get(client, auth, route, **params):
    query = {k: v for k, v in {**FILE, **params}.items() if v is not None}
    return client.get(f"/openmsi/{route}", params=query, headers=auth)


def json_of(response):
    assert response.status_code == 200, response.text
    return response.json()


# Example URLs of OpenMSI's documentation, rewritten to this dataset, with numpy's answer.
EXAMPLES = [
    ("qslice", {"mz": "120"}, CUBE[:, :, 120]),
    ("qslice", {"mz": "118:123"}, CUBE[:, :, 118:123].max(axis=2)),
    ("qslice", {"mz": "[40,200]"}, CUBE[:, :, [40, 200]].max(axis=2)),
    (
        "qslice",
        {"mz": "118:123", "operations": '[{"reduction": "mean", "axis": 2}]'},
        CUBE[:, :, 118:123].mean(axis=2),
    ),
    ("qslice", {"mz": "38:43", "reduction": "sum"}, CUBE[:, :, 38:43].sum(axis=2)),
    ("qspectrum", {"row": "3", "col": "4"}, CUBE[3, 4]),
    ("qspectrum", {"row": "2:4", "col": "5:8"}, CUBE[2:4, 5:8]),
    ("qspectrum", {"row": "[1,5]", "col": "[2,7]"}, CUBE[[1, 5], [2, 7]]),
    (
        "qspectrum",
        {
            "row": "0:6",
            "col": "0:5",
            "operations": '[{"reduction": "mean", "axis": 0}, {"reduction": "mean", "axis": 0}]',
        },
        CUBE[0:6, 0:5].mean(axis=(0, 1)),
    ),
    (
        "qspectrum",
        {"row": "3", "col": "4", "row2": "8", "col2": "1"},
        CUBE[3, 4].astype(float) - CUBE[8, 1],
    ),
    ("qcube", {"row": "1:4", "col": "2:5", "mz": "100:110"}, CUBE[1:4, 2:5, 100:110]),
    ("qcube", {"row": "[1,2,3]", "col": "[4,5,6]"}, CUBE[[1, 2, 3], [4, 5, 6]]),
    ("qcube", {"row": "[9,2,2]", "col": "3", "mz": "::-50"}, CUBE[[9, 2, 2], 3, ::-50]),
    ("qcube", {"row": "-1", "col": "-3:", "mz": "[299,0]"}, CUBE[-1, -3:][:, [299, 0]]),
    (
        "qcube",
        {
            "row": "0:2",
            "col": "0:2",
            "mz": "0:10",
            "operations": '[{"reduction": "max", "axis": 2}]',
        },
        CUBE[0:2, 0:2, 0:10].max(axis=2),
    ),
]


@pytest.mark.storages  # MSI datasets on the data folder and on S3
def test_documented_examples_return_numpy_values(client, msi):
    for route, params, expected in EXAMPLES:
        body = json_of(get(client, msi, route, **params))
        values = np.asarray(body["spectrum"] if route == "qspectrum" else body)
        assert values.shape == expected.shape, (route, params)
        assert np.allclose(values, expected), (route, params)


def test_documented_normalised_max_projection(client, msi):
    """OpenMSI's pipeline example ("normalize by percentiles, version 3") on a qslice."""
    # m/z 0..2 hold only noise, so the projection has zeros the percentiles must skip.
    body = json_of(
        get(client, msi, "qslice", mz="0:2", operations=json.dumps(NORMALIZED_MAX_PROJECTION))
    )
    image = CUBE[:, :, 0:2].max(axis=2).astype(float)
    assert (image == 0).any()
    low = np.percentile(image[image > 0], 5)
    shifted = image - low
    expected = np.clip(shifted / np.percentile(shifted[shifted > 0], 95), 0, 1)
    assert np.allclose(body, expected)
    assert np.asarray(body).max() == 1.0


@pytest.mark.storages  # MSI datasets on the data folder and on S3
def test_axes_and_their_labels(client, msi):
    body = json_of(get(client, msi, "qmz"))
    assert np.allclose(body["values_spectra"], MZ)
    assert body["label_spectra"] == "m/z"
    assert body["values_x"] == list(range(12)) and body["label_x"] == "pixel index X"
    assert body["values_y"] == list(range(10)) and body["label_y"] == "pixel index Y"
    assert json_of(get(client, msi, "qaxes")) == body
    rounded = json_of(get(client, msi, "qmz", precision=1))
    assert rounded["values_spectra"][1] == round(MZ[1], 1)
    hilbert = json_of(get(client, msi, "qmz", layout="hilbert"))["values_spectra"]
    assert np.asarray(hilbert, dtype=float).shape == (32, 32)  # 300 values, padded with null
    assert sum(v is not None for row in hilbert for v in row) == 300


@pytest.mark.storages  # MSI datasets on the data folder and on S3
def test_png_hdf5_and_npy(client, msi):
    png = get(client, msi, "qslice", mz="118:123", format="PNG")
    assert png.headers["content-type"] == "image/png"
    image = np.asarray(Image.open(io.BytesIO(png.content)))
    expected = CUBE[:, :, 118:123].max(axis=2).astype(float)
    expected = np.round((expected - expected.min()) / np.ptp(expected) * 255)
    assert image.shape == (12, 10) and np.array_equal(image, expected)
    coloured = get(client, msi, "qslice", mz="200", format="PNG", colormap="viridis")
    assert np.asarray(Image.open(io.BytesIO(coloured.content))).shape == (12, 10, 3)
    rgb = get(client, msi, "qslice", mz="[40,120,200]", format="png", operations="[]")
    assert np.asarray(Image.open(io.BytesIO(rgb.content))).shape == (12, 10, 3)
    plot = get(client, msi, "qspectrum", row="3", col="4", format="PNG")
    assert Image.open(io.BytesIO(plot.content)).size == (800, 300)
    hdf5 = get(client, msi, "qcube", row="1:3", col="2", format="HDF5")
    assert hdf5.headers["content-type"] == "application/x-hdf5"
    with h5py.File(io.BytesIO(hdf5.content), "r") as f:
        assert np.array_equal(f["data"][()], CUBE[1:3, 2])
    npy = get(client, msi, "qcube", row="1:3", col="2", mz="5:9", format="NPY")
    loaded = np.load(io.BytesIO(npy.content))
    assert loaded.dtype == np.uint16 and np.array_equal(loaded, CUBE[1:3, 2, 5:9])
    peaks = get(client, msi, "qspectrum", row="3", col="4", findPeaks="1", format="HDF5")
    with h5py.File(io.BytesIO(peaks.content), "r") as f:
        assert set(f) == {"spectrum", "peak_mz", "peak_value"}


def test_peaks_normalisation_and_hilbert_layout_of_spectra(client, msi):
    body = json_of(get(client, msi, "qspectrum", row="6", col="5", findPeaks="1"))
    assert np.array_equal(body["spectrum"], CUBE[6, 5])
    found = set(np.round(body["peak_mz"], 6))
    assert {round(MZ[p], 6) for p in PEAKS} <= found  # the four ions, and not the noise
    assert len(found) == 4
    assert np.allclose(body["peak_value"], CUBE[6, 5][list(PEAKS)])
    several = json_of(get(client, msi, "qspectrum", row="2:4", col="3", findPeaks="1"))
    assert len(several["peak_mz"]) == 2 and len(several["peak_mz"][0]) == 4
    unit = json_of(get(client, msi, "qspectrum", row="6", col="5", normalize="max"))
    assert np.isclose(max(unit["spectrum"]), 1.0)
    square = json_of(get(client, msi, "qspectrum", row="6", col="5", layout="hilbert"))
    assert np.asarray(square["spectrum"]).shape == (32, 32)
    assert np.asarray(square["spectrum"]).sum() == CUBE[6, 5].sum()


def test_difference_spectra_with_their_own_operations(client, msi):
    mean_of_rows = json.dumps([{"reduction": "mean", "axis": 0}])
    body = json_of(
        get(
            client, msi, "qspectrum", row="0:3", col="1", row2="5:8", col2="1",
            operations1=mean_of_rows, operations2=mean_of_rows,
        )
    )  # fmt: skip
    expected = CUBE[0:3, 1].mean(axis=0) - CUBE[5:8, 1].mean(axis=0)
    assert np.allclose(body["spectrum"], expected)
    merge = json.dumps(
        [{"transformation": "arithmetic", "operation": "add", "x1": "spectrum1", "x2": "spectrum2"}]
    )
    body = json_of(
        get(client, msi, "qspectrum", row="3", col="4", row2="8", col2="1", operationsMerge=merge)
    )
    assert np.array_equal(body["spectrum"], CUBE[3, 4].astype(int) + CUBE[8, 1])


def test_other_datasets_answer_with_z_as_mz(client, hub, admin_token):
    volume = add_dataset(hub, "lab", "em")  # (z, y, x) = (20, 48, 40), voxel z = 24 nm
    auth = {"Authorization": f"Bearer {admin_token}"}
    params = {"file": "lab/em", "expIndex": 0, "dataIndex": 0}
    axes = client.get("/openmsi/qmz", params=params, headers=auth).json()
    assert axes["label_spectra"] == "z (nanometer)" and axes["values_spectra"][1] == 24.0
    assert len(axes["values_x"]) == 48 and len(axes["values_y"]) == 40
    image = client.get("/openmsi/qslice", params={**params, "mz": "5"}, headers=auth).json()
    assert np.array_equal(image, volume[5])
    spectrum = client.get("/openmsi/qspectrum", params={**params, "row": 7, "col": 9}, headers=auth)
    assert np.array_equal(spectrum.json()["spectrum"], volume[:, 7, 9])


BAD_REQUESTS = [
    ("qslice", {"mz": "4a"}, 400, "mz"),
    ("qslice", {"mz": "300"}, 400, "mz"),
    ("qslice", {"mz": "[]"}, 400, "mz"),
    ("qslice", {}, 400, "mz"),
    ("qslice", {"mz": "1", "operations": "[{"}, 400, "operations"),
    ("qslice", {"mz": "1", "operations": '[{"reduction": "eval"}]'}, 400, "operations[0]"),
    ("qslice", {"mz": "1", "format": "GIF"}, 400, "format"),
    ("qslice", {"mz": "1", "colormap": "rainbow", "format": "PNG"}, 400, "colormap"),
    ("qslice", {"mz": "1", "expIndex": "x"}, 400, "expIndex"),
    ("qslice", {"mz": "1", "expIndex": "1"}, 404, "expIndex"),
    ("qslice", {"mz": "1", "dataIndex": "3"}, 404, "dataIndex"),
    ("qslice", {"mz": "1", "anaIndex": "7"}, 404, "anaIndex"),
    ("qslice", {"mz": "1", "anaIdentifier": "nope"}, 404, "anaIdentifier"),
    ("qspectrum", {"row": "1"}, 400, "col"),
    ("qspectrum", {"row": "1", "col": "[1,2]", "row2": "1"}, 400, "col2"),
    ("qspectrum", {"row": "1", "col": "1", "layout": "zigzag"}, 400, "layout"),
    ("qspectrum", {"row": "1", "col": "1", "findPeaks": "maybe"}, 400, "findPeaks"),
    ("qspectrum", {"row": "12", "col": "1"}, 400, "row"),
    ("qspectrum", {"row": "[1,2]", "col": "[1,2,3]"}, 400, "row"),
    ("qcube", {"row": "0:3", "col": "0:2", "mz": "1:2:0"}, 400, "mz"),
    (
        "qcube",
        {"operations": '[{"transformation": "arithmetic", "operation": "system"}]'},
        400,
        "operations[0]",
    ),
    ("qmz", {"format": "PNG"}, 400, "format"),
]


def test_bad_requests_name_the_parameter(client, msi):
    for route, params, status, names in BAD_REQUESTS:
        response = get(client, msi, route, **params)
        assert response.status_code == status, (route, params, response.text)
        assert set(response.json()) == {"error", "detail"}
        assert names in response.json()["detail"], (route, params, response.text)


def test_missing_or_malformed_file_and_too_large_selections(client, hub, msi):
    response = client.get("/openmsi/qslice", params={"mz": "1"}, headers=msi)
    assert response.status_code == 400 and "file" in response.json()["detail"]
    response = client.get("/openmsi/qslice", params={"file": "msi", "mz": "1"}, headers=msi)
    assert response.status_code == 400 and "file" in response.json()["detail"]
    hub.settings.openmsi_max_elements = 1000
    response = get(client, msi, "qcube")
    assert response.status_code == 400 and "limit of 1000" in response.json()["detail"]
    assert get(client, msi, "qcube", mz="0:8").status_code == 200  # 960 values
    # A max projection streams through larger inputs chunk by chunk; its image is small.
    assert np.array_equal(json_of(get(client, msi, "qslice", mz=":")), CUBE.max(axis=2))
    assert np.array_equal(json_of(get(client, msi, "qslice", mz="::-1")), CUBE.max(axis=2))
    response = get(client, msi, "qslice", mz=":", operations='[{"reduction": "median", "axis": 2}]')
    assert response.status_code == 400 and "limit of 1000" in response.json()["detail"]
    response = get(client, msi, "qspectrum", row="[" + ",".join(["1"] * 5) + "]", col="1")
    assert response.status_code == 400 and "row" in response.json()["detail"]


def test_permissions(client, hub, msi, outsider_token, tmp_path):
    outsider = {"Authorization": f"Bearer {outsider_token}"}
    for route, extra in (("qslice", {"mz": "1"}), ("qmz", {}), ("qcube", {"mz": "1"})):
        response = get(client, outsider, route, **extra)
        assert response.status_code == 404 and "lab/msi" in response.json()["detail"]
    anonymous = client.get("/openmsi/qmetadata", params={"file": "lab/msi", "mtype": "file"})
    assert anonymous.status_code == 404
    add_msi_dataset(hub, "lab", "open", write_omsi_file(tmp_path / "o.h5", CUBE), public=True)
    listed = client.get("/openmsi/qmetadata", params={"mtype": "filelistView"}, headers=outsider)
    assert json_of(listed) == {
        "lab/open": {"permissions": ["view"], "status": "managed", "state": "active"}
    }
    assert (
        json_of(
            client.get("/openmsi/qmetadata", params={"mtype": "filelistEdit"}, headers=outsider)
        )
        == {}
    )
    mine = json_of(
        client.get("/openmsi/qmetadata", params={"mtype": "filelistManage"}, headers=msi)
    )
    assert set(mine) == {"lab/msi", "lab/open"}
    assert mine["lab/msi"]["permissions"] == ["view", "edit", "manage", "admin"]
    raw = json_of(
        client.get("/openmsi/qmetadata", params={"mtype": "filelistRawData"}, headers=msi)
    )
    assert raw["lab/msi"]["sources"][0]["file"] == "msi.h5"
    public = get(client, outsider, "qslice", file="lab/open", mz="1")
    assert np.array_equal(json_of(public), CUBE[:, :, 1])


@pytest.mark.storages  # MSI datasets on the data folder and on S3
def test_metadata_trees(client, msi):
    """Children under OpenMSI's default ``childKey``, ``_children``."""
    tree = json_of(get(client, msi, "qmetadata", mtype="file"))
    assert tree["name"] == "lab/msi"
    [experiment] = tree["_children"]
    kinds = [(c["type"], c["name"]) for c in experiment["_children"]]
    assert kinds == [("data", "msi"), ("analysis", "imported_peaks")]
    d3 = json_of(
        get(client, msi, "qmetadata", mtype="file", nameKey="label", childKey="kids", depth=1)
    )
    assert d3["label"] == "lab/msi" and "_kids" in d3["kids"][0]
    full = json_of(get(client, msi, "qmetadata", mtype="experimentFull"))
    data = full["_children"][0]
    assert [c["name"] for c in data["_children"]] == ["instrument", "sample", "method", "source"]
    instrument = json_of(get(client, msi, "qmetadata", mtype="instrument"))
    assert instrument["_children"] == [{"name": "name", "value": "test instrument"}]
    sample = json_of(get(client, msi, "qmetadata", mtype="sample"))
    assert {"name": "name", "value": "synthetic tissue"} in sample["_children"]
    analysis = json_of(get(client, msi, "qmetadata", mtype="analysis", anaIndex=0))
    assert analysis["analysisType"] == "omsi_findpeaks_global"
    assert analysis["parameters"] == {"integration_width": 2}
    hdf5 = get(client, msi, "qmetadata", mtype="file", format="HDF5")
    with h5py.File(io.BytesIO(hdf5.content), "r") as f:
        assert json.loads(f.attrs["metadata"])["name"] == "lab/msi"
    bad = get(client, msi, "qmetadata", mtype="everything")
    assert bad.status_code == 400 and "mtype" in bad.json()["detail"]
    assert "mtype" in get(client, msi, "qmetadata").json()["detail"]
    assert "depth" in get(client, msi, "qmetadata", mtype="file", depth="deep").json()["detail"]


@pytest.mark.storages  # MSI datasets on the data folder and on S3
def test_imported_analysis_is_addressable(client, msi):
    image = json_of(get(client, msi, "qslice", dataIndex=None, anaIndex=0, mz="2"))
    assert np.array_equal(image, CUBE[:, :, PEAKS[2]])
    by_name = json_of(
        get(client, msi, "qcube", anaIdentifier="imported_peaks", anaDataName="peak_mz")
    )
    assert np.allclose(by_name, MZ[list(PEAKS)])
    axes = json_of(get(client, msi, "qmz", anaIndex=0))
    assert np.allclose(axes["values_spectra"], MZ[list(PEAKS)])
    spectrum = json_of(get(client, msi, "qspectrum", anaIndex=0, row="3", col="3"))
    assert np.array_equal(spectrum["spectrum"], CUBE[3, 3][list(PEAKS)])
    response = get(client, msi, "qslice", anaIndex=0, anaDataName="peak_mz", mz="1")
    assert response.status_code == 400 and "qcube" in response.json()["detail"]
    response = get(client, msi, "qcube", anaIndex=0, anaDataName="peak_mz", col="1")
    assert response.status_code == 400 and "col" in response.json()["detail"]
    provenance = json_of(get(client, msi, "qmetadata", mtype="provenance", anaIndex=0))
    assert provenance["name"] == "imported_peaks"
    assert provenance["_children"][0]["type"] == "data"
    assert provenance["_children"][0]["source"]["file"] == "msi.h5"


def test_analyses_copied_into_the_folder_are_found_and_broken_ones_skipped(client, hub, msi):
    folder = hub.data_root.dataset_dir("lab", "msi") / "analyses"
    (folder / "5").mkdir()
    (folder / "5" / "provenance.json").write_text("{not json")
    copied = folder / "6"
    copied.mkdir()
    for item in (folder / "0").iterdir():  # a copy under another name, as a user might place it
        (copied / item.name).symlink_to(item, target_is_directory=item.is_dir())
    record = json.loads((folder / "0" / "provenance.json").read_text())
    (copied / "provenance.json").unlink()
    (copied / "provenance.json").write_text(json.dumps({**record, "identifier": "copied"}))
    tree = json_of(get(client, msi, "qmetadata", mtype="experiment"))
    names = [c["name"] for c in tree["_children"] if c["type"] == "analysis"]
    assert names == ["imported_peaks", "copied"]
    image = json_of(get(client, msi, "qslice", anaIdentifier="copied", mz="0"))
    assert np.array_equal(image, CUBE[:, :, PEAKS[0]])


# Pipelines from the security review: each used to allocate GBs, pin a core or answer 500.
HOSTILE = [
    (
        "qcube",
        {"operations": '[{"reduction": "area_near_peak", "halfpeakwidth": 100000000}]'},
        "operations[0].halfpeakwidth",
    ),
    ("qcube", {"operations": '[{"reduction": "diff", "n": 1000000000}]'}, "operations[0].n"),
    ("qcube", {"operations": '[{"reduction": "diff", "n": 5000, "axis": 2}]'}, "operations[0]"),
    (
        "qcube",
        {
            "operations": json.dumps(
                [
                    {"reduction": "cumsum"},
                    {"reduction": "argwhere"},
                    {
                        "transformation": "arithmetic",
                        "operation": "multiply",
                        "x2": {"reduction": "cumsum", "x1": "data"},
                    },
                ]
            )
        },
        "operations[2]",
    ),
    (
        "qcube",
        {
            "operations": json.dumps(
                [
                    {"reduction": "sum", "axis": 2, "variable": "image"},
                    {"reduction": "argwhere"},
                    {"transformation": "arithmetic", "operation": "add", "x2": "image"},
                ]
            )
        },
        "operations[2]",
    ),
    ("qcube", {"operations": '[{"reduction": "percentile", "q": [1, 2, 3], "axis": 2}]'}, None),
]


@pytest.mark.parametrize(("route", "params", "names"), HOSTILE)
def test_hostile_pipelines_are_refused_before_allocating(client, msi, route, params, names):
    response = get(client, msi, route, **params)
    if names is None:  # within the caps: answered
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_operation"
    assert names in response.json()["detail"], response.text


def test_area_near_peak_with_a_window_as_wide_as_the_spectrum(client, msi):
    nmz = CUBE.shape[2]
    ops = json.dumps([{"reduction": "area_near_peak", "halfpeakwidth": nmz}])
    got = np.asarray(json_of(get(client, msi, "qcube", operations=ops)))
    np.testing.assert_allclose(got, CUBE.sum(axis=2).astype(CUBE.dtype))


def test_complex_results_are_a_400_in_json_and_png(client, msi):
    ops = json.dumps([{"transformation": "astype", "dtype": "complex"}])
    for fmt in ("JSON", "PNG"):
        response = get(client, msi, "qslice", mz="120", operations=ops, format=fmt)
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "unsupported_format"
    response = get(client, msi, "qslice", mz="120", operations=ops, format="NPY")
    assert response.status_code == 200
    assert np.load(io.BytesIO(response.content)).dtype == np.complex128
