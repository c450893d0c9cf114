"""A conversion job on a real ``dask.distributed.LocalCluster`` with two worker processes."""

import numpy as np
import tifffile
import zarr
from distributed import Client
from tests.helpers import volume

from voxhub.db.jobs_models import Job
from voxhub.jobs import service
from voxhub.jobs.dask_env import close_all
from voxhub.jobs.runner import Worker


def executed(cluster) -> list[int]:
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        counts = client.run(lambda dask_worker: dask_worker.state.executed_count)
    return sorted(counts.values())


def test_conversion_runs_on_the_cluster_named_by_the_setting(hub, tmp_path, cluster):
    data = volume((40, 64, 48))
    tifffile.imwrite(tmp_path / "stack.tif", data)
    before = executed(cluster)
    hub.settings.dask_scheduler = cluster.scheduler_address
    with hub.transaction() as session:
        job_id = service.submit(
            session, "convert",
            {"source": str(tmp_path / "stack.tif"), "organization": "lab", "dataset": "dist"},
        ).id  # fmt: skip
    try:
        Worker(hub).run_once()
    finally:
        close_all()
    with hub.transaction() as session:
        job = session.get(Job, job_id)
        assert (job.state, job.progress) == ("succeeded", 1.0), job.error
    level = zarr.open_array(str(hub.data_root.dataset_dir("lab", "dist") / "color" / "1"))
    assert np.array_equal(level[0], data)
    after = executed(cluster)
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)
