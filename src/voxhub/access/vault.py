"""Secrets kept at rest encrypted with the server key (credentials of remote sources).

AES-256-GCM with a key derived from the server secret (``access.secrets``)
for this one purpose, a random 96-bit nonce per value, and the owning
organization's id as associated data: a ciphertext moved to another
organization's row does not decrypt. Changing the server key makes stored
credentials unreadable (they must be entered again), as it logs everyone out.
"""

from __future__ import annotations

import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from voxhub.errors import InvalidInput

VERSION = b"\x01"
NONCE_BYTES = 12


class UnreadableSecret(InvalidInput):
    """A stored secret that does not decrypt with this server's key."""

    code = "unreadable_credentials"


def _cipher(secret: bytes) -> AESGCM:
    return AESGCM(hashlib.sha256(b"voxhub remote credentials v1:" + secret).digest())


def seal(secret: bytes, owner: int, fields: dict[str, str]) -> bytes:
    """``fields`` encrypted for ``owner`` (an organization id)."""
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(fields, sort_keys=True).encode()
    return VERSION + nonce + _cipher(secret).encrypt(nonce, plain, str(owner).encode())


def unseal(secret: bytes, owner: int, sealed: bytes) -> dict[str, str]:
    """The fields ``seal`` encrypted for ``owner``; ``UnreadableSecret`` otherwise."""
    if sealed[:1] != VERSION or len(sealed) < 1 + NONCE_BYTES + 16:
        raise UnreadableSecret("stored credentials are damaged; enter them again")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        plain = _cipher(secret).decrypt(nonce, body, str(owner).encode())
    except InvalidTag:
        raise UnreadableSecret(
            "stored credentials do not decrypt with this server's key; enter them again"
        ) from None
    return dict(json.loads(plain))
