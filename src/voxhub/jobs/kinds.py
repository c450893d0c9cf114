"""The job kind registry: ``kind -> function(ctx, params)``.

Registering a kind is one line, from any module imported before workers
start::

    register_kind("openmsi.nmf", run_nmf)

The function gets a ``JobContext`` and the job's JSON parameters, and
returns a JSON-able result (or None). It reports progress through the
context; raising ``VoxhubError`` fails the job with that error's detail.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from voxhub.jobs.errors import UnknownJobKind

if TYPE_CHECKING:
    from voxhub.jobs.context import JobContext

JobFunction = Callable[["JobContext", dict[str, Any]], dict[str, Any] | None]

KINDS: dict[str, JobFunction] = {}

# Modules whose import registers the built-in kinds; loaded on first lookup so
# the registry has no import cycle with the kinds that use it.
BUILTIN_MODULES = (
    "voxhub.jobs.convert",
    "voxhub.jobs.remote_copy",
    "voxhub.jobs.server_import",
    "voxhub.uploads.finish",
    "voxhub.openmsi.jobs",
)


def register_kind(kind: str, function: JobFunction) -> JobFunction:
    """Make ``kind`` runnable by every worker of this process; returns ``function``."""
    KINDS[kind] = function
    return function


def load_builtin_kinds() -> None:
    for module in BUILTIN_MODULES:
        importlib.import_module(module)


def get_kind(kind: str) -> JobFunction:
    if kind not in KINDS:
        load_builtin_kinds()
    try:
        return KINDS[kind]
    except KeyError:
        raise UnknownJobKind(f"no job kind {kind!r} in this process") from None
