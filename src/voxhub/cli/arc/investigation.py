"""``voxhub arc investigation`` (ArcCommander's ``arc i``): the investigation, its people and
publications."""

from typing import Any

import typer

from voxhub.cli.arc._base import REPLACE, command, load, option, perform, required, root
from voxhub.cli.arc.entries import Owner, add_entry_commands
from voxhub.cli.arc.kinds import PersonKind, PublicationKind
from voxhub.cli.arc.nodes import DATED, edit_node, update_node
from voxhub.cli.arc.top import create_arc
from voxhub.isa import ARC, Contract, IsaNotFound, Publication

app = typer.Typer(help="Create, show, update or delete the investigation.", no_args_is_help=True)
person_app = typer.Typer(help="The investigation's contacts.", no_args_is_help=True)
publication_app = typer.Typer(help="The investigation's publications.", no_args_is_help=True)
app.add_typer(person_app, name="person")
app.add_typer(publication_app, name="publication")

IDENTIFIER = option(
    "investigationidentifier", "--identifier", "-i", help="Investigation identifier."
)


def _write(arc: ARC, _: str | None) -> list[Contract]:
    return arc.update_investigation()


INVESTIGATION = Owner("investigation", None, lambda arc, _: arc.investigation, _write)
add_entry_commands(person_app, PersonKind("contacts"), INVESTIGATION)
add_entry_commands(publication_app, PublicationKind(), INVESTIGATION)


@command(
    app,
    "create",
    [required(IDENTIFIER), *DATED],
    "Create the ARC's investigation (as 'arc init' does, without git).",
)
def create(investigationidentifier: str, **values: Any) -> None:
    create_arc(investigationidentifier, values)


@command(
    app,
    "update",
    [IDENTIFIER, *DATED, REPLACE],
    "Change the investigation's fields (only those given, unless --replacewithemptyvalues).",
)
def update(
    investigationidentifier: str | None, replacewithemptyvalues: bool, **values: Any
) -> None:
    arc = load()
    if investigationidentifier is not None:
        arc.investigation.identifier = investigationidentifier
    update_node(arc.investigation, values, replacewithemptyvalues)
    perform(arc.update_investigation())


@command(app, "edit", [], "Change the investigation's fields in your editor ($EDITOR).")
def edit() -> None:
    arc = load()
    edit_node(arc.investigation, "the investigation")
    perform(arc.update_investigation())


@command(
    app,
    "delete",
    [required(IDENTIFIER)],
    "Delete the investigation file (give its identifier to confirm); studies and assays stay.",
)
def delete(investigationidentifier: str) -> None:
    arc = load()
    if arc.investigation.identifier != investigationidentifier:
        raise IsaNotFound(
            f"the investigation is '{arc.investigation.identifier}', not "
            f"'{investigationidentifier}': nothing deleted"
        )
    perform([Contract.delete("isa.investigation.xlsx")])
    typer.echo(f"studies/ and assays/ in {root().resolve()} are kept")


@command(app, "show", [], "Print the investigation's fields, studies and assays.")
def show() -> None:
    inv = load().investigation
    typer.echo(f"Identifier: {inv.identifier}")
    typer.echo(f"Title: {inv.title}")
    typer.echo(f"Description: {inv.description}")
    typer.echo(f"Submission date: {inv.submission_date}")
    typer.echo(f"Public release date: {inv.public_release_date}")
    typer.echo(f"Contacts: {', '.join(p.display_name for p in inv.contacts)}")
    typer.echo(f"Publications: {', '.join(_cite(p) for p in inv.publications)}")
    typer.echo(f"Studies: {', '.join(inv.study_identifiers)}")
    typer.echo(f"Assays: {', '.join(inv.assay_identifiers)}")


def _cite(publication: Publication) -> str:
    return publication.doi or publication.title or publication.pubmed_id
