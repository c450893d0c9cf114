"""``voxhub arc study`` (ArcCommander's ``arc s``): studies and their people, publications,
design descriptors, factors and protocols."""

from typing import Any

import typer

from voxhub.cli.arc._base import (
    FORCE,
    REPLACE,
    STUDY,
    check_user_files,
    command,
    load,
    option,
    perform,
    required,
)
from voxhub.cli.arc.entries import Owner, add_entry_commands
from voxhub.cli.arc.kinds import DesignKind, PersonKind, PublicationKind
from voxhub.cli.arc.nodes import DATED, edit_node, new_node, update_node
from voxhub.cli.arc.table_kinds import FactorKind, ProtocolKind
from voxhub.isa import ARC, ArcStudy, Contract

app = typer.Typer(
    help="Add, change, register, remove, list and show studies.", no_args_is_help=True
)

# voxhub's own spelling --identifier stays an alias of ArcCommander's --studyidentifier.
STUDY_ID = required(option("studyidentifier", "--identifier", "-s", help="Study identifier."))


def _write(arc: ARC, ident: str) -> list[Contract]:
    return arc.update_study(ident)


def _study(arc: ARC, ident: str | None) -> ArcStudy:
    assert ident is not None  # a required option
    return arc.investigation.get_study(ident)


STUDY_OWNER = Owner("study", required(STUDY), _study, _write)
for _name, _kind in (
    ("person", PersonKind("contacts")),
    ("publication", PublicationKind()),
    ("design", DesignKind()),
    ("factor", FactorKind()),
    ("protocol", ProtocolKind()),
):
    _sub = typer.Typer(help=f"The study's {_kind.noun} entries.", no_args_is_help=True)
    app.add_typer(_sub, name=_name)
    add_entry_commands(_sub, _kind, STUDY_OWNER)


@command(
    app,
    "init",
    [STUDY_ID, *DATED],
    "Create a study's folder and file, not yet registered in the investigation.",
)
def init(studyidentifier: str, **values: Any) -> None:
    arc = load()
    perform(arc.init_study(new_node(ArcStudy, studyidentifier, values)))


@command(
    app,
    "add",
    [STUDY_ID, *DATED],
    "Add a study (its folder and its registration in the investigation).",
)
def add(studyidentifier: str, **values: Any) -> None:
    arc = load()
    perform(arc.add_study(new_node(ArcStudy, studyidentifier, values)))


@command(app, "register", [STUDY_ID], "Register an existing study folder in the investigation.")
def register(studyidentifier: str) -> None:
    perform(load().register_study(studyidentifier))


@command(
    app, "unregister", [STUDY_ID], "Drop a study from the investigation file; its folder stays."
)
def unregister(studyidentifier: str) -> None:
    perform(load().unregister_study(studyidentifier))


@command(
    app,
    "delete",
    [STUDY_ID, FORCE],
    "Delete a study's folder and drop it from the investigation (its assays stay).",
)
def delete(studyidentifier: str, force: bool) -> None:
    arc = load()
    arc.investigation.get_study(studyidentifier)
    check_user_files(arc, f"studies/{studyidentifier}", force)
    perform(arc.remove_study(studyidentifier))


@command(
    app,
    "remove",
    [STUDY_ID, FORCE],
    "Delete a study's folder and drop it from the investigation (as delete).",
)
def remove(studyidentifier: str, force: bool) -> None:
    delete(studyidentifier, force)


@command(
    app,
    "update",
    [STUDY_ID, *DATED, REPLACE],
    "Change a study's fields (only those given, unless --replacewithemptyvalues).",
)
def update(studyidentifier: str, replacewithemptyvalues: bool, **values: Any) -> None:
    arc = load()
    update_node(arc.investigation.get_study(studyidentifier), values, replacewithemptyvalues)
    perform(arc.update_study(studyidentifier))


@command(app, "edit", [STUDY_ID], "Change a study's fields in your editor ($EDITOR).")
def edit(studyidentifier: str) -> None:
    arc = load()
    edit_node(arc.investigation.get_study(studyidentifier), f"study '{studyidentifier}'")
    perform(arc.update_study(studyidentifier))


@command(app, "list", [], "List studies with the assays they register.")
def list_() -> None:
    arc = load()
    for study in arc.investigation.studies:
        assays = ", ".join(study.registered_assay_identifiers) or "-"
        note = "\t(not registered)" if study.identifier in arc.unlisted_studies else ""
        typer.echo(f"{study.identifier}\t{study.title}\tassays: {assays}{note}")


@command(app, "show", [STUDY_ID], "Print a study's fields, tables and assays.")
def show(studyidentifier: str) -> None:
    study = load().investigation.get_study(studyidentifier)
    typer.echo(f"Identifier: {study.identifier}")
    typer.echo(f"Title: {study.title}")
    typer.echo(f"Description: {study.description}")
    typer.echo(f"Submission date: {study.submission_date}")
    typer.echo(f"Public release date: {study.public_release_date}")
    typer.echo(f"Contacts: {', '.join(p.display_name for p in study.contacts)}")
    typer.echo(f"Design: {', '.join(d.name for d in study.design_descriptors)}")
    typer.echo(f"Assays: {', '.join(study.registered_assay_identifiers)}")
    for table in study.tables:
        typer.echo(f"Table {table.name}: {table.row_count} rows × {table.column_count} columns")
