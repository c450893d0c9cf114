"""Errors of the command line itself (not of the services it calls)."""

from voxhub.errors import Conflict


class AddressInUse(Conflict):
    """Another process listens on the address ``voxhub serve`` was asked to bind."""

    code = "address_in_use"
