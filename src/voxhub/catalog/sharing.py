"""Dataset sharing tokens: read access for whoever holds the link.

A token is derived from the server secret and a random per-dataset nonce
(256 bits), so the database holds neither the token nor anything that
yields it without the secret; the catalog index holds its SHA-256 hash.
Renewing draws a new nonce (the old link dies); revoking clears both.
"""

from __future__ import annotations

import base64
import hmac
import secrets

from sqlalchemy.orm import Session

from voxhub.access import audit
from voxhub.access.principal import Principal
from voxhub.access.tokens import SHARE_TOKEN_PREFIX, hash_token
from voxhub.catalog.datasets import existing_settings_row, settings_row
from voxhub.db.models import Dataset
from voxhub.db.session import bump_epoch


def _token(secret: bytes, dataset_id: int, nonce: str) -> str:
    digest = hmac.new(secret, f"share:{dataset_id}:{nonce}".encode(), "sha256").digest()
    return SHARE_TOKEN_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def current_token(session: Session, secret: bytes, dataset: Dataset) -> str | None:
    """The dataset's sharing token, or None when it has none (or the secret changed)."""
    row = existing_settings_row(session, dataset)
    if row is None or not row.sharing_nonce or not row.sharing_token_hash:
        return None
    token = _token(secret, dataset.id, row.sharing_nonce)
    return token if hash_token(token) == row.sharing_token_hash else None


def renew(session: Session, secret: bytes, actor: Principal, dataset: Dataset, target: str) -> str:
    """A new sharing token; any previous one stops working."""
    row = settings_row(session, dataset)
    had = row.sharing_token_hash is not None
    row.sharing_nonce = secrets.token_hex(16)
    token = _token(secret, dataset.id, row.sharing_nonce)
    row.sharing_token_hash = hash_token(token)
    audit.record(
        session, actor, "dataset.sharing.renew" if had else "dataset.sharing.create", target,
        dataset.organization_id, prefix=token[:8],
    )  # fmt: skip
    bump_epoch(session)
    return token


def ensure(session: Session, secret: bytes, actor: Principal, dataset: Dataset, target: str) -> str:
    """The current sharing token, created if there is none."""
    return current_token(session, secret, dataset) or renew(session, secret, actor, dataset, target)


def revoke(session: Session, actor: Principal, dataset: Dataset, target: str) -> bool:
    """Remove the sharing token; True when there was one."""
    row = existing_settings_row(session, dataset)
    if row is None or row.sharing_token_hash is None:
        return False
    row.sharing_nonce = None
    row.sharing_token_hash = None
    audit.record(session, actor, "dataset.sharing.revoke", target, dataset.organization_id)
    bump_epoch(session)
    return True
