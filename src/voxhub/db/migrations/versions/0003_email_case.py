"""E-mail addresses are unique whatever their case

Revision ID: 0003
Revises: 0002

Login looks users up by ``lower(email)``. With uniqueness only case-sensitive,
an admin of one organization could create ``NEWHIRE@A.ORG`` before another
organization's ``newhire@a.org`` existed and log in as whichever row came
first. A unique index on ``lower(email)`` rules that out. Rows that already
clash are not merged or renamed behind the operator's back: the upgrade stops,
names them, and changes nothing.
"""

import sqlalchemy as sa
from alembic import op

from voxhub.db.errors import MigrationRefused

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEX = "ux_users_email_lower"


def _clashes(bind: sa.Connection) -> list[str]:
    rows = bind.execute(
        sa.text(
            "SELECT u.id, u.email, o.name FROM users u JOIN organizations o"
            " ON o.id = u.organization_id WHERE lower(u.email) IN"
            " (SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1)"
            " ORDER BY lower(u.email), u.id"
        )
    ).all()
    groups: dict[str, list[str]] = {}
    for user_id, email, organization in rows:
        groups.setdefault(email.lower(), []).append(f"{email} (id {user_id}, {organization})")
    return [" = ".join(group) for group in groups.values()]


def upgrade() -> None:
    clashes = _clashes(op.get_bind())
    if clashes:
        raise MigrationRefused(
            "cannot make e-mail addresses unique regardless of case; these users differ only "
            f"in case: {'; '.join(clashes)}. Change or remove all but one of each (e.g. UPDATE "
            "users SET email = '…' WHERE id = …), then start voxhub again"
        )
    op.create_index(INDEX, "users", [sa.text("lower(email)")], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="users")
