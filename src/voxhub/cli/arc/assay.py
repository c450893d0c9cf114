"""``voxhub arc assay`` (ArcCommander's ``arc a``): assays, their registrations and
performers."""

from typing import Any

import typer

from voxhub.cli.arc._base import (
    ADD_IF_MISSING,
    ASSAY,
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
from voxhub.cli.arc.exporting import OUTPUT, PROCESS_SEQUENCE, assay_json, write_json
from voxhub.cli.arc.kinds import PersonKind
from voxhub.cli.arc.nodes import ASSAY_FIELDS, edit_node, new_node, update_node
from voxhub.isa import ARC, ArcAssay, Contract, IsaNotFound

app = typer.Typer(
    help="Add, change, register, move, remove, list and show assays.", no_args_is_help=True
)
person_app = typer.Typer(help="The assay's performers.", no_args_is_help=True)
app.add_typer(person_app, name="person")

ASSAY_ID = required(ASSAY)
TARGET = required(option("targetstudyidentifier", "-t", help="Study to move the assay to."))


def _write(arc: ARC, ident: str) -> list[Contract]:
    return arc.update_assay(ident)


def _assay(arc: ARC, ident: str | None) -> ArcAssay:
    assert ident is not None  # a required option
    return arc.investigation.get_assay(ident)


ASSAY_OWNER = Owner("assay", ASSAY_ID, _assay, _write)
add_entry_commands(person_app, PersonKind("performers"), ASSAY_OWNER)


def _registered(arc: ARC, study: str | None, assay: str) -> None:
    """ArcCommander 0.x names the assay's study too (-s): it must register the assay."""
    arc.investigation.get_assay(assay)
    if (
        study is not None
        and assay not in arc.investigation.get_study(study).registered_assay_identifiers
    ):
        raise IsaNotFound(f"assay '{assay}' is not registered in study '{study}'")


@command(
    app,
    "init",
    [ASSAY_ID, *ASSAY_FIELDS],
    "Create an assay's folder and file, registered in no study yet.",
)
def init(assayidentifier: str, **values: Any) -> None:
    arc = load()
    perform(arc.init_assay(new_node(ArcAssay, assayidentifier, values)))


@command(
    app,
    "add",
    [STUDY, ASSAY_ID, *ASSAY_FIELDS],
    "Add an assay registered to a study (default: the study named as the assay), "
    "which is created when it does not exist.",
)
def add(studyidentifier: str | None, assayidentifier: str, **values: Any) -> None:
    arc = load()
    perform(
        arc.add_assay(
            new_node(ArcAssay, assayidentifier, values), studyidentifier or assayidentifier
        )
    )


@command(
    app,
    "register",
    [STUDY, ASSAY_ID],
    "Register an existing assay in one more study (default: the study named as the assay).",
)
def register(studyidentifier: str | None, assayidentifier: str) -> None:
    perform(load().register_assay(studyidentifier or assayidentifier, assayidentifier))


@command(
    app,
    "unregister",
    [STUDY, ASSAY_ID],
    "Remove an assay's registration from a study (default: the study named as the assay).",
)
def unregister(studyidentifier: str | None, assayidentifier: str) -> None:
    perform(load().unregister_assay(studyidentifier or assayidentifier, assayidentifier))


@command(
    app,
    "delete",
    [STUDY, ASSAY_ID, FORCE],
    "Delete an assay's folder and every registration of it.",
)
def delete(studyidentifier: str | None, assayidentifier: str, force: bool) -> None:
    arc = load()
    _registered(arc, studyidentifier, assayidentifier)
    check_user_files(arc, f"assays/{assayidentifier}", force)
    perform(arc.remove_assay(assayidentifier))


@command(
    app,
    "remove",
    [STUDY, ASSAY_ID, FORCE],
    "Delete an assay's folder and every registration of it (as delete).",
)
def remove(studyidentifier: str | None, assayidentifier: str, force: bool) -> None:
    delete(studyidentifier, assayidentifier, force)


@command(
    app,
    "update",
    [STUDY, ASSAY_ID, *ASSAY_FIELDS, REPLACE, ADD_IF_MISSING],
    "Change an assay's fields (in its file, its studies and the investigation).",
)
def update(
    studyidentifier: str | None,
    assayidentifier: str,
    replacewithemptyvalues: bool,
    addifmissing: bool,
    **values: Any,
) -> None:
    arc = load()
    assay = arc.investigation.try_get_assay(assayidentifier)
    if assay is None:
        if not addifmissing:
            raise IsaNotFound(f"no assay '{assayidentifier}' (--addifmissing creates it)")
        new = new_node(ArcAssay, assayidentifier, values)
        perform(arc.add_assay(new, studyidentifier) if studyidentifier else arc.init_assay(new))
        return
    _registered(arc, studyidentifier, assayidentifier)
    update_node(assay, values, replacewithemptyvalues)
    perform(arc.update_assay(assayidentifier))


@command(app, "edit", [STUDY, ASSAY_ID], "Change an assay's fields in your editor ($EDITOR).")
def edit(studyidentifier: str | None, assayidentifier: str) -> None:
    arc = load()
    _registered(arc, studyidentifier, assayidentifier)
    edit_node(arc.investigation.get_assay(assayidentifier), f"assay '{assayidentifier}'")
    perform(arc.update_assay(assayidentifier))


@command(
    app,
    "move",
    [required(STUDY), ASSAY_ID, TARGET],
    "Register an assay in another study instead of this one.",
)
def move(studyidentifier: str, assayidentifier: str, targetstudyidentifier: str) -> None:
    perform(load().move_assay(assayidentifier, studyidentifier, targetstudyidentifier))


@command(
    app,
    "export",
    [ASSAY, OUTPUT, PROCESS_SEQUENCE],
    "Print an assay (default: every assay) as ISA-JSON, or its process sequence.",
)
def export(assayidentifier: str | None, output: str | None, processsequence: bool) -> None:
    write_json(assay_json(load(), assayidentifier, processsequence), output)


@command(app, "list", [STUDY], "List assays and the studies that register them.")
def list_(studyidentifier: str | None) -> None:
    inv = load().investigation
    assays = (
        [inv.get_assay(a) for a in inv.get_study(studyidentifier).registered_assay_identifiers]
        if studyidentifier
        else list(inv.assays)
    )
    for assay in assays:
        studies = ", ".join(s.identifier for s in inv.studies_of(assay.identifier)) or "-"
        measurement = assay.measurement_type.name if assay.measurement_type else ""
        typer.echo(f"{assay.identifier}\t{measurement}\tstudies: {studies}")


@command(app, "show", [STUDY, ASSAY_ID], "Print an assay's fields and tables.")
def show(studyidentifier: str | None, assayidentifier: str) -> None:
    arc = load()
    _registered(arc, studyidentifier, assayidentifier)
    inv = arc.investigation
    assay = inv.get_assay(assayidentifier)
    typer.echo(f"Identifier: {assay.identifier}")
    typer.echo(f"Title: {assay.title}")
    for label, term in (
        ("Measurement type", assay.measurement_type),
        ("Technology type", assay.technology_type),
        ("Technology platform", assay.technology_platform),
    ):
        typer.echo(f"{label}: {term or ''}")
    typer.echo(f"Performers: {', '.join(p.display_name for p in assay.performers)}")
    typer.echo(f"Studies: {', '.join(s.identifier for s in inv.studies_of(assay.identifier))}")
    for table in assay.tables:
        typer.echo(f"Table {table.name}: {table.row_count} rows × {table.column_count} columns")
        typer.echo("  " + " | ".join(h.label for h in table.headers))
