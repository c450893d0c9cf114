"""Errors of a datastore node talking to its hub."""

from voxhub.errors import Unavailable, VoxhubError


class HubUnreachable(Unavailable):
    """The hub did not answer; a datastore then refuses rather than guess."""

    code = "hub_unreachable"


class HubRefused(VoxhubError):
    """The hub answered with an error (a wrong key, a refused registration)."""

    code = "hub_refused"
