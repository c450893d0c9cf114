"""SQLAlchemy models of the catalog: organizations, users, tokens, datasets, layers.

The data folder is the truth for array data; these rows index it and hold
what only the hub knows (people, permissions, status).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from voxhub.db.types import UInt64


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    display_name: Mapped[str] = mapped_column(String(256), default="")
    created: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(256), unique=True)
    name: Mapped[str] = mapped_column(String(256), default="")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    role: Mapped[str] = mapped_column(String(32), default="member")
    password_hash: Mapped[str | None] = mapped_column(String(256), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    is_superuser: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()


# Login matches lower(email): two users may not differ only in case (migration 0003).
Index("ux_users_email_lower", func.lower(User.email), unique=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(128), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), default="")
    created: Mapped[datetime] = mapped_column(default=utcnow)
    expires: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked: Mapped[datetime | None] = mapped_column(nullable=True)
    last_used: Mapped[datetime | None] = mapped_column(nullable=True)

    user: Mapped[User] = relationship()


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(32), default="active")
    status_detail: Mapped[str] = mapped_column(Text, default="")
    display_name: Mapped[str] = mapped_column(String(256), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(default=False)
    voxel_size: Mapped[list[Any]] = mapped_column(default=list)
    unit: Mapped[str] = mapped_column(String(32), default="nanometer")
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    updated: Mapped[datetime] = mapped_column(default=utcnow)
    # Held by an external datastore (its node serves the bytes); None: in this hub's data folder.
    datastore_id: Mapped[int | None] = mapped_column(
        ForeignKey("datastores.id", ondelete="CASCADE"), nullable=True, index=True
    )

    organization: Mapped[Organization] = relationship()
    layers: Mapped[list[Layer]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", order_by="Layer.id"
    )


class Datastore(Base):
    """An external node holding datasets on its own disk (``voxhub serve --datastore``).

    It authenticates to the hub with a key shown once and stored as its SHA-256
    hash; ``last_seen`` moves with its heartbeats.
    """

    __tablename__ = "datastores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    url: Mapped[str] = mapped_column(String(2048), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), default="")
    created: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime | None] = mapped_column(nullable=True)


class Layer(Base):
    __tablename__ = "layers"
    __table_args__ = (UniqueConstraint("dataset_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(32))
    element_class: Mapped[str] = mapped_column(String(32))
    data_format: Mapped[str] = mapped_column(String(32))
    bounding_box: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mags: Mapped[list[Any]] = mapped_column(default=list)
    num_channels: Mapped[int] = mapped_column(Integer, default=1)
    largest_segment_id: Mapped[int | None] = mapped_column(UInt64(), nullable=True)  # uint64

    dataset: Mapped[Dataset] = relationship(back_populates="layers")


class Epoch(Base):
    """Counters bumped on every change that can alter an access decision.

    Other processes poll this one row every few seconds and drop their caches
    when it moves, so a revocation made elsewhere takes effect quickly.
    """

    __tablename__ = "epochs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


import voxhub.db.access_models  # noqa: E402,F401  (registers teams, folders, sessions, …)
import voxhub.db.isa_models  # noqa: E402,F401  (registers investigations and links)
import voxhub.db.msi_models  # noqa: E402,F401  (registers MsiAnalysis on Base)
import voxhub.db.remote_models  # noqa: E402,F401  (registers RemoteCredential on Base)
from voxhub.db import jobs_models  # noqa: E402,F401  (registers Job and Upload on Base)
