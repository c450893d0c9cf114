"""Log records never carry a whole token.

Tokens travel in URL paths (``/zarr/token/<token>/…``, for Zarr clients that
cannot send headers) and queries (``?token=``), so any message that shows a
request path — ours, a traceback's, or the ASGI server's access and error
logs (uvicorn, granian) — could write a working credential to disk. Instead
of trusting every call site, ``install()`` wraps the logging module's record
factory: every record created in the process, by any logger, has the tokens
in its message and its exception text shortened (``access.tokens.redact``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from voxhub.access.tokens import redact_tokens

_lock = threading.Lock()
_installed = False


def _redacted(factory: Any) -> Any:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        message = record.getMessage()
        clean = redact_tokens(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = redact_tokens(logging.Formatter().formatException(record.exc_info))
        return record

    make_record.voxhub_redacts = True  # type: ignore[attr-defined]
    return make_record


def install() -> None:
    """Redact tokens in every log record of this process from now on (idempotent)."""
    global _installed
    with _lock:
        factory = logging.getLogRecordFactory()
        if _installed and getattr(factory, "voxhub_redacts", False):
            return
        logging.setLogRecordFactory(_redacted(factory))
        _installed = True


__all__ = ["install"]
