"""Datasets get key-value metadata of their own

Revision ID: 0005
Revises: 0004

WEBKNOSSOS keeps a dataset's metadata (``[{"key", "type", "value"}]``) as a
field of its own; the web app had tucked it into the view configuration,
whose strict model refused it. ``dataset_settings.metadata_entries`` holds it
now; existing rows get an empty list.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dataset_settings") as batch:
        batch.add_column(
            sa.Column("metadata_entries", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("dataset_settings") as batch:
        batch.drop_column("metadata_entries")
