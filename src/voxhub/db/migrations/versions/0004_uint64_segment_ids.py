"""Largest segment ids are unsigned 64-bit

Revision ID: 0004
Revises: 0003

``layers.largest_segment_id`` was a signed INTEGER: a uint64 segmentation whose
largest id is above 2^63 - 1 overflowed on SQLite and PostgreSQL. It becomes
NUMERIC(20, 0) on PostgreSQL and text on SQLite (``voxhub.db.types.UInt64``);
existing values are kept. Downgrading turns ids above 2^63 - 1 into NULL (the
old column cannot hold them; the next scan rewrites them from the
properties files).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SIGNED_MAX = 2**63 - 1


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "layers",
            "largest_segment_id",
            type_=sa.Numeric(20, 0),
            existing_type=sa.Integer(),
            postgresql_using="largest_segment_id::numeric(20, 0)",
        )
        return
    with op.batch_alter_table("layers") as batch:
        batch.alter_column("largest_segment_id", type_=sa.String(20), existing_type=sa.Integer())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            f"UPDATE layers SET largest_segment_id = NULL WHERE largest_segment_id > {SIGNED_MAX}"
        )
        op.alter_column(
            "layers",
            "largest_segment_id",
            type_=sa.BigInteger(),
            existing_type=sa.Numeric(20, 0),
            postgresql_using="largest_segment_id::bigint",
        )
        return
    op.execute(
        "UPDATE layers SET largest_segment_id = NULL WHERE length(largest_segment_id) > 19"
        f" OR (length(largest_segment_id) = 19 AND largest_segment_id > '{SIGNED_MAX}')"
    )
    with op.batch_alter_table("layers") as batch:
        batch.alter_column("largest_segment_id", type_=sa.Integer(), existing_type=sa.String(20))
