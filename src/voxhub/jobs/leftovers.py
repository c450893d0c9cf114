"""Start-up clean-up of what killed writers left: staging folders and upload work copies.

``voxhub serve`` and ``voxhub worker`` call ``clean_leftovers`` once before
they start working. Only what no live writer owns goes: a staging folder made
on this machine stays while its process lives; one made elsewhere stays while
its job runs with a fresh heartbeat (or, without a job, for a week, since a
CLI import on another machine cannot be asked). An upload's unpacked or built
copy stays only while its import job runs; the received files always stay.
"""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

from sqlalchemy import select

from voxhub.db.jobs_models import Job, Upload
from voxhub.db.models import utcnow
from voxhub.hub import Hub
from voxhub.storage.local import clean_staging, process_alive

log = logging.getLogger("voxhub.jobs")

ORPHAN_SECONDS = 3600.0  # a folder that names no owner: from before owners were recorded
FOREIGN_SECONDS = 7 * 24 * 3600.0  # another machine's CLI import: cannot be asked


def _live_jobs(hub: Hub) -> set[int]:
    fresh = utcnow() - timedelta(seconds=hub.settings.job_timeout_seconds)
    with hub.transaction() as session:
        rows = session.execute(
            select(Job.id, Job.worker).where(Job.state == "running", Job.heartbeat >= fresh)
        ).all()
    here = socket.gethostname()
    live = set()
    for job_id, worker in rows:
        host, _, rest = (worker or "").partition(":")
        pid = rest.partition(":")[0]
        if host != here or (pid.isdigit() and process_alive(int(pid))):
            live.add(job_id)
    return live


def clean_leftovers(hub: Hub) -> tuple[int, int]:
    """Remove dead writers' staging folders and upload work copies; (staging, uploads)."""
    live = _live_jobs(hub)
    here = socket.gethostname()

    def is_live(owner: dict | None, age: float) -> bool:
        if owner is None:
            return age < ORPHAN_SECONDS
        if owner.get("host") == here:
            return process_alive(int(owner.get("pid") or 0))
        if owner.get("job") is not None:
            return owner["job"] in live
        return age < FOREIGN_SECONDS

    staging = clean_staging(hub.settings.staging, is_live=is_live)  # local builds
    if hub.settings.storage:  # publications to an object store that never got their marker
        staging += hub.storage.clean_staging(is_live)
    uploads = 0
    from voxhub.uploads.service import upload_folder  # uploads sit above jobs

    with hub.transaction() as session:
        rows = session.execute(select(Upload.id, Upload.state, Upload.job_id)).all()
    for upload_id, state, job_id in rows:
        folder = upload_folder(hub, upload_id)
        if state == "finishing" and job_id in live:
            continue
        if any(p.exists() for p in (folder.unpacking, folder.unpacked, folder.build)):
            folder.discard_work()
            uploads += 1
    if staging or uploads:
        log.info("removed %d staging folders and %d upload work copies of dead writers",
                 staging, uploads)  # fmt: skip
    return staging, uploads
