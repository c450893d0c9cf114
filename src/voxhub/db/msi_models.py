"""SQLAlchemy model of MSI analyses: one row per stored analysis with its provenance.

The arrays and a copy of the record live in the dataset folder
(``<dataset>/analyses/<index>/``, see ``voxhub.arrays.msi.results``); the row
makes them addressable by ``anaIndex``/``anaIdentifier`` and queryable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voxhub.db.models import Base, utcnow


class MsiAnalysis(Base):
    __tablename__ = "msi_analyses"
    __table_args__ = (
        UniqueConstraint("dataset_id", "position"),
        UniqueConstraint("dataset_id", "identifier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # anaIndex
    identifier: Mapped[str] = mapped_column(String(256))
    type: Mapped[str] = mapped_column(String(128))
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    inputs: Mapped[list[Any]] = mapped_column(default=list)
    outputs: Mapped[list[Any]] = mapped_column(default=list)
    primary_output: Mapped[str | None] = mapped_column(String(128), nullable=True)
    axes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    software: Mapped[dict[str, Any]] = mapped_column(default=dict)
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)
