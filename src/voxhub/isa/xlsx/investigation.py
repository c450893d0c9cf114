"""``isa.investigation.xlsx``: the row-label investigation sheet.

Sections, in order: ONTOLOGY SOURCE REFERENCE, INVESTIGATION, INVESTIGATION
PUBLICATIONS, INVESTIGATION CONTACTS, then one STUDY block per registered
study (STUDY, STUDY DESIGN DESCRIPTORS, STUDY PUBLICATIONS, STUDY FACTORS,
STUDY ASSAYS, STUDY PROTOCOLS, STUDY CONTACTS).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voxhub.isa.errors import InvalidIsa, IsaReadError
from voxhub.isa.model import ArcInvestigation
from voxhub.isa.xlsx.assay import metadata_sheet
from voxhub.isa.xlsx.sections import (
    Rows,
    cell_of,
    comment_rows,
    person_rows,
    publication_rows,
    read_people,
    read_publications,
    read_sections,
    read_sources,
    source_rows,
)
from voxhub.isa.xlsx.study import (
    STUDY_TITLES,
    StudyBlock,
    read_study_block,
    split_study_blocks,
    study_rows,
)
from voxhub.isa.xlsx.workbook import Workbook

INVESTIGATION_SHEET = "isa_investigation"
INVESTIGATION_TITLES = STUDY_TITLES | {
    "ONTOLOGY SOURCE REFERENCE",
    "INVESTIGATION",
    "INVESTIGATION PUBLICATIONS",
    "INVESTIGATION CONTACTS",
}


@dataclass
class InvestigationFile:
    """An investigation as its file describes it: its own fields and its study blocks."""

    investigation: ArcInvestigation
    studies: list[StudyBlock] = field(default_factory=list)


def investigation_rows(investigation: ArcInvestigation) -> Rows:
    inv = investigation
    rows: Rows = (
        [["ONTOLOGY SOURCE REFERENCE"]]
        + source_rows(inv.ontology_source_references)
        + [
            ["INVESTIGATION"],
            ["Investigation Identifier", inv.identifier],
            ["Investigation Title", inv.title],
            ["Investigation Description", inv.description],
            ["Investigation Submission Date", inv.submission_date],
            ["Investigation Public Release Date", inv.public_release_date],
        ]
        + comment_rows([inv.comments])
        + [["INVESTIGATION PUBLICATIONS"]]
        + publication_rows("Investigation Publication", inv.publications)
        + [["INVESTIGATION CONTACTS"]]
        + person_rows("Investigation Person", inv.contacts)
    )
    for study in inv.studies:
        assays = [inv.get_assay(a) for a in study.registered_assay_identifiers]
        rows += study_rows(study, assays)
    return rows


def write_investigation(
    investigation: ArcInvestigation, existing: bytes | None = None, source: str = ""
) -> bytes:
    wb = Workbook.read(existing, source) if existing else Workbook.new()
    sheet = (metadata_sheet(wb, [INVESTIGATION_SHEET]) if existing else None) or INVESTIGATION_SHEET
    wb.set_sheet(sheet, investigation_rows(investigation))
    return wb.to_bytes()


def read_investigation(data: bytes, source: str) -> InvestigationFile:
    wb = Workbook.read(data, source)
    try:
        sheet = metadata_sheet(wb, [INVESTIGATION_SHEET, "Investigation"])
        if sheet is None:
            raise IsaReadError(source, None, "no investigation sheet")
        sections = read_sections(wb.rows(sheet), INVESTIGATION_TITLES, source)
    finally:
        wb.close()
    main = next((s for s in sections if s.title == "INVESTIGATION"), None)
    if main is None:
        raise IsaReadError(source, f"sheet '{sheet}'", "no INVESTIGATION section")
    try:
        inv = ArcInvestigation(main.get("Investigation Identifier"))
    except InvalidIsa as exc:
        raise IsaReadError(source, cell_of(main, "Investigation Identifier"), str(exc)) from None
    inv.title = main.get("Investigation Title")
    inv.description = main.get("Investigation Description")
    inv.submission_date = main.get("Investigation Submission Date")
    inv.public_release_date = main.get("Investigation Public Release Date")
    inv.comments = main.comments_of(0)
    for section in sections:
        if section.title == "ONTOLOGY SOURCE REFERENCE":
            inv.ontology_source_references = read_sources(section)
        elif section.title == "INVESTIGATION PUBLICATIONS":
            inv.publications = read_publications("Investigation Publication", section)
        elif section.title == "INVESTIGATION CONTACTS":
            inv.contacts = read_people("Investigation Person", section)
    blocks = [read_study_block(b, source) for b in split_study_blocks(sections)]
    return InvestigationFile(inv, blocks)


__all__ = [
    "INVESTIGATION_SHEET",
    "InvestigationFile",
    "investigation_rows",
    "read_investigation",
    "write_investigation",
]
