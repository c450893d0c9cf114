"""Secrets: API tokens are random, shown once, and stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import re
import secrets

API_TOKEN_PREFIX = "vxh_"
SHARE_TOKEN_PREFIX = "vxs_"


def new_token(prefix: str = API_TOKEN_PREFIX) -> str:
    """A fresh token with 256 random bits."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def redact(token: str) -> str:
    """What may appear in logs: the prefix and four characters."""
    return token[:8] + "…" if len(token) > 8 else "…"


# Any API or sharing token inside a longer text (a URL path, a query, a message).
_TOKEN_IN_TEXT = re.compile(
    f"(?:{re.escape(API_TOKEN_PREFIX)}|{re.escape(SHARE_TOKEN_PREFIX)})[A-Za-z0-9_\\-]+"
)


def redact_tokens(text: str) -> str:
    """``text`` with every token in it shortened by ``redact``."""
    if API_TOKEN_PREFIX not in text and SHARE_TOKEN_PREFIX not in text:
        return text
    return _TOKEN_IN_TEXT.sub(lambda match: redact(match.group(0)), text)


def is_share_token(token: str) -> bool:
    """Dataset sharing tokens and API tokens travel in the same places; the prefix tells."""
    return token.startswith(SHARE_TOKEN_PREFIX)
