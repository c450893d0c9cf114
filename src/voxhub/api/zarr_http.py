"""HTTP details of ``/zarr`` shared by files on disk and objects in a bucket:
CORS, conditional requests (RFC 9110 13.1) and byte-range checks."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from voxhub.api.errors import error_response

# Headers a browser script may read: ranges and caching of chunks, the box route's shape.
EXPOSED_HEADERS = [
    "Content-Range",
    "Content-Length",
    "ETag",
    "Last-Modified",
    "Accept-Ranges",
    "X-Shape",
    "X-Dtype",
]
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": ", ".join(EXPOSED_HEADERS),
}


def not_found(detail: str) -> JSONResponse:
    return JSONResponse({"error": "not_found", "detail": detail}, status_code=404, headers=CORS)


def not_modified(request: Request, etag: str, mtime: float) -> bool:
    """RFC 9110 13.1: If-None-Match (weak comparison) wins; else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return etag in tags or "*" in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            when = parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False  # an invalid date is ignored
        return int(mtime) <= when
    return False


def range_problem(header: str, size: int) -> tuple[int, str, str] | str | None:
    """None: a byte range Starlette can serve; "ignore": serve the whole file (RFC 9110
    14.2: an unknown unit is ignored); else (status, code, detail) of the refusal."""
    unit, _, ranges = header.partition("=")
    if unit.strip().lower() != "bytes":
        return "ignore"
    satisfiable = False
    for part in ranges.split(","):
        first, dash, last = part.strip().partition("-")
        if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
            return 400, "bad_range", f"malformed Range header {header!r}"
        if first == "" and last == "":
            return 400, "bad_range", f"malformed Range header {header!r}"
        if first and last and int(first) > int(last):
            return 400, "bad_range", f"malformed Range header {header!r}"
        if (first and int(first) < size) or (not first and int(last) > 0 and size > 0):
            satisfiable = True
    if not satisfiable:
        return 416, "range_not_satisfiable", f"no byte of {header!r} lies in the {size} bytes"
    return None


def single_range(header: str, size: int) -> tuple[int, int] | None:
    """``[start, end)`` of a one-range header that ``range_problem`` accepted; None for
    several ranges (answered with the whole object, as RFC 9110 allows)."""
    ranges = header.partition("=")[2].split(",")
    if len(ranges) != 1:
        return None
    first, _, last = ranges[0].strip().partition("-")
    if first == "":
        return max(0, size - int(last)), size
    return int(first), min(size, int(last) + 1) if last else size


def range_refusal(problem: tuple[int, str, str], size: int) -> Response:
    """The 400/416 answer to a Range header ``range_problem`` refused, with CORS."""
    status, code, detail = problem
    response = error_response(status, code, detail)
    response.headers.update(CORS)
    if status == 416:
        response.headers["Content-Range"] = f"bytes */{size}"
    return response


__all__ = [
    "CORS",
    "EXPOSED_HEADERS",
    "not_found",
    "not_modified",
    "range_problem",
    "range_refusal",
    "single_range",
]
