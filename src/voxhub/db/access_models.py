"""SQLAlchemy models of the access model: teams, folders, grants, sessions, audit, trash.

Kept beside ``voxhub.db.models`` (which imports this module) so the dataset
rows stay small: what WEBKNOSSOS calls dataset settings (folder, sharing
token, uploader, view configuration) is a one-to-one ``dataset_settings`` row,
absent until something is set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from voxhub.db.models import Base, Organization, utcnow


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(128))
    created: Mapped[datetime] = mapped_column(default=utcnow)


class TeamMembership(Base):
    __tablename__ = "team_memberships"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    is_manager: Mapped[bool] = mapped_column(default=False)


class Folder(Base):
    """A node of an organization's folder tree; the root has no parent."""

    __tablename__ = "folders"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(128))
    created: Mapped[datetime] = mapped_column(default=utcnow)


class FolderTeam(Base):
    __tablename__ = "folder_teams"

    folder_id: Mapped[int] = mapped_column(
        ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )


class DatasetTeam(Base):
    __tablename__ = "dataset_teams"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )


class DatasetTag(Base):
    __tablename__ = "dataset_tags"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)


class DatasetSettings(Base):
    """Per-dataset settings; a dataset without a row sits in its organization's root folder."""

    __tablename__ = "dataset_settings"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id"), nullable=True)
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # The share token is derived from the server secret and this nonce; only its hash is looked up.
    sharing_nonce: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sharing_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_used: Mapped[datetime | None] = mapped_column(nullable=True)
    view_configuration: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Key-value metadata, WEBKNOSSOS's [{"key", "type", "value"}] (catalog.metadata_entries).
    metadata_entries: Mapped[list[Any]] = mapped_column(default=list)


class BrowserSession(Base):
    __tablename__ = "browser_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    expires: Mapped[datetime]
    revoked: Mapped[datetime | None] = mapped_column(nullable=True)
    address: Mapped[str] = mapped_column(String(64), default="")


class LoginFailure(Base):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_account_at", "account", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(256))
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Invite(Base):
    """A one-time link that lets an invited user choose a password."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    expires: Mapped[datetime]
    used: Mapped[datetime | None] = mapped_column(nullable=True)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    organization_id: Mapped[int | None] = mapped_column(nullable=True, index=True)
    actor_id: Mapped[int | None] = mapped_column(nullable=True)
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(512))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TrashEntry(Base):
    """A deleted dataset: its folder under ``.trash`` and the settings to restore."""

    __tablename__ = "trash_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    path: Mapped[str] = mapped_column(String(1024))
    deleted: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_by: Mapped[str] = mapped_column(String(256), default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)


@event.listens_for(Organization, "after_insert")
def _create_root_folder(_mapper: Any, connection: Any, organization: Organization) -> None:
    """Every organization has a root folder, whoever creates the organization."""
    connection.execute(
        insert(Folder).values(
            organization_id=organization.id,
            parent_id=None,
            name=organization.display_name or organization.name,
            created=utcnow(),
        )
    )
