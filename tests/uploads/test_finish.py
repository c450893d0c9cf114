"""An upload can never register paths that lead into another dataset (issue 9 item 1).

Organization ``orgA`` has a private dataset; an admin of ``lab`` uploads a
WEBKNOSSOS dataset whose properties point at it. The upload fails with a clear
message and neither the box route nor the thumbnail ever return orgA's voxels.
"""

import io
import json
import stat
import zipfile

import numpy as np
import pytest
from sqlalchemy import select
from tests.helpers import add_dataset, volume, zip_of
from tests.uploads.resumable import auth, upload_files

from voxhub.db.models import Dataset, Layer
from voxhub.jobs.runner import Worker

SECRET = volume((8, 24, 20), seed=7)
AXES = {"c": 0, "z": 1, "y": 2, "x": 3}


def properties(mag_path: str, layer: str = "color") -> dict:
    box = {"topLeft": [0, 0, 0], "width": 20, "height": 24, "depth": 8}
    mags = [{"mag": [1, 1, 1], "path": mag_path, "axisOrder": AXES}]
    return {
        "id": {"name": "leak", "team": "lab"},
        "scale": {"factor": [11, 11, 24], "unit": "nanometer"},
        "dataLayers": [{"name": layer, "category": "color", "boundingBox": box,
                        "elementClass": "uint8", "dataFormat": "zarr3", "mags": mags}],
    }  # fmt: skip


@pytest.fixture
def secret(hub):
    add_dataset(hub, "orgA", "secret", SECRET)
    return hub.settings.binary_data / "orgA" / "secret" / "color" / "1"


def finish(client, token, upload_id):
    return client.post(f"/api/v1/uploads/{upload_id}/finish", headers=auth(token))


def run(client, hub, token, upload_id):
    response = finish(client, token, upload_id)
    assert response.status_code == 200, response.json()
    assert Worker(hub).run_once() == response.json()["jobId"]
    return client.get(f"/api/v1/jobs/{response.json()['jobId']}", headers=auth(token)).json()


def assert_nothing_readable(client, hub, token):
    hub.index.refresh(force=True)
    base = "/api/v1/datasets/lab/leak/layers/color"
    box = client.get(f"{base}/data", params={"width": 20, "height": 24, "depth": 8,
                                             "format": "npy"}, headers=auth(token))  # fmt: skip
    assert box.status_code in (400, 404), "the box route answered with voxels"
    thumbnail = client.get(f"{base}/thumbnail.png", headers=auth(token))
    assert thumbnail.status_code in (400, 404)
    assert not hub.data_root.dataset_dir("lab", "leak").exists()


@pytest.mark.parametrize(
    "mag_path, message",
    [
        ("./../../orgA/secret/color/1", "leaves the dataset folder"),
        ("../../../orgA/secret/color/1", "leaves the dataset folder"),
        ("ABSOLUTE", "must be relative"),
        ("file:///ABSOLUTE", "scheme must be one of"),
        ("http://169.254.169.254/latest/1", "not reachable"),
    ],
    ids=["dot-dot-from-dataset", "dot-dot-from-layer", "absolute", "file-url", "metadata-url"],
)
def test_mag_paths_out_of_the_dataset_fail_the_upload(
    client, hub, admin_token, secret, mag_path, message
):
    given = mag_path.replace("/ABSOLUTE", str(secret)).replace("ABSOLUTE", str(secret))
    document = json.dumps(properties(given)).encode()
    archive = zip_of({"datasource-properties.json": document})
    upload_id = upload_files(client, admin_token, "leak", {"leak.zip": archive})
    job = run(client, hub, admin_token, upload_id)
    assert job["state"] == "failed"
    assert message in job["error"], job["error"]
    if given == mag_path:  # no server path in the answer unless the user wrote it
        assert str(hub.settings.data) not in job["error"]
    assert_nothing_readable(client, hub, admin_token)


def test_a_layer_name_that_is_a_path_fails_the_upload(client, hub, admin_token, secret):
    document = json.dumps(properties("1", layer="../../orgA/secret/color")).encode()
    upload_id = upload_files(client, admin_token, "leak", {"datasource-properties.json": document})
    job = run(client, hub, admin_token, upload_id)
    assert job["state"] == "failed" and "invalid layer name" in job["error"], job["error"]
    assert_nothing_readable(client, hub, admin_token)


def test_a_symlink_in_the_zip_is_refused_at_finish(client, hub, admin_token, secret):
    link = zipfile.ZipInfo("color")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("datasource-properties.json", json.dumps(properties("./color/1")))
        archive.writestr(link, "../../orgA/secret/color")
    upload_id = upload_files(client, admin_token, "leak", {"leak.zip": buffer.getvalue()})
    response = finish(client, admin_token, upload_id)
    assert (response.status_code, response.json()["error"]) == (400, "unsafe_archive")
    assert "link" in response.json()["detail"]
    assert_nothing_readable(client, hub, admin_token)


def test_a_bad_path_already_in_the_catalog_is_never_followed(client, hub, admin_token, secret):
    """Rows registered before the check existed: readers resolve through it too."""
    add_dataset(hub, "lab", "leak", np.zeros((8, 24, 20), np.uint8))
    with hub.transaction() as session:
        row = session.scalar(
            select(Layer).join(Dataset).where(Dataset.name == "leak", Layer.name == "color")
        )
        row.mags = [{**m, "path": "./../../orgA/secret/color/1"} for m in row.mags]
    hub.index.refresh(force=True)
    base = "/api/v1/datasets/lab/leak/layers/color"
    box = client.get(f"{base}/data", params={"width": 20, "height": 24, "depth": 8},
                     headers=auth(admin_token))  # fmt: skip
    assert (box.status_code, box.json()["error"]) == (400, "unsafe_path")
    thumbnail = client.get(f"{base}/thumbnail.png", headers=auth(admin_token))
    assert thumbnail.status_code == 400


def test_an_ome_zarr_whose_level_paths_leave_the_group_is_refused(client, hub, admin_token, secret):
    attrs = {"ome": {"version": "0.5", "multiscales": [{
        "axes": [{"name": n, "type": "channel" if n == "c" else "space"} for n in "czyx"],
        "datasets": [{"path": "../../../../orgA/secret/color/1",
                      "coordinateTransformations": [{"type": "scale", "scale": [1, 1, 1, 1]}]}],
    }]}}  # fmt: skip
    group = {"zarr_format": 3, "node_type": "group", "attributes": attrs}
    files = {"img/zarr.json": json.dumps(group).encode()}
    upload_id = upload_files(client, admin_token, "leak", {"l.zip": zip_of(files)})
    job = run(client, hub, admin_token, upload_id)
    assert job["state"] == "failed"
    assert job["errorCode"] != "internal_error", job["error"]
    assert_nothing_readable(client, hub, admin_token)
