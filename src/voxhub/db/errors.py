"""Errors of the database layer."""

from voxhub.errors import Conflict


class MigrationRefused(Conflict):
    """Existing rows break a rule a migration is about to enforce; nothing was changed."""

    code = "migration_refused"
