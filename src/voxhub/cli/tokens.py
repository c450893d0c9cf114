"""``voxhub token create|list|revoke``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from voxhub.access import audit
from voxhub.access.accounts import find_user, issue_token, revoke_token
from voxhub.access.first_admin import ADMIN_EMAIL
from voxhub.cli._common import clean_errors, ensure_first_admin, open_hub, out
from voxhub.cli.admin_common import operator
from voxhub.db.models import ApiToken

app = typer.Typer(no_args_is_help=True)
UserOption = Annotated[str, typer.Option("--user", help="The user's email")]


@app.command()
@clean_errors
def create(
    user: UserOption = ADMIN_EMAIL,
    name: Annotated[str, typer.Option(help="A name to recognise the token by")] = "cli",
    expires_days: Annotated[float | None, typer.Option(help="Days until it expires")] = None,
) -> None:
    """Create an API token and print it (it is shown only this once)."""
    hub = open_hub()
    ensure_first_admin(hub)
    with hub.transaction() as session:
        issued = issue_token(session, find_user(session, user), name, expires_days)
        token_id = issued.row.id
    out.print(f"token {token_id} for {user}:", highlight=False)
    print(issued.token)


@app.command("list")
@clean_errors
def list_(user: UserOption = ADMIN_EMAIL) -> None:
    """List a user's tokens (never their values)."""
    hub = open_hub()
    with hub.transaction() as session:
        owner = find_user(session, user)
        rows = session.scalars(select(ApiToken).where(ApiToken.user_id == owner.id)).all()
        table = Table("id", "name", "prefix", "created", "expires", "last used", "revoked")
        for row in rows:
            table.add_row(
                str(row.id), row.name, row.prefix + "…", f"{row.created:%Y-%m-%d %H:%M}",
                str(row.expires or "-"), str(row.last_used or "-"), str(row.revoked or "-"),
            )  # fmt: skip
    out.print(table)


@app.command()
@clean_errors
def revoke(token_id: int, user: UserOption = ADMIN_EMAIL) -> None:
    """Revoke a token by id; every server stops accepting it within seconds."""
    hub = open_hub()
    with hub.transaction() as session:
        owner = find_user(session, user)
        row = revoke_token(session, token_id, owner)
        audit.record(session, operator(), "token.revoke", f"{owner.email}:{row.prefix}…",
                     owner.organization_id, token_id=row.id)  # fmt: skip
    out.print(f"revoked token {token_id}")
