"""teams, folders, dataset settings and grants, sessions, login throttle, invites, audit, trash

Revision ID: access_0001
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "access_0001"
down_revision = "0001"
branch_labels = None
depends_on = None


def _cascade(column: str, target: str, primary_key: bool = True) -> sa.Column:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(target, ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organization_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=False
        ),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("organization_id", "name"),
    )
    op.create_table(
        "team_memberships",
        _cascade("team_id", "teams.id"),
        _cascade("user_id", "users.id"),
        sa.Column("is_manager", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "folders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organization_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=False
        ),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("folders.id"), nullable=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("parent_id", "name"),
    )
    op.create_index("ix_folders_organization_id", "folders", ["organization_id"])
    op.create_table(
        "folder_teams", _cascade("folder_id", "folders.id"), _cascade("team_id", "teams.id")
    )
    op.create_table(
        "dataset_teams", _cascade("dataset_id", "datasets.id"), _cascade("team_id", "teams.id")
    )
    op.create_table(
        "dataset_tags",
        _cascade("dataset_id", "datasets.id"),
        sa.Column("tag", sa.String(64), primary_key=True),
    )
    op.create_table(
        "dataset_settings",
        _cascade("dataset_id", "datasets.id"),
        sa.Column("folder_id", sa.Integer(), sa.ForeignKey("folders.id"), nullable=True),
        sa.Column(
            "uploader_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("sharing_nonce", sa.String(64), nullable=True),
        sa.Column("sharing_token_hash", sa.String(64), nullable=True),
        sa.Column("last_used", sa.DateTime(), nullable=True),
        sa.Column("view_configuration", sa.JSON(), nullable=False),
    )
    op.create_table(
        "browser_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_hash", sa.String(64), nullable=False, unique=True),
        _cascade("user_id", "users.id", primary_key=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("expires", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.DateTime(), nullable=True),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account", sa.String(256), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_login_failures_account_at", "login_failures", ["account", "at"])
    op.create_index("ix_login_failures_address", "login_failures", ["address"])
    op.create_index("ix_login_failures_at", "login_failures", ["at"])
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), primary_key=True),
        _cascade("user_id", "users.id", primary_key=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("expires", sa.DateTime(), nullable=False),
        sa.Column("used", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(512), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_organization_id", "audit_events", ["organization_id"])
    op.create_table(
        "trash_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organization_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=False
        ),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("deleted", sa.DateTime(), nullable=False),
        sa.Column("deleted_by", sa.String(256), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
    )
    op.create_index("ix_trash_entries_organization_id", "trash_entries", ["organization_id"])
    # Organizations created before this revision get their root folder here.
    op.execute(
        "INSERT INTO folders (organization_id, parent_id, name, created) "
        "SELECT id, NULL, name, created FROM organizations"
    )


def downgrade() -> None:
    for table in (
        "trash_entries", "audit_events", "invites", "login_failures", "browser_sessions",
        "dataset_settings", "dataset_tags", "dataset_teams", "folder_teams", "folders",
        "team_memberships", "teams",
    ):  # fmt: skip
        op.drop_table(table)
