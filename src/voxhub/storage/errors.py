"""Errors raised where bytes are stored."""

from voxhub.errors import Conflict, InvalidInput


class AlreadyExists(Conflict):
    code = "already_exists"


class UnsafePath(InvalidInput):
    """A name or relative path that would leave its folder."""

    code = "unsafe_path"
