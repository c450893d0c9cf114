"""``voxhub team add|list|member``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from voxhub.access import teams as team_service
from voxhub.access.accounts import find_user
from voxhub.cli._common import OrgOption, clean_errors, open_hub, out
from voxhub.cli.admin_common import operator, organization

app = typer.Typer(no_args_is_help=True)


@app.command()
@clean_errors
def add(name: str, org: OrgOption) -> None:
    """Create a team in an organization."""
    hub = open_hub()
    with hub.transaction() as session:
        team = team_service.create_team(session, operator(), organization(session, org), name)
        team_id = team.id
    out.print(f"added team {name} (id {team_id}) to {org}", highlight=False)


@app.command("list")
@clean_errors
def list_(org: OrgOption) -> None:
    """List an organization's teams with their members (managers marked *)."""
    hub = open_hub()
    with hub.transaction() as session:
        table = Table("id", "team", "members")
        for team in team_service.list_teams(session, organization(session, org).id):
            members = team_service.members(session, team)
            names = ", ".join(m.user.email + ("*" if m.is_manager else "") for m in members)
            table.add_row(str(team.id), team.name, names or "-")
    out.print(table)


@app.command()
@clean_errors
def member(
    team: str,
    email: str,
    org: OrgOption,
    manager: Annotated[
        bool, typer.Option("--manager", help="Make the user a team manager")
    ] = False,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the user instead")] = False,
) -> None:
    """Add a user to a team (or change its manager flag, or remove it)."""
    hub = open_hub()
    with hub.transaction() as session:
        row = team_service.find_team(session, organization(session, org), team)
        user = find_user(session, email)
        if remove:
            team_service.remove_member(session, operator(), row, user)
        else:
            team_service.set_member(session, operator(), row, user, manager)
    if remove:
        out.print(f"removed {email} from team {team}", highlight=False)
    else:
        role = "manager" if manager else "member"
        out.print(f"{email} is now a {role} of team {team}", highlight=False)
