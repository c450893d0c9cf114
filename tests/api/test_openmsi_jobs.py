"""Analyses and server-side MSI imports as jobs: submitted through ``/openmsi``, run by the
in-process worker, their results queryable with provenance."""

from __future__ import annotations

import os

import numpy as np
import pytest
from tests.msi_helpers import (
    MZ,
    PEAKS,
    add_msi_dataset,
    hosted_msi,
    msi_cube,
    write_imzml_file,
    write_omsi_file,
)

from voxhub.jobs.runner import Worker

CUBE = msi_cube()
DATA = {"file": "lab/msi", "expIndex": 0, "dataIndex": 0}


@pytest.fixture
def auth(hub, tmp_path, admin_token):
    return hosted_msi(hub, tmp_path, admin_token, CUBE)


def finished(client, hub, auth, response):
    """Run the queued job in this thread, as a worker would, and return it as the API shows it."""
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert Worker(hub, "test-worker").run_once() == job_id
    return client.get(f"/api/v1/jobs/{job_id}", headers=auth).json()


def analyse(client, hub, auth, kind, parameters=None, identifier=None, **address):
    body = {"type": kind, "parameters": parameters or {}, "identifier": identifier}
    params = {**DATA, **address} if "anaIndex" not in address else {"file": "lab/msi", **address}
    response = client.post("/openmsi/analyses", params=params, json=body, headers=auth)
    job = finished(client, hub, auth, response)
    assert job["state"] == "succeeded", job
    return job["result"]


@pytest.mark.storages  # results published into the data folder and into the bucket
def test_analyses_store_results_with_a_provenance_chain(client, hub, auth):
    tic = analyse(client, hub, auth, "tic_normalize", identifier="tic")
    assert tic == {"anaIndex": 1, "anaIdentifier": "tic", "outputs": ["normalized", "tic"]}
    totals = CUBE.sum(axis=2).astype(float)
    expected = CUBE / totals[:, :, None] * totals.mean()
    at = {"file": "lab/msi", "anaIdentifier": "tic", "row": 2, "col": 3}
    got = client.get("/openmsi/qspectrum", params=at, headers=auth).json()["spectrum"]
    assert np.allclose(got, expected[2, 3], rtol=1e-5)
    image = client.get(
        "/openmsi/qcube",
        params={"file": "lab/msi", "anaIndex": 1, "anaDataName": "tic"},
        headers=auth,
    ).json()
    assert np.allclose(image, totals)

    nmf = analyse(client, hub, auth, "nmf", {"components": 3, "iterations": 30}, anaIndex=1)
    assert nmf["outputs"] == ["images", "spectra", "errors"]
    axes = client.get(
        "/openmsi/qmz", params={"file": "lab/msi", "anaIndex": nmf["anaIndex"]}, headers=auth
    ).json()
    assert axes["values_spectra"] == [0.0, 1.0, 2.0] and axes["label_spectra"] == "component"

    chain = client.get(
        "/openmsi/qmetadata",
        params={"file": "lab/msi", "mtype": "provenance", "anaIdentifier": nmf["anaIdentifier"]},
        headers=auth,
    ).json()
    assert chain["analysisType"] == "nmf" and chain["parameters"]["components"] == 3
    assert "numpy" in chain["software"] and chain["created"]
    [step] = chain["_children"]
    assert (step["name"], step["analysisType"], step["output"]) == (
        "tic",
        "tic_normalize",
        "normalized",
    )
    [source] = step["_children"]
    assert source["type"] == "data" and source["source"]["file"] == "msi.h5"


def test_peak_finding_analyses(client, hub, auth):
    found = analyse(client, hub, auth, "findpeaks_global", {"prominence": 20.0, "half_width": 2})
    mz = client.get(
        "/openmsi/qcube",
        params={"file": "lab/msi", "anaIndex": found["anaIndex"], "anaDataName": "peak_mz"},
        headers=auth,
    ).json()
    assert np.allclose(mz, MZ[list(PEAKS)])
    image = client.get(
        "/openmsi/qslice",
        params={"file": "lab/msi", "anaIndex": found["anaIndex"], "mz": 2},
        headers=auth,
    ).json()
    assert np.allclose(image, CUBE[:, :, PEAKS[2] - 2 : PEAKS[2] + 3].max(axis=2))
    local = analyse(
        client, hub, auth, "findpeaks_local", {"prominence": 30.0, "tolerance_ppm": 50.0}
    )
    axes = client.get(
        "/openmsi/qmz", params={"file": "lab/msi", "anaIndex": local["anaIndex"]}, headers=auth
    ).json()
    assert np.allclose(axes["values_spectra"], MZ[list(PEAKS)])


def test_bad_analysis_requests(client, hub, auth, outsider_token, tmp_path):
    post = lambda body, params=DATA, headers=auth: client.post(  # noqa: E731
        "/openmsi/analyses", params=params, json=body, headers=headers
    )
    cases = [
        ({"type": "pca"}, 400, "type"),
        ({"type": "nmf", "parameters": {"components": "three"}}, 400, "parameters.components"),
        ({"type": "nmf", "parameters": {"rank": 3}}, 400, "parameters.rank"),
        ({"type": "tic_normalize", "identifier": "imported_peaks"}, 409, "identifier"),
    ]
    for body, status, name in cases:
        response = post(body)
        assert response.status_code == status and name in response.json()["detail"], response.text
    response = post({"type": "nmf"}, {**DATA, "dataIndex": 4})
    assert response.status_code == 404 and "dataIndex" in response.json()["detail"]
    response = post({"type": "nmf"}, {"file": "lab/msi", "anaIndex": 0, "anaDataName": "peak_mz"})
    assert response.status_code == 400 and "cubes" in response.json()["detail"]
    add_msi_dataset(hub, "lab", "open", write_omsi_file(tmp_path / "o.h5", CUBE), public=True)
    outsider = {"Authorization": f"Bearer {outsider_token}"}
    # The private dataset stays hidden; the public one is seen but may not be changed.
    for file, status in (("lab/msi", 404), ("lab/open", 403)):
        response = post({"type": "nmf"}, {**DATA, "file": file}, outsider)
        assert response.status_code == status, response.text
    assert client.post("/openmsi/analyses", params=DATA, json={"type": "nmf"}).status_code == 401


def test_failed_analysis_leaves_nothing_behind(client, auth, hub):
    response = client.post(
        "/openmsi/analyses",
        params=DATA,
        headers=auth,
        json={"type": "findpeaks_global", "parameters": {"height": 1e9}},
    )
    job = finished(client, hub, auth, response)
    assert job["state"] == "failed" and "no peaks" in job["error"]
    assert sorted(
        p.name for p in (hub.data_root.dataset_dir("lab", "msi") / "analyses").iterdir()
    ) == ["0"]
    assert not list(hub.settings.staging.iterdir())


def test_import_from_the_allowed_folders_only(client, hub, auth, tmp_path, outsider_token):
    root = tmp_path / "incoming"
    (root / "run1").mkdir(parents=True)
    write_imzml_file(root / "run1" / "s.imzML", CUBE)
    outside = write_imzml_file(tmp_path / "secret.imzML", CUBE)
    os.symlink(outside, root / "link.imzML")
    body = {"path": "run1/s.imzML", "organization": "lab", "name": "imported"}
    response = client.post("/openmsi/import", json=body, headers=auth)
    assert response.status_code == 403 and "VOXHUB_IMPORT_ROOTS" in response.json()["detail"]
    hub.settings.import_roots = (root,)
    job = finished(client, hub, auth, client.post("/openmsi/import", json=body, headers=auth))
    assert job["state"] == "succeeded", job
    assert job["result"]["layers"] == ["msi"]
    image = client.get(
        "/openmsi/qslice",
        params={"file": "lab/imported", "dataIndex": 0, "mz": "200"},
        headers=auth,
    ).json()
    assert np.array_equal(image, CUBE[:, :, 200])
    for path, status in (
        ("../secret.imzML", 400),
        (str(outside), 400),
        ("link.imzML", 400),
        ("run1/none.imzML", 404),
        ("", 400),
    ):
        response = client.post(
            "/openmsi/import", json={**body, "path": path, "name": "x"}, headers=auth
        )
        assert response.status_code == status, (path, response.text)
        assert "path" in response.json()["detail"], response.text
    outsider = {"Authorization": f"Bearer {outsider_token}"}
    response = client.post("/openmsi/import", json={**body, "name": "y"}, headers=outsider)
    assert response.status_code == 404
    response = client.post(
        "/openmsi/import", json={**body, "organization": "nowhere"}, headers=auth
    )
    assert response.status_code == 404


def test_analysis_parameters_are_bounded_at_submit_time(client, hub, auth):
    """Too many iterations or components is a 400 when submitted, not a job that fails later."""
    rows, cols, nmz = CUBE.shape
    cases = [
        ({"iterations": 10**9}, "parameters.iterations"),
        ({"iterations": 0}, "parameters.iterations"),
        ({"components": rows * cols + 1}, "parameters.components"),
        ({"components": 10**12}, "parameters.components"),
        ({"seed": -1}, "parameters.seed"),
        ({"tolerance": 2.0}, "parameters.tolerance"),
    ]
    for parameters, name in cases:
        body = {"type": "nmf", "parameters": parameters}
        response = client.post("/openmsi/analyses", params=DATA, json=body, headers=auth)
        assert response.status_code == 400, response.text
        assert name in response.json()["detail"], response.text
    body = {"type": "findpeaks_global", "parameters": {"half_width": nmz + 1}}
    response = client.post("/openmsi/analyses", params=DATA, json=body, headers=auth)
    assert response.status_code == 400 and "half_width" in response.json()["detail"]
