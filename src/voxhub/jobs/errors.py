"""Errors of the job system."""

from voxhub.errors import Conflict, InvalidInput, NotFound, VoxhubError


class JobNotFound(NotFound):
    code = "job_not_found"


class JobStateConflict(Conflict):
    """The job is not in a state that allows the request (e.g. cancelling a finished job)."""

    code = "job_state"


class UnknownJobKind(InvalidInput):
    code = "unknown_job_kind"


class JobCancelled(VoxhubError):
    """Raised inside a running job when a cancel was requested; ends it as ``cancelled``."""

    code = "cancelled"


class JobLost(JobCancelled):
    """This worker no longer owns the job (it was re-queued after a missed heartbeat)."""

    code = "job_lost"
