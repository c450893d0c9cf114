"""Join the four subsystem branches into one linear history

Revision ID: 0002
Revises: access_0001, isa_0001, jobs_0001, msi_0001

From here on every migration has exactly one parent, so `alembic upgrade head`
and `downgrade -1` mean one thing.
"""

revision = "0002"
down_revision = ("access_0001", "isa_0001", "jobs_0001", "msi_0001")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
