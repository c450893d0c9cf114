"""Errors raised by the array library."""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from voxhub.errors import (
    BadGateway,
    InvalidInput,
    NotFound,
    Unavailable,
    UnreadableInput,
    VoxhubError,
)


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


class BadChunk(UnreadableInput):
    """A stored chunk that cannot be decoded (corrupt, cut short, or lying about its size)."""

    code = "bad_chunk"


class RemoteBadChunk(BadGateway, BadChunk):
    """A chunk a remote source sent that cannot be decoded (502): the fault is the
    source's, not the request's."""

    code = "remote_bad_chunk"


# What codecs raise on bytes that are not what they claim (numcodecs' Zstd, Blosc and LZ4:
# RuntimeError; a decoded size that does not fill the chunk: ValueError from reshape).
_DECODE_FAULTS = (RuntimeError, ValueError, EOFError, zlib.error, struct.error, gzip.BadGzipFile)


@contextmanager
def chunk_faults(remote: bool) -> Iterator[None]:
    """Read chunks inside: a chunk that cannot be decoded raises ``BadChunk``, or
    ``RemoteBadChunk`` when the chunks come from a ``remote`` source (a chunk's own
    ``BadMetadata``, as N5 and precomputed blocks raise, included)."""
    try:
        yield
    except VoxhubError as exc:
        if remote and isinstance(exc, (BadChunk, BadMetadata)) and not isinstance(exc, BadGateway):
            raise RemoteBadChunk(
                f"the remote source sent a chunk that cannot be read: {exc.detail}"
            ) from exc
        raise
    except (NotImplementedError, RecursionError):  # RuntimeErrors that are no chunk's fault
        raise
    except _DECODE_FAULTS as exc:
        kind = RemoteBadChunk if remote else BadChunk
        whose = "the remote source sent " if remote else ""
        raise kind(f"{whose}a chunk that cannot be decoded ({type(exc).__name__}: {exc})") from exc
