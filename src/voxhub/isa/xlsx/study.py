"""The STUDY block (in the investigation and in ``studies/<id>/isa.study.xlsx``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from voxhub.isa.errors import InvalidIsa, IsaReadError
from voxhub.isa.gcpause import without_gc
from voxhub.isa.model import ArcAssay, ArcStudy
from voxhub.isa.xlsx.annotation_table import read_table_sheets, write_table_sheets
from voxhub.isa.xlsx.assay import assay_rows, metadata_sheet, read_assays
from voxhub.isa.xlsx.sections import (
    Rows,
    Section,
    cell_of,
    comment_rows,
    person_rows,
    publication_rows,
    read_people,
    read_publications,
    read_sections,
    read_terms,
    term_rows,
)
from voxhub.isa.xlsx.workbook import Workbook

STUDY_SHEET = "isa_study"
STUDY_TITLES = {
    "STUDY",
    "STUDY DESIGN DESCRIPTORS",
    "STUDY PUBLICATIONS",
    "STUDY FACTORS",
    "STUDY ASSAYS",
    "STUDY PROTOCOLS",
    "STUDY CONTACTS",
    "STUDY METADATA",
}
_PROTOCOL_LABELS = [
    "Study Protocol Name",
    "Study Protocol Type",
    "Study Protocol Type Term Accession Number",
    "Study Protocol Type Term Source REF",
    "Study Protocol Description",
    "Study Protocol URI",
    "Study Protocol Version",
    "Study Protocol Parameters Name",
    "Study Protocol Parameters Term Accession Number",
    "Study Protocol Parameters Term Source REF",
    "Study Protocol Components Name",
    "Study Protocol Components Type",
    "Study Protocol Components Type Term Accession Number",
    "Study Protocol Components Type Term Source REF",
]
_FACTOR_LABELS = [
    "Study Factor Name",
    "Study Factor Type",
    "Study Factor Type Term Accession Number",
    "Study Factor Type Term Source REF",
]


@dataclass
class StudyBlock:
    """A study as its block describes it, with the assays the block lists."""

    study: ArcStudy
    assays: list[ArcAssay] = field(default_factory=list)


def study_rows(study: ArcStudy, assays: Sequence[ArcAssay]) -> Rows:
    """The STUDY block; protocols and factors are derived from tables, so left empty here."""
    return (
        [
            ["STUDY"],
            ["Study Identifier", study.identifier],
            ["Study Title", study.title],
            ["Study Description", study.description],
            ["Study Submission Date", study.submission_date],
            ["Study Public Release Date", study.public_release_date],
            ["Study File Name", study.file_name],
        ]
        + comment_rows([study.comments])
        + [["STUDY DESIGN DESCRIPTORS"]]
        + term_rows("Study Design Type", study.design_descriptors)
        + [["STUDY PUBLICATIONS"]]
        + publication_rows("Study Publication", study.publications)
        + [["STUDY FACTORS"]]
        + [[label] for label in _FACTOR_LABELS]
        + [["STUDY ASSAYS"]]
        + assay_rows("Study Assay", assays)
        + [["STUDY PROTOCOLS"]]
        + [[label] for label in _PROTOCOL_LABELS]
        + [["STUDY CONTACTS"]]
        + person_rows("Study Person", study.contacts)
    )


def read_study_block(sections: Sequence[Section], source: str) -> StudyBlock:
    """A study from its sections (the first one titled STUDY)."""
    main = sections[0]
    identifier = main.get("Study Identifier")
    if not identifier:
        parts = main.get("Study File Name").split("/")
        identifier = parts[1] if len(parts) > 2 and parts[0] == "studies" else ""
    try:
        study = ArcStudy(identifier)
    except InvalidIsa as exc:
        raise IsaReadError(source, cell_of(main, "Study Identifier"), str(exc)) from None
    study.title = main.get("Study Title")
    study.description = main.get("Study Description")
    study.submission_date = main.get("Study Submission Date")
    study.public_release_date = main.get("Study Public Release Date")
    study.comments = main.comments_of(0)
    block = StudyBlock(study)
    for section in sections[1:]:
        if section.title == "STUDY DESIGN DESCRIPTORS":
            study.design_descriptors = read_terms(section, "Study Design Type")
        elif section.title == "STUDY PUBLICATIONS":
            study.publications = read_publications("Study Publication", section)
        elif section.title == "STUDY CONTACTS":
            study.contacts = read_people("Study Person", section)
        elif section.title == "STUDY ASSAYS":
            block.assays = read_assays("Study Assay", section, source)
    return block


def split_study_blocks(sections: Sequence[Section]) -> list[list[Section]]:
    blocks: list[list[Section]] = []
    for section in sections:
        if section.title in ("STUDY", "STUDY METADATA"):
            blocks.append([section])
        elif section.title in STUDY_TITLES and blocks:
            blocks[-1].append(section)
    return blocks


@without_gc
def write_study(
    study: ArcStudy, assays: Sequence[ArcAssay], existing: bytes | None = None, source: str = ""
) -> bytes:
    """The study workbook; ``assays`` are the ones it registers (described in STUDY ASSAYS)."""
    wb = Workbook.read(existing, source) if existing else Workbook.new()
    sheet = (metadata_sheet(wb, [STUDY_SHEET]) if existing else None) or STUDY_SHEET
    wb.set_sheet(sheet, study_rows(study, assays))
    write_table_sheets(wb, study.tables, sheet)
    return wb.to_bytes()


@without_gc
def read_study(data: bytes, source: str, identifier: str | None = None) -> StudyBlock:
    wb = Workbook.read(data, source)
    try:
        sheet = metadata_sheet(wb, [STUDY_SHEET, "Study"])
        block: StudyBlock | None = None
        if sheet is not None:
            blocks = split_study_blocks(read_sections(wb.rows(sheet), STUDY_TITLES, source))
            if blocks:
                block = read_study_block(blocks[0], source)
        if block is None:
            if not identifier:
                raise IsaReadError(source, None, "no study identifier in the metadata sheet")
            block = StudyBlock(ArcStudy(identifier))
        for table in read_table_sheets(wb):
            block.study.tables.add(table)
        return block
    finally:
        wb.close()


__all__ = [
    "STUDY_SHEET",
    "STUDY_TITLES",
    "StudyBlock",
    "read_study",
    "read_study_block",
    "split_study_blocks",
    "study_rows",
    "write_study",
]
