"""Long-running work as rows claimed by workers: register a kind, submit, watch.

from voxhub.jobs import register_kind
register_kind("openmsi.nmf", run_nmf)  # run_nmf(ctx: JobContext, params) -> dict | None
"""

from voxhub.jobs.context import JobContext
from voxhub.jobs.kinds import register_kind

__all__ = ["JobContext", "register_kind"]
