"""Errors raised where bytes are stored."""

from voxhub.errors import Conflict, InvalidInput, TooLarge


class AlreadyExists(Conflict):
    code = "already_exists"


class UnsafePath(InvalidInput):
    """A name or relative path that would leave its folder."""

    code = "unsafe_path"


class UnsafeArchive(InvalidInput):
    """A zip entry that would leave the folder, a link, or an unreadable archive."""

    code = "unsafe_archive"


class ArchiveTooLarge(TooLarge):
    """A zip that unpacks to more than its limits allow."""

    code = "archive_too_large"


class NotOnThisStorage(InvalidInput):
    """An operation the configured storage (``VOXHUB_STORAGE``) does not offer yet."""

    code = "not_on_this_storage"
