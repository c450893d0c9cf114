"""Errors of resumable uploads and archive unpacking."""

from voxhub.errors import Conflict, InvalidInput, NotFound, TooLarge
from voxhub.storage.errors import ArchiveTooLarge, UnsafeArchive  # noqa: F401  (unpacking)


class UploadNotFound(NotFound):
    code = "upload_not_found"


class UploadClosed(Conflict):
    """Chunks or a finish for an upload that is no longer open."""

    code = "upload_closed"


class UploadIncomplete(Conflict):
    code = "upload_incomplete"


class BadChunk(InvalidInput):
    """A chunk whose numbers, sizes or path do not add up."""

    code = "bad_chunk"


class QuotaExceeded(TooLarge):
    code = "quota_exceeded"


class UnrecognisedUpload(InvalidInput):
    code = "unrecognised_upload"


class NameUnavailable(Conflict):
    """The dataset name is taken (perhaps by a dataset the uploader may not see)."""

    code = "name_unavailable"
