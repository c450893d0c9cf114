"""``voxhub dataset share|unshare|public|move|tag|teams|delete|restore|trash``.

Datasets are named ``ORG/NAME``. Every change reaches running servers within
seconds (the access epoch) and is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from voxhub.access import teams as team_service
from voxhub.access.secrets import server_secret
from voxhub.catalog import datasets as dataset_service
from voxhub.catalog import folders as folder_service
from voxhub.catalog import sharing
from voxhub.catalog import trash as trash_service
from voxhub.cli._common import ClearTeamsOption, TeamsOption, clean_errors, open_hub, out
from voxhub.cli.admin_common import dataset_by_key, operator

app = typer.Typer(no_args_is_help=True)
DatasetArg = Annotated[str, typer.Argument(help="ORG/NAME")]


@app.command()
@clean_errors
def share(
    dataset: DatasetArg,
    renew: Annotated[bool, typer.Option("--renew", help="Replace the current token")] = False,
) -> None:
    """Print the dataset's sharing token (created if it has none)."""
    hub = open_hub()
    secret = server_secret(hub.settings)
    with hub.transaction() as session:
        row = dataset_by_key(session, dataset)
        if renew:
            token = sharing.renew(session, secret, operator(), row, dataset)
        else:
            token = sharing.ensure(session, secret, operator(), row, dataset)
    out.print(f"sharing token of {dataset} (add ?token=… or use /zarr/token/…/):", highlight=False)
    print(token)


@app.command()
@clean_errors
def unshare(dataset: DatasetArg) -> None:
    """Revoke the dataset's sharing token; links stop working within seconds."""
    hub = open_hub()
    with hub.transaction() as session:
        had = sharing.revoke(session, operator(), dataset_by_key(session, dataset), dataset)
    out.print(f"{dataset}: " + ("sharing token revoked" if had else "had no sharing token"))


@app.command()
@clean_errors
def public(
    dataset: DatasetArg,
    off: Annotated[bool, typer.Option("--off", help="Make it private again")] = False,
) -> None:
    """Make a dataset readable by anyone (or, with --off, private again)."""
    hub = open_hub()
    with hub.transaction() as session:
        row = dataset_by_key(session, dataset)
        dataset_service.update_dataset(session, operator(), row, {"is_public": not off})
    out.print(f"{dataset} is now {'private' if off else 'public'}", highlight=False)


@app.command()
@clean_errors
def move(
    datasets: Annotated[list[str], typer.Argument(help="ORG/NAME …")],
    folder: Annotated[str, typer.Option("--folder", help="Folder path, e.g. projects/deep")],
) -> None:
    """Move datasets (of one organization) into a folder."""
    hub = open_hub()
    with hub.transaction() as session:
        rows = [dataset_by_key(session, key) for key in datasets]
        target = folder_service.find_path(session, rows[0].organization, folder)
        dataset_service.move(session, operator(), rows, target)
    out.print(f"moved {', '.join(datasets)} to /{folder.strip('/')}", highlight=False)


@app.command()
@clean_errors
def tag(
    dataset: DatasetArg,
    tags: Annotated[list[str], typer.Argument(help="Tags to add")],
    remove: Annotated[bool, typer.Option("--remove", help="Remove these tags instead")] = False,
) -> None:
    """Add tags to a dataset (or remove them)."""
    hub = open_hub()
    with hub.transaction() as session:
        row = dataset_by_key(session, dataset)
        current = dataset_service.tags_of(session, row)
        wanted = [t for t in current if t not in tags] if remove else current + tags
        final = dataset_service.set_tags(session, row, wanted)
    out.print(f"{dataset} tags: {', '.join(final) or '(none)'}", highlight=False)


@app.command()
@clean_errors
def teams(
    dataset: DatasetArg,
    team: TeamsOption = [],  # noqa: B006
    clear: ClearTeamsOption = False,
) -> None:
    """Set the teams allowed on a dataset (no option: show them)."""
    hub = open_hub()
    with hub.transaction() as session:
        row = dataset_by_key(session, dataset)
        if team or clear:
            ids = [team_service.find_team(session, row.organization, name).id for name in team]
            dataset_service.set_teams(session, operator(), row, ids)
        current = dataset_service.own_team_ids(session, row)
        names = sorted(
            t.name for t in team_service.list_teams(session, row.organization_id) if t.id in current
        )
    out.print(f"{dataset} allows {', '.join(names) or 'no team'}", highlight=False)


@app.command()
@clean_errors
def delete(
    dataset: DatasetArg,
    confirm: Annotated[str, typer.Option("--confirm", help="The dataset's name, to confirm")],
) -> None:
    """Move a dataset to the trash (restorable until purged)."""
    hub = open_hub()
    with hub.transaction() as session:
        row = dataset_by_key(session, dataset)
        entry = trash_service.delete_dataset(session, operator(), row, confirm, hub.storage)
        entry_id = entry.id
    out.print(
        f"moved {dataset} to the trash (entry {entry_id}; `voxhub dataset restore {entry_id}`)"
    )


@app.command()
@clean_errors
def restore(entry: int) -> None:
    """Restore a dataset from the trash."""
    hub = open_hub()
    with hub.transaction() as session:
        row = trash_service.restore(
            session, operator(), trash_service.get_entry(session, entry), hub.storage
        )
        name = dataset_service.label(row)
    out.print(f"restored {name}", highlight=False)


@app.command()
@clean_errors
def trash(
    purge_expired: Annotated[
        bool, typer.Option("--purge-expired", help="Purge entries older than VOXHUB_TRASH_DAYS")
    ] = False,
) -> None:
    """List the trash (and purge what has expired)."""
    hub = open_hub()
    with hub.transaction() as session:
        if purge_expired:
            count = trash_service.purge_expired(
                session, operator(), hub.storage, hub.settings.trash_days
            )
            out.print(f"purged {count} expired entries")
        table = Table("entry", "dataset", "deleted", "by")
        for row in trash_service.list_entries(session, None):
            org = row.snapshot.get("organization", "") or str(row.organization_id)
            table.add_row(str(row.id), f"{org}/{row.name}", f"{row.deleted:%Y-%m-%d %H:%M}",
                          row.deleted_by)  # fmt: skip
    out.print(table)
