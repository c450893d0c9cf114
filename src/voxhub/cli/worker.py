"""``voxhub worker``: run job workers in this process until interrupted."""

from __future__ import annotations

import importlib
import logging
import signal
import threading
from typing import Annotated

import typer

from voxhub.cli._common import clean_errors, open_hub, out


@clean_errors
def worker(
    count: Annotated[int, typer.Option("--count", "-n", help="Worker threads", min=1)] = 1,
    poll: Annotated[float, typer.Option(help="Seconds between polls of an empty queue")] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="Run queued jobs, then exit")] = False,
    plugin: Annotated[
        list[str] | None, typer.Option(help="Module to import first (it may register job kinds)")
    ] = None,
) -> None:
    """Claim and run queued jobs (conversions, uploads, analyses) from the shared database."""
    from voxhub.jobs.dask_env import close_all
    from voxhub.jobs.leftovers import clean_leftovers
    from voxhub.jobs.runner import Worker, WorkerPool

    for module in plugin or ():
        importlib.import_module(module)

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    hub = open_hub()
    clean_leftovers(hub)  # staging and upload copies of writers killed earlier
    if once:
        ran = 0
        single = Worker(hub, poll_seconds=poll)
        while single.run_once() is not None:
            ran += 1
        out.print(f"ran {ran} jobs")
        close_all()
        return
    pool = WorkerPool(hub, count, poll_seconds=poll)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    pool.start()
    where = hub.settings.resolved_database_url.split("@")[-1]  # never print a password
    out.print(f"voxhub worker: {count} worker(s) on {where}")
    stop.wait()
    out.print("stopping after the running jobs finish …")
    pool.stop()
    close_all()
    hub.close()
