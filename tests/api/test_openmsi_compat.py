"""OpenMSI's own URL forms: aliases, trailing slashes, unknown parameters, the README's URLs.

Unknown parameters used to be ignored (``qcube?zmin=0&zmax=10&reduction=mean``
answered the mean over the whole m/z axis); now each query takes OpenMSI's
documented names and refuses the rest with a 400 naming the parameter.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import h5py
import numpy as np
import pytest
from tests.msi_helpers import MZ, add_msi_dataset, msi_cube, write_omsi_file

from voxhub.openmsi.queries import finish_spectrum

CUBE = msi_cube()
README = Path(__file__).parents[2] / "README.md"


@pytest.fixture
def msi(hub, tmp_path, admin_token):
    add_msi_dataset(hub, "lab", "msi", write_omsi_file(tmp_path / "msi.h5", CUBE))
    return {"Authorization": f"Bearer {admin_token}"}


def npy(client, auth, url, **params):
    response = client.get(url, params={"file": "lab/msi", "format": "NPY", **params}, headers=auth)
    assert response.status_code == 200, response.text
    return np.load(io.BytesIO(response.content))


@pytest.mark.parametrize(
    "route, params, name",
    [
        ("qcube", {"zmin": "0", "zmax": "10", "reduction": "mean", "bogus": "1"}, "bogus"),
        ("qcube", {"rows": "1"}, "rows"),
        ("qslice", {"mz": "3", "x": "1"}, "x"),
        ("qspectrum", {"row": "1", "col": "2", "mz": "3"}, "mz"),
        ("qmz", {"colormap": "gray"}, "colormap"),
        ("qmetadata", {"mtype": "filelistView", "dataindex": "0"}, "dataindex"),
    ],
)
def test_unknown_parameters_are_refused_by_name(client, msi, route, params, name):
    response = client.get(f"/openmsi/{route}", params={"file": "lab/msi", **params}, headers=msi)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "bad_parameter" and body["detail"].startswith(f"{name}:")


def test_openmsi_aliases_read_what_voxhub_names_read(client, msi):
    mean = npy(client, msi, "/openmsi/qcube", zmin="0", zmax="10", reduction="mean")
    assert np.allclose(mean, CUBE[:, :, 0:10].mean(axis=2))
    assert np.array_equal(npy(client, msi, "/openmsi/qcube", x="2", y="3", z="4:6"),
                          CUBE[2, 3, 4:6])  # fmt: skip
    assert np.array_equal(npy(client, msi, "/openmsi/qcube", xmin="1", xmax="3", mz="7"),
                          CUBE[1:3, :, 7])  # fmt: skip
    spectrum = npy(client, msi, "/openmsi/qspectrum", x="5", y="7")
    assert np.array_equal(spectrum, npy(client, msi, "/openmsi/qspectrum", row="5", col="7"))
    assert np.array_equal(spectrum, CUBE[5, 7])
    assert np.array_equal(npy(client, msi, "/openmsi/qslice", z="120"), CUBE[:, :, 120])
    both = client.get("/openmsi/qslice", params={"file": "lab/msi", "z": "1", "mz": "2"},
                      headers=msi)  # fmt: skip
    assert both.status_code == 400 and both.json()["detail"].startswith("z:")


def test_normalize_flags(client, msi):
    one = npy(client, msi, "/openmsi/qspectrum", row="5", col="7", normalize="1")
    assert np.allclose(one, CUBE[5, 7] / CUBE[5, 7].max())
    zero = npy(client, msi, "/openmsi/qspectrum", row="5", col="7", normalize="0")
    assert np.array_equal(zero, CUBE[5, 7])


def test_filelist_and_children_defaults(client, msi):
    listed = client.get("/openmsi/qmetadata", params={"mtype": "filelist"}, headers=msi)
    view = client.get("/openmsi/qmetadata", params={"mtype": "filelistView"}, headers=msi)
    assert listed.status_code == 200 and listed.json() == view.json()
    tree = client.get("/openmsi/qmetadata", params={"mtype": "file", "file": "lab/msi"},
                      headers=msi).json()  # fmt: skip
    assert "_children" in tree and "children" not in tree


@pytest.mark.parametrize("route", ["qslice", "qspectrum", "qcube", "qmz", "qaxes", "qmetadata"])
def test_trailing_slash_urls_answer_directly(client, msi, route):
    params = {"file": "lab/msi", "mz": "3", "row": "1", "col": "2", "mtype": "file"}
    takes = {"qslice": ("file", "mz"), "qspectrum": ("file", "row", "col"), "qcube": ("file",),
             "qmz": ("file",), "qaxes": ("file",), "qmetadata": ("file", "mtype")}  # fmt: skip
    query = {k: params[k] for k in takes[route]}
    slashed = client.get(f"/openmsi/{route}/", params=query, headers=msi, follow_redirects=False)
    assert slashed.status_code == 200, slashed.text
    plain = client.get(f"/openmsi/{route}", params=query, headers=msi)
    assert slashed.content == plain.content


def test_exp_index_reads_a_files_further_experiments(client, hub, tmp_path, admin_token):
    path = write_omsi_file(tmp_path / "two.h5", CUBE)
    second = (CUBE[:, :, ::-1]).copy()
    with h5py.File(path, "a") as f:
        entry = f.create_group("entry_1")
        entry.create_group("instrument")["mz"] = MZ
        data = entry.create_group("data_0")
        data.create_dataset("data_0", data=second)
        data["format"] = "full_cube"
        data["mz"] = MZ
    add_msi_dataset(hub, "lab", "two", path)
    auth = {"Authorization": f"Bearer {admin_token}"}
    got = npy(client, auth, "/openmsi/qslice", file="lab/two", expIndex="1", dataIndex="0", mz="5")
    assert np.array_equal(got, second[:, :, 5])
    first = npy(client, auth, "/openmsi/qslice", file="lab/two", expIndex="0", dataIndex="0",
                mz="5")  # fmt: skip
    assert np.array_equal(first, CUBE[:, :, 5])
    missing = client.get("/openmsi/qslice", headers=auth,
                         params={"file": "lab/two", "expIndex": "2", "mz": "5"})  # fmt: skip
    assert missing.status_code == 404 and missing.json()["detail"].startswith("expIndex:")


def readme_urls() -> list[str]:
    """Every /openmsi URL with a query in the README, as written there."""
    return sorted(set(re.findall(r"`(/openmsi/[^`\s]*\?[^`\s]*)`", README.read_text())))


def test_readme_openmsi_urls_work_as_written(client, msi):
    urls = readme_urls()
    assert len(urls) >= 3
    for url in urls:
        url = url.replace("…", "120")  # the viewer's placeholder value
        response = client.get(url, headers=msi)
        assert response.status_code == 200, f"{url}: {response.text}"


def test_default_peaks_of_a_clean_three_ion_spectrum():
    """Three ions over noise: three peaks, not one per noise wiggle."""
    rng = np.random.default_rng(3)
    axis = np.linspace(100, 1000, 4000)
    ions = np.zeros(axis.size)
    for centre, height in ((300, 1000.0), (550, 500.0), (800, 300.0)):
        ions += height * np.exp(-(((axis - centre) / 0.6) ** 2) / 2)
    noisy = ions + rng.normal(50.0, 20.0, axis.size)  # baseline 50, noise sigma 20
    for spectrum in (noisy, ions):
        found = finish_spectrum(spectrum, axis, find_peaks=True)
        assert len(found["peak_mz"]) == 3
        assert np.allclose(found["peak_mz"], [300, 550, 800], atol=0.5)
