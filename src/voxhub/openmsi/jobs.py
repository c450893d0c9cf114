"""The OpenMSI job kinds: importing MSI files and computing analyses in the background.

Each kind is one line in the job registry; the functions find the dataset
again by name (its access was checked when the job was submitted) and report
progress through the job context.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voxhub.errors import NotFound
from voxhub.jobs.context import JobContext
from voxhub.jobs.kinds import JobFunction, register_kind
from voxhub.openmsi.address import Address, resolve
from voxhub.openmsi.analyses import run_analysis
from voxhub.openmsi.importing import import_file

ADDRESS_KEYS = ("exp_index", "data_index", "ana_index", "ana_identifier", "ana_data_name")


def run_import(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Parameters: ``path`` (already resolved inside an import root), ``organization``,
    ``dataset``, optionally ``layer`` and ``tolerance_ppm``."""
    ctx.progress(0.0, 1.0, f"reading {Path(params['path']).name}")
    return import_file(
        ctx.hub,
        Path(params["path"]),
        params["organization"],
        params["dataset"],
        layer=params.get("layer") or "msi",
        tolerance_ppm=float(params.get("tolerance_ppm") or 5.0),
        marker=f"job-{ctx.job_id}",
        progress=ctx.progress_fn(0.0, 0.95, "writing both chunk layouts"),
    )


def analysis_job(kind: str) -> JobFunction:
    """The job function computing analysis ``kind`` on the job's ``address``."""

    def run(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        hub = ctx.hub
        hub.index.refresh(force=True)
        entry = hub.index.get(params["organization"], params["dataset"])
        if entry is None:
            raise NotFound(f"dataset {params['organization']}/{params['dataset']} is gone")
        given: dict[str, Any] = {k: params.get(k) for k in ADDRESS_KEYS}  # as the API checked
        address = Address(**given)
        ctx.progress(0.0, 1.0, f"computing {kind}")
        info = run_analysis(
            hub,
            entry,
            resolve(hub, entry, address),
            kind,
            params.get("parameters"),
            identifier=params.get("identifier"),
            job_id=ctx.job_id,
            # Called as the analysis advances (NMF: every iteration); it raises on cancel.
            progress=ctx.progress_fn(0.0, 1.0),
        )
        return {
            "anaIndex": info.position,
            "anaIdentifier": info.identifier,
            "outputs": info.outputs,
        }

    return run


register_kind("openmsi.import", run_import)
register_kind("openmsi.tic_normalize", analysis_job("tic_normalize"))
register_kind("openmsi.findpeaks_global", analysis_job("findpeaks_global"))
register_kind("openmsi.findpeaks_local", analysis_job("findpeaks_local"))
register_kind("openmsi.nmf", analysis_job("nmf"))
