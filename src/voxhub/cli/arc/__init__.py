"""``voxhub arc``: ArcCommander's commands on the ARC in the current folder.

Every change goes model → contracts → fulfilment on the folder, and prints
the contracts it performed (``CREATE studies/S/isa.study.xlsx``). The
commands and options are ArcCommander's (``arc i``, ``arc s``, ``arc a`` too),
voxhub's earlier spellings stay as aliases::

    voxhub arc init -i my-investigation
    voxhub arc assay add --studyidentifier S --assayidentifier A
    voxhub arc export -o isa.json
"""

from pathlib import Path
from typing import Annotated

import typer

from voxhub import __version__
from voxhub.cli.arc import assay, investigation, settings, study, top
from voxhub.cli.arc._base import STUDY, set_root
from voxhub.cli.arc.entries import Owner, add_entry_commands
from voxhub.cli.arc.kinds import PersonKind
from voxhub.isa import ARC, Contract

app = typer.Typer(
    help="Work with ARC folders with ArcCommander's commands: investigation, studies, assays, "
    "people, git.",
    no_args_is_help=True,
)
app.registered_commands += top.app.registered_commands
for _name, _sub, _alias in (
    ("investigation", investigation.app, "i"),
    ("study", study.app, "s"),
    ("assay", assay.app, "a"),
    ("config", settings.config_app, "configuration"),
    ("remote", settings.remote_app, "remoteaccess"),
):
    app.add_typer(_sub, name=_name)
    app.add_typer(_sub, name=_alias, hidden=True)


def _people(arc: ARC, study_id: str | None) -> object:
    return arc.investigation.get_study(study_id) if study_id else arc.investigation


def _write(arc: ARC, study_id: str | None) -> list[Contract]:
    return arc.update_study(study_id) if study_id else arc.update_investigation()


# voxhub's earlier 'arc person …' (the investigation's contacts, or a study's with -s)
person_app = typer.Typer(
    help="Contacts of the investigation (or of a study with -s).", no_args_is_help=True
)
app.add_typer(person_app, name="person")
add_entry_commands(
    person_app,
    PersonKind("contacts"),
    Owner("investigation (or a study: -s)", STUDY, _people, _write),
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"voxhub {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    workingdir: Annotated[
        Path,
        typer.Option(
            "--workingdir", "-p", "--arc", help="The ARC folder (default: the current folder)."
        ),
    ] = Path("."),
    verbosity: Annotated[
        int, typer.Option("--verbosity", "-v", help="Accepted for ArcCommander scripts.")
    ] = 1,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    set_root(workingdir)


__all__ = ["app"]
