"""External datastores

Revision ID: 0006
Revises: 0005

A ``datastores`` table (name, public URL, hashed key, last heartbeat) and
``datasets.datastore_id``: a dataset registered by an external datastore is
served by that node, not from the hub's data folder. Removing a datastore
removes the rows of its datasets (its files stay on its own disk).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datastores",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=True),
    )
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("datastore_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_datasets_datastore_id", "datastores", ["datastore_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_datasets_datastore_id", ["datastore_id"])


def downgrade() -> None:
    op.execute("DELETE FROM datasets WHERE datastore_id IS NOT NULL")
    with op.batch_alter_table("datasets") as batch:
        batch.drop_index("ix_datasets_datastore_id")
        batch.drop_constraint("fk_datasets_datastore_id", type_="foreignkey")
        batch.drop_column("datastore_id")
    op.drop_table("datastores")
