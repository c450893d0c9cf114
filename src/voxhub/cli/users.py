"""``voxhub user add|list|role|deactivate``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from voxhub.access.accounts import ROLES, create_user, find_user, set_active, set_role
from voxhub.access.passwords import hash_password
from voxhub.access.sessions import end_all
from voxhub.catalog.register import ensure_organization
from voxhub.cli._common import clean_errors, open_hub, out
from voxhub.cli.admin_common import operator
from voxhub.db.models import User
from voxhub.errors import InvalidInput

app = typer.Typer(no_args_is_help=True)


@app.command()
@clean_errors
def add(
    email: str,
    org: Annotated[str, typer.Option("--org", help="Organization (created if new)")],
    role: Annotated[str, typer.Option(help="admin, dataset_manager or member")] = "member",
    password: Annotated[
        str | None, typer.Option(help="Login password (else API tokens only)")
    ] = None,
) -> None:
    """Add a user to an organization."""
    hub = open_hub()
    with hub.transaction() as session:
        organization = ensure_organization(session, org)
        create_user(
            session,
            email=email,
            organization=organization,
            role=role,
            password_hash=hash_password(password) if password else None,
        )
    out.print(f"added {email} to {org} as {role}", highlight=False)


@app.command("list")
@clean_errors
def list_() -> None:
    """List users with their organization and role."""
    hub = open_hub()
    with hub.transaction() as session:
        table = Table("email", "organization", "role", "active")
        for user in session.scalars(select(User).order_by(User.email)):
            table.add_row(
                user.email, user.organization.name, user.role, "yes" if user.active else "no"
            )
    out.print(table)


@app.command()
@clean_errors
def role(email: str, new_role: str) -> None:
    """Change a user's role (admin, dataset_manager or member)."""
    if new_role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {new_role!r}")
    hub = open_hub()
    with hub.transaction() as session:
        set_role(session, operator(), find_user(session, email), new_role)
    out.print(f"{email} is now {new_role}", highlight=False)


@app.command()
@clean_errors
def deactivate(
    email: str,
    undo: Annotated[bool, typer.Option("--undo", help="Activate the user again")] = False,
) -> None:
    """Stop a user from logging in; its tokens and sessions stop working within seconds."""
    hub = open_hub()
    with hub.transaction() as session:
        user = find_user(session, email)
        set_active(session, operator(), user, undo)
        if not undo:
            end_all(session, user.id)
    out.print(f"{email} is now {'active' if undo else 'deactivated'}", highlight=False)
