"""Who may do what: principals, the one permission check, accounts, teams, sessions, sharing."""

from voxhub.access.policy import ACTIONS, Action, can
from voxhub.access.principal import ANONYMOUS, Principal

__all__ = ["ACTIONS", "ANONYMOUS", "Action", "Principal", "can"]
