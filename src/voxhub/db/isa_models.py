"""ISA investigations stored per organization, and their links to datasets.

The model is kept whole as ISA-JSON text (voxhub's ISA-JSON writer round-trips
every field of ``voxhub.isa``); the columns beside it are what listing and
permission checks need without parsing it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voxhub.db.models import Base, utcnow


class Investigation(Base):
    __tablename__ = "investigations"
    __table_args__ = (UniqueConstraint("organization_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    identifier: Mapped[str] = mapped_column(String(256))
    title: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(default=False)
    isa_json: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    updated: Mapped[datetime] = mapped_column(default=utcnow)


class AssayDataLink(Base):
    """An assay's Data output pointing at a voxhub dataset (and optionally one layer)."""

    __tablename__ = "assay_data_links"
    __table_args__ = (UniqueConstraint("investigation_id", "assay", "dataset_id", "layer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE")
    )
    assay: Mapped[str] = mapped_column(String(256))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    layer: Mapped[str] = mapped_column(String(128), default="")
    created: Mapped[datetime] = mapped_column(default=utcnow)
