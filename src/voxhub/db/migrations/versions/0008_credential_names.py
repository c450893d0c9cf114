"""Remote credentials get a name, unique within their organization

Admins list, rotate and remove an organization's credentials by name and id;
rows stored before this get ``credential-<id>``.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("remote_credentials") as batch:
        batch.add_column(sa.Column("name", sa.String(128), nullable=False, server_default=""))
    op.execute("UPDATE remote_credentials SET name = 'credential-' || id")
    op.create_index(
        "ux_remote_credentials_org_name",
        "remote_credentials",
        ["organization_id", "name"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_remote_credentials_org_name", table_name="remote_credentials")
    with op.batch_alter_table("remote_credentials") as batch:
        batch.drop_column("name")
