"""``voxhub datastore create|list|remove``: external datastores, on the hub's machine."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import func, select

from voxhub.access import audit
from voxhub.catalog import datastores
from voxhub.cli._common import clean_errors, open_hub, out
from voxhub.cli.admin_common import operator
from voxhub.db.models import Dataset, Datastore

app = typer.Typer(no_args_is_help=True)


@app.command()
@clean_errors
def create(
    name: Annotated[str, typer.Argument(help="A name for the datastore")],
    url: Annotated[str, typer.Option(help="The node's public base URL")],
) -> None:
    """Create a datastore and print its key (shown only this once; the hub keeps a hash)."""
    hub = open_hub()
    with hub.transaction() as session:
        issued = datastores.create(session, name, url)
        audit.record(session, operator(), "datastore.create", name, None, prefix=issued.key[:8])
    out.print(f"datastore {name} at {issued.row.url}; start it with:", highlight=False)
    out.print(f"  voxhub serve --datastore --hub HUB_URL --key {issued.key}", highlight=False)
    print(issued.key)


@app.command("list")
@clean_errors
def list_() -> None:
    """List datastores, when each last beat, and how many datasets each registered."""
    hub = open_hub()
    with hub.transaction() as session:
        counts = dict(
            session.execute(
                select(Dataset.datastore_id, func.count(Dataset.id)).group_by(Dataset.datastore_id)
            ).all()
        )
        table = Table("name", "url", "key", "last seen", "reachable", "datasets")
        for row in session.scalars(select(Datastore).order_by(Datastore.name)):
            table.add_row(
                row.name, row.url, row.prefix + "…", str(row.last_seen or "-"),
                "yes" if hub.heartbeats.reachable(row.id) else "no", str(counts.get(row.id, 0)),
            )  # fmt: skip
    out.print(table)


@app.command()
@clean_errors
def remove(name: Annotated[str, typer.Argument(help="The datastore's name")]) -> None:
    """Remove a datastore (its key stops working) and its datasets from the catalog."""
    hub = open_hub()
    with hub.transaction() as session:
        count = datastores.remove(session, name)
        audit.record(session, operator(), "datastore.remove", name, None, datasets=count)
    out.print(f"removed datastore {name} and {count} catalog entries (its files are untouched)")
