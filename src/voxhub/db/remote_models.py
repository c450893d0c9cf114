"""Credentials of remote sources, encrypted with the server key (``access.vault``).

A row belongs to one organization and applies either to one dataset
(``dataset_id``) or to every dataset of the organization whose remote URLs
start with ``url_prefix``. ``name`` is the label its admins manage it by
(unique within the organization). The secret is never stored, logged or returned in
clear; only the organization's own datasets ever use it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from voxhub.db.models import Base, utcnow


class RemoteCredential(Base):
    __tablename__ = "remote_credentials"
    __table_args__ = (
        Index("ix_remote_credentials_org", "organization_id"),
        Index("ux_remote_credentials_org_name", "organization_id", "name", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(128))
    url_prefix: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(16))  # basic | bearer | s3
    secret: Mapped[bytes] = mapped_column(LargeBinary)  # the encrypted JSON of the fields
    created: Mapped[datetime] = mapped_column(default=utcnow)
