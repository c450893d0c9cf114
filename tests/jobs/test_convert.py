"""The ``convert`` job: inputs become registered datasets; bad inputs leave nothing behind."""

import numpy as np
import pytest
import tifffile
from tests.formats import samples
from tests.helpers import volume

from voxhub.db.jobs_models import Job
from voxhub.db.models import Dataset
from voxhub.formats.dataset_import import import_dataset
from voxhub.formats.layers import open_layers
from voxhub.jobs import service
from voxhub.jobs.runner import Worker


def convert(hub, source, dataset, **params):
    with hub.transaction() as session:
        job_id = service.submit(
            session,
            "convert",
            {"source": str(source), "organization": "lab", "dataset": dataset, **params},
        ).id
    Worker(hub).run_once()
    with hub.transaction() as session:
        return session.get(Job, job_id)


def datasets(hub):
    with hub.transaction() as session:
        return [d.name for d in session.query(Dataset).all()]


@pytest.mark.storages
def test_a_tiff_stack_becomes_a_registered_dataset(hub, tmp_path):
    data = volume((20, 40, 36))
    tifffile.imwrite(tmp_path / "stack.tif", data)
    job = convert(hub, tmp_path / "stack.tif", "em", voxel_size=[4, 4, 40])
    assert job.state == "succeeded", job.error
    assert job.result == {"organization": "lab", "dataset": "em", "layers": ["color"]}
    assert job.progress == 1.0
    assert datasets(hub) == ["em"]
    level = hub.storage.open_array("lab/em/color/1")
    assert np.array_equal(level[0], data)
    hub.index.refresh(force=True)
    assert hub.index.get("lab", "em").voxel_size == (4, 4, 40)


@pytest.mark.storages
def test_several_folders_are_published_together(hub, tmp_path):
    path, expected = samples.folders_of_slices(tmp_path / "in")
    job = convert(hub, path, "multi")
    assert job.state == "succeeded", job.error
    assert sorted(job.result["layers"]) == ["cell_labels", "em"]
    hub.index.refresh(force=True)
    entry = hub.index.get("lab", "multi")
    assert entry.layers["cell_labels"].category == "segmentation"
    assert entry.layers["cell_labels"].largest_segment_id == 3


@pytest.mark.storages
def test_a_truncated_input_fails_the_job_and_leaves_nothing(hub, tmp_path):
    data = volume((16, 64, 64))
    tifffile.imwrite(tmp_path / "cut.tif", data)
    raw = (tmp_path / "cut.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(raw[: len(raw) // 2])
    job = convert(hub, tmp_path / "cut.tif", "broken")
    assert job.state == "failed"
    # Cut in half, the file cannot hold the pages it declares: refused before any reading.
    assert "cut.tif" in job.error and job.error_code == "declared_size_mismatch"
    assert datasets(hub) == []
    assert not hub.storage.is_published("lab/broken") and hub.storage.list_dir("lab") == []
    staging = hub.settings.staging
    assert not staging.exists() or list(staging.iterdir()) == []


def test_unknown_raw_dtype_fails_the_job(hub, tmp_path):
    path, _ = samples.raw(tmp_path / "v.raw")
    job = convert(hub, path, "raw", options={"shape_xyz": [11, 9, 5], "dtype": "uint13"})
    assert (job.state, job.error_code) == ("failed", "invalid_input")
    assert "uint13" in job.error
    assert datasets(hub) == []


def test_a_retry_after_publishing_only_registers(hub, tmp_path):
    """The first attempt published, then died before registering; the retry must not fail."""
    path, _ = samples.slices_png(tmp_path / "in")
    with hub.transaction() as session:
        job_id = service.submit(
            session, "convert", {"source": str(path), "organization": "lab", "dataset": "again"}
        ).id
    import_dataset(
        hub.data_root,
        open_layers(path),
        organization="lab",
        dataset="again",
        layout=hub.layout,
        marker=f"job-{job_id}",
    )
    Worker(hub).run_once()
    with hub.transaction() as session:
        job = session.get(Job, job_id)
        assert job.state == "succeeded", job.error
    assert datasets(hub) == ["again"]


def test_cancelling_a_conversion_stops_it_and_publishes_nothing(hub, tmp_path):
    import time

    from voxhub.access.principal import Principal
    from voxhub.arrays.layer import LayerLayout
    from voxhub.jobs.runner import WorkerPool

    hub.settings.job_heartbeat_seconds = 0.05
    hub.settings.chunk_shape = (4, 16, 16)  # many small blocks: a long conversion
    assert hub.layout == LayerLayout(chunk_zyx=(4, 16, 16))
    path, _ = samples.slices_png(tmp_path / "png", volume((32, 256, 256)))
    with hub.transaction() as session:
        job_id = service.submit(
            session, "convert", {"source": str(path), "organization": "lab", "dataset": "stop"}
        ).id
    pool = WorkerPool(hub, 1, poll_seconds=0.05).start()
    try:
        deadline = time.monotonic() + 60
        while jobs_progress(hub, job_id) == 0:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        with hub.transaction() as session:
            service.cancel(session, Principal(user_id=0, is_superuser=True), job_id)
        while state_of(hub, job_id) == "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        pool.stop()
    assert state_of(hub, job_id) == "cancelled"
    assert datasets(hub) == []
    assert not hub.data_root.dataset_dir("lab", "stop").exists()
    assert list(hub.settings.staging.iterdir()) == []


def jobs_progress(hub, job_id):
    with hub.transaction() as session:
        return session.get(Job, job_id).progress


def state_of(hub, job_id):
    with hub.transaction() as session:
        return session.get(Job, job_id).state


def test_the_dataset_answers_the_moment_its_job_says_succeeded(hub, tmp_path, admin_token):
    """Another API process (polling the catalog only hourly) knows the dataset at once."""
    from fastapi.testclient import TestClient

    from voxhub.api.app import create_app
    from voxhub.hub import Hub

    api = Hub(hub.settings.model_copy(update={"access_cache_seconds": 3600.0}))
    headers = {"Authorization": f"Bearer {admin_token}"}
    with TestClient(create_app(api)) as client:
        assert client.get("/api/v1/datasets/lab/em", headers=headers).status_code == 404
        tifffile.imwrite(tmp_path / "stack.tif", volume((8, 20, 16)))
        job = convert(hub, tmp_path / "stack.tif", "em", voxel_size=[4, 4, 40])
        assert job.state == "succeeded", job.error
        answer = client.get("/api/v1/datasets/lab/em", headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["layers"][0]["name"] == "color"
    api.close()
