"""``voxhub user add|list|role|password|deactivate``.

Passwords never travel on the command line (``ps`` shows every argument to
every user of the machine): they are prompted for twice, or read from stdin.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from voxhub.access.accounts import ROLES, create_user, find_user, set_active, set_role
from voxhub.access.login import check_password_rules, set_password
from voxhub.access.passwords import hash_password
from voxhub.catalog.register import ensure_organization
from voxhub.cli._common import clean_errors, ensure_first_admin, open_hub, out
from voxhub.cli.admin_common import operator
from voxhub.db.models import User
from voxhub.errors import InvalidInput

app = typer.Typer(no_args_is_help=True)
StdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from stdin (one line)")
]


def read_password(from_stdin: bool) -> str:
    """The new password: one line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    check_password_rules(password)
    return password


@app.command()
@clean_errors
def add(
    email: str,
    org: Annotated[str, typer.Option("--org", help="Organization (created if new)")],
    role: Annotated[str, typer.Option(help="admin, dataset_manager or member")] = "member",
    password: Annotated[
        bool, typer.Option("--password", help="Prompt for a login password (else API tokens only)")
    ] = False,
    password_stdin: StdinOption = False,
) -> None:
    """Add a user to an organization."""
    secret = read_password(password_stdin) if password or password_stdin else None
    hub = open_hub()
    with hub.transaction() as session:
        organization = ensure_organization(session, org)
        create_user(
            session,
            email=email,
            organization=organization,
            role=role,
            password_hash=hash_password(secret) if secret else None,
        )
    out.print(f"added {email} to {org} as {role}", highlight=False)


@app.command()
@clean_errors
def password(email: str, password_stdin: StdinOption = False) -> None:
    """Set a user's login password (prompted twice, or --password-stdin); ends its sessions."""
    hub = open_hub()
    ensure_first_admin(hub)
    with hub.transaction() as session:
        find_user(session, email)  # before asking: a typo should not cost a prompt
    secret = read_password(password_stdin)
    with hub.transaction() as session:
        set_password(session, operator(), find_user(session, email), secret)
    out.print(f"password of {email} set; its browser sessions were ended", highlight=False)


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
    """Stop a user from logging in; its API tokens are revoked and its sessions end."""
    hub = open_hub()
    with hub.transaction() as session:
        user = find_user(session, email)
        was_active = user.active
        revoked = set_active(session, operator(), user, undo)
    if undo:
        done = "is now active" if not was_active else "was active already"
        out.print(f"{email} {done}; tokens revoked earlier stay revoked", highlight=False)
    else:
        out.print(
            f"{email} is now deactivated; {revoked} API token(s) revoked, sessions ended",
            highlight=False,
        )
