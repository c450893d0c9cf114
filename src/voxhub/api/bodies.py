"""Request bodies that are read only after the caller is authorized, and only so far.

A handler that parses a whole body (an ISA-JSON document, an ARC zip) first
checks who asks, then calls ``read_capped``: the body is streamed into a
temporary file (spilled to disk past a megabyte) and refused with 413 as
soon as it passes the limit, so an oversized or endless body costs neither
memory nor more than ``limit`` bytes of disk.
"""

from __future__ import annotations

import tempfile

from fastapi import Request

from voxhub.errors import TooLarge

SPOOL_IN_MEMORY = 1 << 20


class BodyTooLarge(TooLarge):
    code = "body_too_large"


async def read_capped(request: Request, limit: int) -> bytes:
    """The whole body, at most ``limit`` bytes; ``BodyTooLarge`` past it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the body has {declared} bytes; the limit is {limit}")
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        async for block in request.stream():
            size += len(block)
            if size > limit:
                raise BodyTooLarge(f"the body is larger than the limit of {limit} bytes")
            spool.write(block)
        spool.seek(0)
        return spool.read()
