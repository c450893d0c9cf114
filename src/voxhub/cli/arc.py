"""``voxhub arc``: ArcCommander-style commands on the ARC in the current folder.

Every change goes model → contracts → fulfilment on the folder, and prints
the contracts it performed (``CREATE studies/S/isa.study.xlsx``)::

    voxhub arc init --identifier my-investigation
    voxhub arc assay add --studyidentifier S --assayidentifier A
    voxhub arc export --format isa-json --output isa.json
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from voxhub.cli._common import clean_errors
from voxhub.isa import (
    ARC,
    ArcAssay,
    ArcInvestigation,
    ArcStudy,
    Contract,
    IsaConflict,
    IsaNotFound,
    OntologyAnnotation,
    Person,
    fulfil_all,
    isajson,
    load_arc,
    write_arc_zip,
)
from voxhub.isa.fulfil import list_files
from voxhub.isa.xlsx.assay import parse_platform

app = typer.Typer(
    help="Work with ARC folders (ArcCommander-style): investigation, studies, assays, people.",
    no_args_is_help=True,
)
investigation_app = typer.Typer(help="Show or update the investigation.", no_args_is_help=True)
study_app = typer.Typer(help="Add, update, delete, list and show studies.", no_args_is_help=True)
assay_app = typer.Typer(help="Add, update, delete, list and show assays.", no_args_is_help=True)
person_app = typer.Typer(help="Register and unregister contacts.", no_args_is_help=True)
app.add_typer(investigation_app, name="investigation")
app.add_typer(study_app, name="study")
app.add_typer(assay_app, name="assay")
app.add_typer(person_app, name="person")

_state: dict[str, Path] = {"root": Path(".")}

StudyId = Annotated[
    str, typer.Option("--studyidentifier", "--identifier", "-s", help="Study identifier.")
]
AssayId = Annotated[str, typer.Option("--assayidentifier", "-a", help="Assay identifier.")]
Title = Annotated[str | None, typer.Option("--title", help="Title.")]
Description = Annotated[str | None, typer.Option("--description", help="Description.")]
Submission = Annotated[
    str | None, typer.Option("--submissiondate", help="Submission date (YYYY-MM-DD).")
]
Release = Annotated[
    str | None, typer.Option("--publicreleasedate", help="Public release date (YYYY-MM-DD).")
]


@app.callback()
def _root(
    arc: Annotated[
        Path, typer.Option("--arc", "-p", help="The ARC folder (default: the current folder).")
    ] = Path("."),
) -> None:
    _state["root"] = arc


def _load() -> ARC:
    root = _state["root"]
    if not (root / "isa.investigation.xlsx").is_file():
        raise IsaNotFound(
            f"no ARC at {root.resolve()} (isa.investigation.xlsx missing); "
            "run 'voxhub arc init' or pass --arc PATH"
        )
    return load_arc(root)


def _perform(contracts: Iterable[Contract]) -> None:
    for contract in fulfil_all(contracts, _state["root"]):
        typer.echo(str(contract))


def _set(target: object, **values: object) -> None:
    """Set the attributes given on the command line (None means 'not given')."""
    for name, value in values.items():
        if value is not None:
            setattr(target, name, value)


def _term(name: str | None, accession: str | None, source: str | None) -> OntologyAnnotation | None:
    if name is None and accession is None and source is None:
        return None
    return OntologyAnnotation(name or "", source or "", accession or "")


# -- init, export -------------------------------------------------------------------
@app.command()
@clean_errors
def init(
    identifier: Annotated[
        str | None,
        typer.Option("--identifier", "-i", help="Investigation identifier (default: folder name)."),
    ] = None,
    title: Title = None,
    description: Description = None,
    git: Annotated[bool, typer.Option("--git/--no-git", help="Also run 'git init'.")] = False,
    branch: Annotated[str, typer.Option(help="Branch name for 'git init'.")] = "main",
) -> None:
    """Create an ARC in the folder."""
    root = _state["root"]
    if (root / "isa.investigation.xlsx").exists():
        raise IsaConflict(f"{root.resolve()} already holds an ARC")
    name = identifier or re.sub(r"[^A-Za-z0-9_\- ]", "-", root.resolve().name).strip() or "arc"
    arc = ARC(ArcInvestigation(name, title=title or "", description=description or ""))
    root.mkdir(parents=True, exist_ok=True)
    arc.file_paths = set(list_files(root))
    contracts = arc.write_contracts()
    if git and not (root / ".git").exists():
        contracts.append(Contract.execute(["git", "init", "-b", branch]))
    _perform(contracts)


class ExportFormat(enum.StrEnum):
    isa_json = "isa-json"
    xlsx_zip = "xlsx-zip"


@app.command()
@clean_errors
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="What to write.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (isa-json: default stdout)."),
    ] = None,
    id_references: Annotated[
        bool,
        typer.Option(
            "--id-references",
            help="isa-json: refer to nodes, protocols and terms by @id (smaller; ARCtrl "
            "reads only the default, spelled-out form).",
        ),
    ] = False,
) -> None:
    """Export the ARC as ISA-JSON or as a zip of the ARC (ISA-XLSX files and layout)."""
    arc = _load()
    if format is ExportFormat.isa_json:
        text = isajson.dumps(arc.investigation, indent=2, id_references=id_references)
        if output is None:
            typer.echo(text)
            return
        output.write_text(text + "\n", encoding="utf-8")
    else:
        if output is None:
            raise IsaNotFound("--format xlsx-zip needs --output FILE.zip")
        output.write_bytes(write_arc_zip(arc))
    typer.echo(f"wrote {output}")


@app.command()
@clean_errors
def sync(
    message: Annotated[str, typer.Option("--message", "-m", help="Commit message.")] = (
        "Update ARC"
    ),
    pull: Annotated[bool, typer.Option("--pull/--no-pull", help="git pull first.")] = False,
    push: Annotated[bool, typer.Option("--push/--no-push", help="git push afterwards.")] = False,
) -> None:
    """Commit the ARC's changes to git (optionally pull before and push after)."""
    _load()
    root = _state["root"]
    if not (root / ".git").exists():
        raise IsaNotFound(f"{root.resolve()} is not a git repository; run 'voxhub arc init --git'")
    if pull:
        _perform([Contract.execute(["git", "pull", "--ff-only"])])
    (status,) = fulfil_all([Contract.execute(["git", "status", "--porcelain"])], root)
    if status.dto.stdout.strip():  # type: ignore[union-attr]
        _perform(
            [
                Contract.execute(["git", "add", "-A"]),
                Contract.execute(["git", "commit", "-m", message]),
            ]
        )
    else:
        typer.echo("nothing to commit")
    if push:
        _perform([Contract.execute(["git", "push"])])


# -- investigation ------------------------------------------------------------------
@investigation_app.command("update")
@clean_errors
def investigation_update(
    identifier: Annotated[str | None, typer.Option("--identifier", "-i")] = None,
    title: Title = None,
    description: Description = None,
    submissiondate: Submission = None,
    publicreleasedate: Release = None,
) -> None:
    """Change the investigation's fields."""
    arc = _load()
    inv = arc.investigation
    if identifier is not None:
        inv.identifier = identifier
    _set(
        inv,
        title=title,
        description=description,
        submission_date=submissiondate,
        public_release_date=publicreleasedate,
    )
    _perform(arc.update_investigation())


@investigation_app.command("show")
@clean_errors
def investigation_show() -> None:
    """Print the investigation's fields, studies and assays."""
    inv = _load().investigation
    typer.echo(f"Identifier: {inv.identifier}")
    typer.echo(f"Title: {inv.title}")
    typer.echo(f"Description: {inv.description}")
    typer.echo(f"Contacts: {', '.join(p.display_name for p in inv.contacts)}")
    typer.echo(f"Studies: {', '.join(inv.study_identifiers)}")
    typer.echo(f"Assays: {', '.join(inv.assay_identifiers)}")


# -- studies ----------------------------------------------------------------------------
@study_app.command("add")
@clean_errors
def study_add(
    identifier: StudyId,
    title: Title = None,
    description: Description = None,
    submissiondate: Submission = None,
    publicreleasedate: Release = None,
) -> None:
    """Add a study (its folder and registration in the investigation)."""
    arc = _load()
    study = ArcStudy(identifier)
    _set(
        study,
        title=title,
        description=description,
        submission_date=submissiondate,
        public_release_date=publicreleasedate,
    )
    _perform(arc.add_study(study))


@study_app.command("update")
@clean_errors
def study_update(
    identifier: StudyId,
    title: Title = None,
    description: Description = None,
    submissiondate: Submission = None,
    publicreleasedate: Release = None,
) -> None:
    """Change a study's fields."""
    arc = _load()
    study = arc.investigation.get_study(identifier)
    _set(
        study,
        title=title,
        description=description,
        submission_date=submissiondate,
        public_release_date=publicreleasedate,
    )
    _perform(arc.update_study(identifier))


@study_app.command("delete")
@clean_errors
def study_delete(identifier: StudyId) -> None:
    """Delete a study's folder and drop it from the investigation (its assays stay)."""
    arc = _load()
    _perform(arc.remove_study(identifier))


@study_app.command("list")
@clean_errors
def study_list() -> None:
    """List studies with the assays they register."""
    for study in _load().investigation.studies:
        assays = ", ".join(study.registered_assay_identifiers) or "-"
        typer.echo(f"{study.identifier}\t{study.title}\tassays: {assays}")


@study_app.command("show")
@clean_errors
def study_show(identifier: StudyId) -> None:
    """Print a study's fields, tables and assays."""
    study = _load().investigation.get_study(identifier)
    typer.echo(f"Identifier: {study.identifier}")
    typer.echo(f"Title: {study.title}")
    typer.echo(f"Description: {study.description}")
    typer.echo(f"Submission date: {study.submission_date}")
    typer.echo(f"Public release date: {study.public_release_date}")
    typer.echo(f"Assays: {', '.join(study.registered_assay_identifiers)}")
    for table in study.tables:
        typer.echo(f"Table {table.name}: {table.row_count} rows × {table.column_count} columns")


# -- assays -----------------------------------------------------------------------------
def _assay_fields(
    assay: ArcAssay,
    title: str | None,
    description: str | None,
    measurement: OntologyAnnotation | None,
    technology: OntologyAnnotation | None,
    platform: str | None,
) -> None:
    _set(assay, title=title, description=description)
    if measurement is not None:
        assay.measurement_type = measurement
    if technology is not None:
        assay.technology_type = technology
    if platform is not None:
        assay.technology_platform = parse_platform(platform)


MeasurementType = Annotated[str | None, typer.Option("--measurementtype")]
MeasurementAccession = Annotated[str | None, typer.Option("--measurementtypetermaccessionnumber")]
MeasurementSource = Annotated[str | None, typer.Option("--measurementtypetermsourceref")]
TechnologyType = Annotated[str | None, typer.Option("--technologytype")]
TechnologyAccession = Annotated[str | None, typer.Option("--technologytypetermaccessionnumber")]
TechnologySource = Annotated[str | None, typer.Option("--technologytypetermsourceref")]
Platform = Annotated[str | None, typer.Option("--technologyplatform")]


@assay_app.command("add")
@clean_errors
def assay_add(
    studyidentifier: Annotated[
        str, typer.Option("--studyidentifier", "-s", help="Study to register the assay in.")
    ],
    assayidentifier: AssayId,
    title: Title = None,
    description: Description = None,
    measurementtype: MeasurementType = None,
    measurementtypetermaccessionnumber: MeasurementAccession = None,
    measurementtypetermsourceref: MeasurementSource = None,
    technologytype: TechnologyType = None,
    technologytypetermaccessionnumber: TechnologyAccession = None,
    technologytypetermsourceref: TechnologySource = None,
    technologyplatform: Platform = None,
) -> None:
    """Add an assay registered to a study; the study is created when it does not exist."""
    arc = _load()
    assay = ArcAssay(assayidentifier)
    _assay_fields(
        assay,
        title,
        description,
        _term(measurementtype, measurementtypetermaccessionnumber, measurementtypetermsourceref),
        _term(technologytype, technologytypetermaccessionnumber, technologytypetermsourceref),
        technologyplatform,
    )
    _perform(arc.add_assay(assay, studyidentifier))


@assay_app.command("update")
@clean_errors
def assay_update(
    assayidentifier: AssayId,
    title: Title = None,
    description: Description = None,
    measurementtype: MeasurementType = None,
    measurementtypetermaccessionnumber: MeasurementAccession = None,
    measurementtypetermsourceref: MeasurementSource = None,
    technologytype: TechnologyType = None,
    technologytypetermaccessionnumber: TechnologyAccession = None,
    technologytypetermsourceref: TechnologySource = None,
    technologyplatform: Platform = None,
) -> None:
    """Change an assay's fields (in its file, its studies and the investigation)."""
    arc = _load()
    assay = arc.investigation.get_assay(assayidentifier)
    _assay_fields(
        assay,
        title,
        description,
        _term(measurementtype, measurementtypetermaccessionnumber, measurementtypetermsourceref),
        _term(technologytype, technologytypetermaccessionnumber, technologytypetermsourceref),
        technologyplatform,
    )
    _perform(arc.update_assay(assayidentifier))


@assay_app.command("register")
@clean_errors
def assay_register(
    studyidentifier: Annotated[str, typer.Option("--studyidentifier", "-s")],
    assayidentifier: AssayId,
) -> None:
    """Register an existing assay in one more study."""
    arc = _load()
    _perform(arc.register_assay(studyidentifier, assayidentifier))


@assay_app.command("unregister")
@clean_errors
def assay_unregister(
    studyidentifier: Annotated[str, typer.Option("--studyidentifier", "-s")],
    assayidentifier: AssayId,
) -> None:
    """Remove an assay's registration from a study (the assay stays)."""
    arc = _load()
    _perform(arc.unregister_assay(studyidentifier, assayidentifier))


@assay_app.command("delete")
@clean_errors
def assay_delete(assayidentifier: AssayId) -> None:
    """Delete an assay's folder and every registration of it."""
    arc = _load()
    _perform(arc.remove_assay(assayidentifier))


@assay_app.command("list")
@clean_errors
def assay_list(
    studyidentifier: Annotated[
        str | None, typer.Option("--studyidentifier", "-s", help="Only this study's assays.")
    ] = None,
) -> None:
    """List assays and the studies that register them."""
    inv = _load().investigation
    assays = (
        [inv.get_assay(a) for a in inv.get_study(studyidentifier).registered_assay_identifiers]
        if studyidentifier
        else list(inv.assays)
    )
    for assay in assays:
        studies = ", ".join(s.identifier for s in inv.studies_of(assay.identifier)) or "-"
        measurement = assay.measurement_type.name if assay.measurement_type else ""
        typer.echo(f"{assay.identifier}\t{measurement}\tstudies: {studies}")


@assay_app.command("show")
@clean_errors
def assay_show(assayidentifier: AssayId) -> None:
    """Print an assay's fields and tables."""
    inv = _load().investigation
    assay = inv.get_assay(assayidentifier)
    typer.echo(f"Identifier: {assay.identifier}")
    typer.echo(f"Title: {assay.title}")
    for label, term in (
        ("Measurement type", assay.measurement_type),
        ("Technology type", assay.technology_type),
        ("Technology platform", assay.technology_platform),
    ):
        typer.echo(f"{label}: {term or ''}")
    typer.echo(f"Studies: {', '.join(s.identifier for s in inv.studies_of(assay.identifier))}")
    for table in assay.tables:
        typer.echo(f"Table {table.name}: {table.row_count} rows × {table.column_count} columns")
        typer.echo("  " + " | ".join(h.label for h in table.headers))


# -- people -----------------------------------------------------------------------------
def _people_of(arc: ARC, studyidentifier: str | None) -> list[Person]:
    """The contact list of the investigation or of a study."""
    if studyidentifier:
        return arc.investigation.get_study(studyidentifier).contacts
    return arc.investigation.contacts


def _write_people(arc: ARC, studyidentifier: str | None) -> list[Contract]:
    if studyidentifier:
        return arc.update_study(studyidentifier)
    return arc.update_investigation()


@person_app.command("register")
@clean_errors
def person_register(
    lastname: Annotated[str, typer.Option("--lastname", "-l")],
    firstname: Annotated[str, typer.Option("--firstname", "-f")],
    midinitials: Annotated[str, typer.Option("--midinitials")] = "",
    email: Annotated[str, typer.Option("--email")] = "",
    phone: Annotated[str, typer.Option("--phone")] = "",
    fax: Annotated[str, typer.Option("--fax")] = "",
    address: Annotated[str, typer.Option("--address")] = "",
    affiliation: Annotated[str, typer.Option("--affiliation")] = "",
    orcid: Annotated[str, typer.Option("--orcid")] = "",
    roles: Annotated[str, typer.Option("--roles", help="Roles, separated by ';'.")] = "",
    rolestermaccessionnumber: Annotated[str, typer.Option("--rolestermaccessionnumber")] = "",
    rolestermsourceref: Annotated[str, typer.Option("--rolestermsourceref")] = "",
    studyidentifier: Annotated[
        str | None, typer.Option("--studyidentifier", "-s", help="Register with this study.")
    ] = None,
) -> None:
    """Add a contact to the investigation (or to a study)."""
    arc = _load()
    people = _people_of(arc, studyidentifier)
    if any(p.last_name == lastname and p.first_name == firstname for p in people):
        raise IsaConflict(f"{firstname} {lastname} is already registered")
    names, accessions, sources = (
        roles.split(";") if roles else [],
        rolestermaccessionnumber.split(";"),
        rolestermsourceref.split(";"),
    )
    person = Person(
        last_name=lastname,
        first_name=firstname,
        mid_initials=midinitials,
        email=email,
        phone=phone,
        fax=fax,
        address=address,
        affiliation=affiliation,
        orcid=orcid,
        roles=[
            OntologyAnnotation(
                n,
                sources[i] if i < len(sources) else "",
                accessions[i] if i < len(accessions) else "",
            )
            for i, n in enumerate(names)
        ],
    )
    people.append(person)
    _perform(_write_people(arc, studyidentifier))


@person_app.command("unregister")
@clean_errors
def person_unregister(
    lastname: Annotated[str, typer.Option("--lastname", "-l")],
    firstname: Annotated[str, typer.Option("--firstname", "-f")],
    studyidentifier: Annotated[str | None, typer.Option("--studyidentifier", "-s")] = None,
) -> None:
    """Remove a contact from the investigation (or from a study)."""
    arc = _load()
    people = _people_of(arc, studyidentifier)
    match = [p for p in people if p.last_name == lastname and p.first_name == firstname]
    if not match:
        raise IsaNotFound(f"no contact {firstname} {lastname}")
    people.remove(match[0])
    _perform(_write_people(arc, studyidentifier))


@person_app.command("list")
@clean_errors
def person_list(
    studyidentifier: Annotated[str | None, typer.Option("--studyidentifier", "-s")] = None,
) -> None:
    """List the contacts of the investigation (or of a study)."""
    people = _people_of(_load(), studyidentifier)
    for p in people:
        roles = ", ".join(r.name for r in p.roles)
        typer.echo(f"{p.display_name}\t{p.email}\t{roles}")
