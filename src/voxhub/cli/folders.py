"""``voxhub folder add|list|teams``: folders named by path below the root (``projects/deep``)."""

from __future__ import annotations

import typer
from rich.table import Table

from voxhub.access import teams as team_service
from voxhub.catalog import folders as folder_service
from voxhub.cli._common import ClearTeamsOption, OrgOption, TeamsOption, clean_errors, open_hub, out
from voxhub.cli.admin_common import operator, organization

app = typer.Typer(no_args_is_help=True)


@app.command()
@clean_errors
def add(path: str, org: OrgOption) -> None:
    """Create a folder (and any missing parents) below the organization's root."""
    hub = open_hub()
    with hub.transaction() as session:
        folder = folder_service.ensure_path(session, operator(), organization(session, org), path)
        folder_id = folder.id
    out.print(f"folder /{path.strip('/')} in {org} (id {folder_id})", highlight=False)


@app.command("list")
@clean_errors
def list_(org: OrgOption) -> None:
    """The organization's folder tree with the teams allowed on each folder."""
    hub = open_hub()
    with hub.transaction() as session:
        owner = organization(session, org)
        tree = folder_service.load_tree(session, owner.id)
        names = {t.id: t.name for t in team_service.list_teams(session, owner.id)}
        table = Table("id", "folder", "teams", "teams (cumulative)")
        root = tree.root(owner.id)
        for folder_id in tree.subtree(root) if root is not None else []:
            own = ", ".join(sorted(names[t] for t in tree.nodes[folder_id].team_ids))
            cumulative = ", ".join(sorted(names[t] for t in tree.cumulative(folder_id)))
            table.add_row(str(folder_id), "/" + tree.path(folder_id), own or "-", cumulative or "-")
    out.print(table)


@app.command()
@clean_errors
def teams(
    path: str,
    org: OrgOption,
    team: TeamsOption = [],  # noqa: B006
    clear: ClearTeamsOption = False,
) -> None:
    """Set the teams allowed on a folder and everything below it (no option: show them)."""
    hub = open_hub()
    with hub.transaction() as session:
        owner = organization(session, org)
        folder = folder_service.find_path(session, owner, path)
        if team or clear:
            ids = [team_service.find_team(session, owner, name).id for name in team]
            folder_service.set_folder_teams(session, operator(), folder, ids)
        current = folder_service.folder_team_ids(session, folder)
        names = sorted(
            t.name for t in team_service.list_teams(session, owner.id) if t.id in current
        )
    shown = ", ".join(names) or "no team"
    verb = "now allows" if team or clear else "allows"
    out.print(f"folder /{path.strip('/')} {verb} {shown}", highlight=False)
