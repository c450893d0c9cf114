"""Resumable uploads through the API: chunks, resume, finish, and what each content becomes."""

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import dask.array as da
import numpy as np
import pytest
import tifffile
import zarr
from sqlalchemy import update
from tests.formats import samples
from tests.helpers import volume
from tests.uploads.resumable import (
    CHUNK,
    auth,
    chunk_fields,
    post_chunk,
    reserve,
    send,
    upload_files,
    zipped,
)

from voxhub.arrays.layer import LayerLayout
from voxhub.arrays.pyramid import write_pyramid
from voxhub.db.jobs_models import Job, Upload
from voxhub.db.models import Dataset, utcnow
from voxhub.jobs.runner import Worker
from voxhub.uploads.service import expire_idle


def finish_and_run(client, hub, token, upload_id):
    response = client.post(f"/api/v1/uploads/{upload_id}/finish", headers=auth(token))
    assert response.status_code == 200, response.json()
    job_id = response.json()["jobId"]
    assert Worker(hub).run_once() == job_id
    return client.get(f"/api/v1/jobs/{job_id}", headers=auth(token)).json()


def catalog(hub):
    with hub.transaction() as session:
        return sorted(d.name for d in session.query(Dataset).all())


@pytest.mark.storages
def test_zipped_tiff_stack_is_converted(client, hub, admin_token, tmp_path):
    data = volume((8, 40, 30))
    (tmp_path / "in").mkdir()
    tifffile.imwrite(tmp_path / "in" / "stack.tif", data)
    upload_id = upload_files(
        client, admin_token, "em", {"em.zip": zipped(tmp_path / "in", "wrapper/")},
        voxelSize=[5, 5, 50],
    )  # fmt: skip
    job = finish_and_run(client, hub, admin_token, upload_id)
    assert job["state"] == "succeeded", job["error"]
    assert job["result"]["layers"] == ["color"]
    assert catalog(hub) == ["em"]
    described = client.get("/api/v1/datasets/lab/em", headers=auth(admin_token)).json()
    assert described["voxelSize"] == [5, 5, 50]
    level = hub.storage.open_array("lab/em/color/1")
    assert np.array_equal(level[0], data)
    assert not (hub.settings.data / ".uploads" / upload_id).exists()
    with hub.transaction() as session:
        assert session.get(Upload, upload_id).state == "finished"


def test_interrupted_upload_resumes_from_the_missing_chunks(client, hub, admin_token, tmp_path):
    noise = np.random.default_rng(3).integers(0, 255, (3, 128, 128), dtype=np.uint8)
    path, data = samples.slices_png(tmp_path / "png", noise)
    files = {f"png/{p.name}": p.read_bytes() for p in sorted(path.iterdir())}
    assert min(map(len, files.values())) > 3 * CHUNK
    size = sum(map(len, files.values()))
    upload_id = reserve(client, admin_token, "slices", len(files), size).json()["uploadId"]
    first = next(iter(files))
    send(client, admin_token, upload_id, first, files[first], skip={2})
    early = client.post(f"/api/v1/uploads/{upload_id}/finish", headers=auth(admin_token))
    assert early.status_code == 409 and early.json()["error"] == "upload_incomplete"
    listed = client.get("/api/v1/uploads", headers=auth(admin_token)).json()
    assert [u["uploadId"] for u in listed] == [upload_id]
    assert send(client, admin_token, upload_id, first, files[first]) == 1  # only chunk 2
    for name, content in files.items():
        send(client, admin_token, upload_id, name, content)
    job = finish_and_run(client, hub, admin_token, upload_id)
    assert job["state"] == "succeeded", job["error"]
    level = zarr.open_array(str(hub.data_root.dataset_dir("lab", "slices") / "color" / "1"))
    assert np.array_equal(level[:], data)
    assert client.get("/api/v1/uploads", headers=auth(admin_token)).json() == []


def ome_zarr(folder: Path) -> np.ndarray:
    data = volume((6, 20, 20))
    write_pyramid(da.from_array(data[None]), folder, name="img", voxel_size=(2, 2, 3),
                  layout=LayerLayout(chunk_zyx=(4, 8, 8)))  # fmt: skip
    return data


def zarr_array(folder: Path, czyx: bool = True) -> np.ndarray:
    data = volume((5, 12, 14))
    shaped = data[None] if czyx else data
    array = zarr.create_array(str(folder), shape=shaped.shape, chunks=shaped.shape, dtype="uint8")
    array[:] = shaped
    return data


def ome_zarr_zyx(folder: Path) -> np.ndarray:
    from ome_zarr.writer import write_image

    data = volume((6, 32, 64))  # powers of two: ome-zarr-py's scales are then exact mags
    write_image(data, zarr.open_group(str(folder), mode="w"), axes="zyx", scale_factors=(2, 4))
    return data


@pytest.mark.parametrize(
    "make, kind, layer_format",
    [
        (ome_zarr, "ome-zarr", "zarr3"),
        (zarr_array, "zarr-array", "zarr3"),
    ],
)
def test_usable_uploads_are_registered_as_they_are(
    client, hub, admin_token, tmp_path, make, kind, layer_format
):
    make(tmp_path / "content")
    upload_id = upload_files(client, admin_token, "as-is", {"c.zip": zipped(tmp_path / "content")})
    job = finish_and_run(client, hub, admin_token, upload_id)
    assert job["state"] == "succeeded", job["error"]
    assert job["result"]["registered_as"] == kind
    layer = client.get("/api/v1/datasets/lab/as-is", headers=auth(admin_token)).json()["layers"][0]
    assert layer["dataFormat"] == layer_format
    assert layer["mags"] and layer["boundingBox"]["width"] > 0


@pytest.mark.parametrize(
    "make",
    [
        lambda d: samples.n5_tensorstore(d),
        lambda d: samples.precomputed_tensorstore(d),
        lambda d: samples.precomputed_tensorstore(d, "segmentation"),
    ],
    ids=["n5", "precomputed", "precomputed-segmentation"],
)
def test_n5_and_precomputed_uploads_are_converted_and_readable(
    client, hub, admin_token, tmp_path, make
):
    """tensorstore-written inputs: converted, readable voxel by voxel, voxel size kept."""
    _, data = make(tmp_path / "content")
    upload_id = upload_files(client, admin_token, "ts", {"c.zip": zipped(tmp_path / "content")})
    job = finish_and_run(client, hub, admin_token, upload_id)
    assert job["state"] == "succeeded", job["error"]
    assert "registered_as" not in job["result"]
    body = client.get("/api/v1/datasets/lab/ts", headers=auth(admin_token)).json()
    assert body["voxelSize"] == [4.0, 5.0, 40.0]
    layer = body["layers"][0]
    assert layer["dataFormat"] == "zarr3"
    _, z, y, x = data.shape
    assert (layer["boundingBox"]["width"], layer["boundingBox"]["height"]) == (x, y)
    box = {"x": 0, "y": 0, "z": 0, "width": x, "height": y, "depth": z, "format": "npy"}
    url = f"/api/v1/datasets/lab/ts/layers/{layer['name']}/data"
    response = client.get(url, params=box, headers=auth(admin_token))
    assert response.status_code == 200, response.json()
    assert np.array_equal(np.load(io.BytesIO(response.content)), data)


def test_webknossos_dataset_with_zarr_layers_is_registered(client, hub, admin_token, tmp_path):
    from voxhub.formats.dataset_import import import_dataset
    from voxhub.formats.ingest import DataRoot
    from voxhub.formats.layers import open_layers

    path, _ = samples.folders_of_slices(tmp_path / "in")
    elsewhere = DataRoot(tmp_path / "other", tmp_path / "staging")
    import_dataset(elsewhere, open_layers(path), organization="x", dataset="wk")
    upload_id = upload_files(client, admin_token, "wk", {"wk.zip": zipped(tmp_path / "other/x")})
    job = finish_and_run(client, hub, admin_token, upload_id)
    assert job["state"] == "succeeded", job["error"]
    assert job["result"]["registered_as"] == "webknossos"
    assert sorted(job["result"]["layers"]) == ["cell_labels", "em"]
    on_disk = json.loads((hub.data_root.dataset_dir("lab", "wk") / "datasource-properties.json")
                         .read_text())  # fmt: skip
    assert on_disk["id"] == {"name": "wk", "team": "lab"}


@pytest.mark.parametrize("path", ["../escape.tif", "/abs.tif", "a/../../x.tif"])
def test_path_escape_in_relative_path_is_refused(client, hub, admin_token, path):
    upload_id = reserve(client, admin_token, "esc", 1, 10).json()["uploadId"]
    fields, _ = chunk_fields(path, b"0123456789", 1)
    response = post_chunk(client, admin_token, upload_id, fields, b"0123456789")
    assert response.status_code == 400
    assert response.json()["error"] == "unsafe_path"
    assert not list((hub.settings.data / ".uploads").rglob("*.tif"))
    assert not (hub.settings.data / "escape.tif").exists()


def test_zip_with_path_escape_fails_the_finish(client, hub, admin_token):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ok.tif", b"x")
        archive.writestr("../../evil.tif", b"x")
    upload_id = upload_files(client, admin_token, "evil", {"e.zip": buffer.getvalue()})
    response = client.post(f"/api/v1/uploads/{upload_id}/finish", headers=auth(admin_token))
    assert (response.status_code, response.json()["error"]) == (400, "unsafe_archive")
    assert catalog(hub) == []
    with hub.transaction() as session:
        assert session.query(Job).count() == 0


def test_zip_bomb_fails_the_finish(client, hub, admin_token):
    hub.settings.upload_max_bytes = 20 * 2**20
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.raw", b"\0" * (30 * 2**20))
    upload_id = upload_files(client, admin_token, "bomb", {"b.zip": buffer.getvalue()})
    response = client.post(f"/api/v1/uploads/{upload_id}/finish", headers=auth(admin_token))
    assert (response.status_code, response.json()["error"]) == (413, "archive_too_large")
    assert catalog(hub) == []


def test_unrecognised_content_fails_the_job_cleanly(client, hub, admin_token):
    upload_id = upload_files(client, admin_token, "notes", {"notes.txt": b"hello" * 100})
    job = finish_and_run(client, hub, admin_token, upload_id)
    assert job["state"] == "failed"
    assert "not a recognised input" in job["error"]
    assert catalog(hub) == []
    assert not hub.data_root.dataset_dir("lab", "notes").exists()
    with hub.transaction() as session:
        assert session.get(Upload, upload_id).state == "failed"


def test_quotas_per_upload_and_per_organization(client, hub, admin_token):
    hub.settings.upload_max_bytes = 1000
    hub.settings.upload_org_quota_bytes = 1500
    too_big = reserve(client, admin_token, "big", 1, 1001)
    assert (too_big.status_code, too_big.json()["error"]) == (413, "quota_exceeded")
    assert reserve(client, admin_token, "a", 1, 1000).status_code == 201
    over_org = reserve(client, admin_token, "b", 1, 600)
    assert over_org.status_code == 413 and "quota" in over_org.json()["detail"]
    small = reserve(client, admin_token, "c", 1, 100).json()["uploadId"]
    fields, _ = chunk_fields("x.bin", b"y" * 300, 1, size=300)
    response = post_chunk(client, admin_token, small, fields, b"y" * 300)
    assert response.status_code == 413


def test_uploads_are_private_and_cancellable(client, hub, admin_token, outsider_token):
    upload_id = reserve(client, admin_token, "mine", 1, 10).json()["uploadId"]
    assert client.post("/api/v1/uploads", json={}).status_code == 401
    forbidden = reserve(client, outsider_token, "theirs", 1, 10)
    assert forbidden.status_code == 403
    assert client.get("/api/v1/uploads", headers=auth(outsider_token)).json() == []
    gone = client.delete(f"/api/v1/uploads/{upload_id}", headers=auth(outsider_token))
    assert gone.status_code == 404
    cancelled = client.delete(f"/api/v1/uploads/{upload_id}", headers=auth(admin_token))
    assert cancelled.json()["state"] == "cancelled"
    assert not (hub.settings.data / ".uploads" / upload_id).exists()


def test_idle_uploads_expire(client, hub, admin_token):
    upload_id = reserve(client, admin_token, "idle", 1, 10).json()["uploadId"]
    with hub.transaction() as session:
        session.execute(
            update(Upload).values(
                updated=utcnow() - timedelta(hours=hub.settings.upload_expiry_hours + 1)
            )
        )
    assert expire_idle(hub) == 1
    assert not (hub.settings.data / ".uploads" / upload_id).exists()
    assert client.get("/api/v1/uploads", headers=auth(admin_token)).json() == []


def test_initial_teams_and_folder_apply_to_the_new_dataset(client, hub, admin_token, tmp_path):
    from voxhub.access.accounts import create_user, issue_token
    from voxhub.access.principal import Principal
    from voxhub.access.teams import create_team, set_member
    from voxhub.catalog.datasets import existing_settings_row, find_dataset
    from voxhub.catalog.folders import ensure_path
    from voxhub.catalog.register import ensure_organization

    actor = Principal(user_id=0, is_superuser=True)
    with hub.transaction() as session:
        org = ensure_organization(session, "lab")
        uploader = create_user(session, email="up@lab.org", organization=org)
        colleague = create_user(session, email="colleague@lab.org", organization=org)
        stranger = create_user(session, email="stranger@lab.org", organization=org)
        team = create_team(session, actor, org, "em-team")
        set_member(session, actor, team, uploader)
        set_member(session, actor, team, colleague)
        folder_id = ensure_path(session, actor, org, "incoming/2026").id
        team_id = team.id
        tokens = {
            u.email: issue_token(session, u, "t").token for u in (uploader, colleague, stranger)
        }
    bad = reserve(client, tokens["up@lab.org"], "x", 1, 10, initialTeams=[team_id + 99])
    assert bad.status_code == 400 and "team" in bad.json()["detail"]
    path, _ = samples.slices_png(tmp_path / "png")
    files = {f"png/{p.name}": p.read_bytes() for p in sorted(path.iterdir())}
    upload_id = upload_files(client, tokens["up@lab.org"], "teamed", files,
                             initialTeams=[team_id], folderId=folder_id)  # fmt: skip
    job = finish_and_run(client, hub, tokens["up@lab.org"], upload_id)
    assert job["state"] == "succeeded", job["error"]
    hub.index.refresh(force=True)
    seen = client.get("/api/v1/datasets/lab/teamed", headers=auth(tokens["colleague@lab.org"]))
    assert seen.status_code == 200
    hidden = client.get("/api/v1/datasets/lab/teamed", headers=auth(tokens["stranger@lab.org"]))
    assert hidden.status_code == 404
    with hub.transaction() as session:
        row = existing_settings_row(session, find_dataset(session, "lab", "teamed"))
        assert (row.folder_id, row.uploader_id) == (folder_id, uploader.id)


@pytest.mark.parametrize(
    "make", [lambda f: zarr_array(f, czyx=False), ome_zarr_zyx], ids=["zarr-zyx", "ome-zarr-zyx"]
)
def test_other_axes_are_converted_to_voxhub_axes(client, hub, admin_token, tmp_path, make):
    data = make(tmp_path / "content")
    upload_id = upload_files(client, admin_token, "zyx", {"c.zip": zipped(tmp_path / "content")})
    job = finish_and_run(client, hub, admin_token, upload_id)
    assert job["state"] == "succeeded", job["error"]
    assert "registered_as" not in job["result"]
    hub.index.refresh(force=True)
    depth, height, width = data.shape
    box = client.get(
        "/api/v1/datasets/lab/zyx/layers/color/data",
        params={"width": width, "height": height, "depth": depth, "format": "npy"},
        headers=auth(admin_token),
    )
    assert box.status_code == 200, box.text
    assert np.array_equal(np.load(io.BytesIO(box.content))[0], data)


def test_imzml_upload_becomes_an_msi_dataset(client, hub, admin_token, tmp_path):
    """The upload accepts what ``voxhub import`` accepts: an .imzML with its .ibd too."""
    from tests.msi_helpers import msi_cube, write_imzml_file

    cube = msi_cube((3, 4, 300))
    path = write_imzml_file(tmp_path / "section.imzML", cube)
    files = {p.name: p.read_bytes() for p in (path, path.with_suffix(".ibd"))}
    upload_id = upload_files(client, admin_token, "msi", files)
    job = finish_and_run(client, hub, admin_token, upload_id)
    assert job["state"] == "succeeded", job["error"]
    assert job["result"]["layers"] == ["msi"]
    layer = client.get("/api/v1/datasets/lab/msi", headers=auth(admin_token)).json()["layers"][0]
    assert layer["boundingBox"]["depth"] == 300
