"""A 2 GiB TIFF stack converted by a ``convert`` job: 1 local worker vs a 2-worker cluster.

Three contenders on the same file, each in a fresh child process:

- voxhub's ``convert`` job run by one worker on dask's threaded scheduler;
- the same job with ``VOXHUB_DASK_SCHEDULER`` pointing at a
  ``distributed.LocalCluster`` of 2 worker processes (1 thread each);
- ome-zarr-py's ``write_image`` (the peer), as in ``bench_import.py``.

Prints wall times, their ratios and the peak RSS of every process involved
(the job process, and each dask worker for the cluster run).
Usage: ``.venv/bin/python benchmarks/bench_convert.py [GiB]`` (default 2).
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

from bench_import import WORK, make_stack, measure, run_ome_zarr

REPORTS = WORK.parent / "convert"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_job(stack: str, out: str, scheduler: str | None) -> dict[str, float]:
    """Queue a convert job in a fresh hub under ``out`` and run it with one worker."""
    from voxhub.config import Settings
    from voxhub.db.jobs_models import Job
    from voxhub.hub import Hub
    from voxhub.jobs import service
    from voxhub.jobs.dask_env import close_all
    from voxhub.jobs.runner import Worker

    settings = Settings(data=Path(out), workers=0, sample=False, dask_scheduler=scheduler)
    hub = Hub(settings).prepare()
    with hub.transaction() as session:
        params = {"source": stack, "organization": "bench", "dataset": "stack"}
        job_id = service.submit(session, "convert", params).id
    Worker(hub).run_once()
    with hub.transaction() as session:
        job = session.get(Job, job_id)
        if job.state != "succeeded":
            raise SystemExit(f"convert job {job.state}: {job.error}")
    close_all()
    return {"job process": _peak_mib()}


def run_local(stack: str, out: str) -> None:
    report = _run_job(stack, out, None)
    (REPORTS / "local.json").write_text(json.dumps(report))


def run_cluster(stack: str, out: str) -> None:
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, memory_limit="4GiB",
    ) as cluster:  # fmt: skip
        report = _run_job(stack, out, cluster.scheduler_address)
        with Client(cluster.scheduler_address, set_as_default=False) as client:
            peaks = client.run(_peak_mib)
    for number, (_, peak) in enumerate(sorted(peaks.items()), start=1):
        report[f"dask worker {number}"] = peak
    (REPORTS / "cluster.json").write_text(json.dumps(report))


def main() -> None:
    gib = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    stack = make_stack(gib)
    REPORTS.mkdir(parents=True, exist_ok=True)
    print(f"input: {stack.name}, {stack.stat().st_size / 1024**3:.2f} GiB")
    local_t, _ = measure(run_local, stack)
    cluster_t, _ = measure(run_cluster, stack)
    peer_t, peer_rss = measure(run_ome_zarr, stack)
    local = json.loads((REPORTS / "local.json").read_text())
    cluster = json.loads((REPORTS / "cluster.json").read_text())
    print(f"convert job, 1 local worker (threads)  : {local_t:7.1f} s")
    print(f"convert job, LocalCluster of 2 workers : {cluster_t:7.1f} s")
    print(f"ome-zarr-py write_image                : {peer_t:7.1f} s")
    print(f"ratio local / cluster time   : {local_t / cluster_t:.2f}x")
    print(f"ratio ome-zarr / local time  : {peer_t / local_t:.2f}x")
    print(f"ratio ome-zarr / cluster time: {peer_t / cluster_t:.2f}x")
    print("peak RSS per process (MiB):")
    for name, value in local.items():
        print(f"  local   {name:<14}: {value:7.0f}")
    for name, value in cluster.items():
        print(f"  cluster {name:<14}: {value:7.0f}")
    print(f"  ome-zarr-py process   : {peer_rss:7.0f}")


if __name__ == "__main__":
    main()
