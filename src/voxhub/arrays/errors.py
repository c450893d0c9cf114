"""Errors raised by the array library."""

from voxhub.errors import InvalidInput, NotFound, Unavailable, UnreadableInput


class BadBox(InvalidInput):
    """A requested box lies (partly) outside the data or has a bad size."""

    code = "bad_box"


class BoxTooLarge(BadBox):
    """A box over the configured voxel limit: a bad request, not an upload too big."""

    code = "box_too_large"


class BoxReadsBusy(Unavailable):
    """Every slot for large box reads of this process is taken: come back in a second."""

    code = "busy"
    retry_after = 1


class BadMetadata(UnreadableInput):
    """NGFF / Zarr metadata that cannot be understood."""

    code = "bad_metadata"


class MagNotFound(NotFound):
    code = "mag_not_found"


class BadMag(InvalidInput):
    code = "bad_mag"


class BadSelection(InvalidInput):
    """An OpenMSI selection (``row``, ``col``, ``mz``, ...) that is malformed or out of range."""

    code = "bad_selection"


class BadOperation(InvalidInput):
    """A data-operation pipeline that is malformed, not allowed or fails on the data."""

    code = "bad_operation"
