"""``assays/<id>/isa.assay.xlsx``: an ``isa_assay`` metadata sheet plus one sheet per table."""

from __future__ import annotations

import re
from collections.abc import Sequence

from voxhub.isa.errors import InvalidIsa, IsaReadError
from voxhub.isa.gcpause import without_gc
from voxhub.isa.model import ArcAssay
from voxhub.isa.ontology import OntologyAnnotation
from voxhub.isa.xlsx.annotation_table import read_table_sheets, table_sheets, write_table_sheets
from voxhub.isa.xlsx.sections import (
    Rows,
    Section,
    cell_of,
    comment_rows,
    person_rows,
    read_people,
    read_sections,
    read_term,
    term_rows,
)
from voxhub.isa.xlsx.workbook import Workbook

ASSAY_SHEET = "isa_assay"
ASSAY_TITLES = {"ASSAY", "ASSAY PERFORMERS", "ASSAY METADATA"}
_PLATFORM = re.compile(r"^(.*?)\s*\(([^()]*)\)$")


def platform_text(term: OntologyAnnotation | None) -> str:
    """Technology platform as one cell: ``name`` or ``name (PREFIX:ID)``."""
    if term is None:
        return ""
    accession = term.short or term.term_accession
    return f"{term.name} ({accession})" if accession else term.name


def parse_platform(text: str) -> OntologyAnnotation | None:
    if not text:
        return None
    match = _PLATFORM.match(text)
    if match:
        term = OntologyAnnotation(match.group(1), "", match.group(2))
        return OntologyAnnotation(term.name, term.prefix or "", term.term_accession)
    return OntologyAnnotation(text)


def assay_rows(prefix: str, assays: Sequence[ArcAssay]) -> Rows:
    """Assay description rows (``Study Assay ...`` in a study, ``Assay ...`` in an assay file)."""
    return (
        [
            [f"{prefix} Identifier", *(a.identifier for a in assays)],
            [f"{prefix} Title", *(a.title for a in assays)],
            [f"{prefix} Description", *(a.description for a in assays)],
        ]
        + term_rows(f"{prefix} Measurement Type", [a.measurement_type for a in assays])
        + term_rows(f"{prefix} Technology Type", [a.technology_type for a in assays])
        + [
            [
                f"{prefix} Technology Platform",
                *(platform_text(a.technology_platform) for a in assays),
            ],
            [f"{prefix} File Name", *(a.file_name for a in assays)],
        ]
        + comment_rows([a.comments for a in assays])
    )


def read_assays(prefix: str, section: Section, source: str) -> list[ArcAssay]:
    assays = []
    for i in range(section.width):
        identifier = section.get(f"{prefix} Identifier", i)
        if not identifier:
            # ISA-Tab files name assays by file only: assays/<id>/isa.assay.xlsx
            parts = section.get(f"{prefix} File Name", i).split("/")
            identifier = parts[1] if len(parts) > 2 and parts[0] == "assays" else ""
        if not identifier:
            continue
        try:
            assay = ArcAssay(identifier)
        except InvalidIsa as exc:
            where = cell_of(section, f"{prefix} Identifier", i)
            raise IsaReadError(source, where, str(exc)) from None
        assay.title = section.get(f"{prefix} Title", i)
        assay.description = section.get(f"{prefix} Description", i)
        assay.measurement_type = read_term(section, f"{prefix} Measurement Type", i)
        assay.technology_type = read_term(section, f"{prefix} Technology Type", i)
        assay.technology_platform = parse_platform(section.get(f"{prefix} Technology Platform", i))
        assay.comments = section.comments_of(i)
        assays.append(assay)
    return assays


def metadata_sheet(wb: Workbook, names: Sequence[str]) -> str | None:
    """The metadata sheet: one of ``names`` (any case), else the first non-table sheet."""
    lowered = {n.lower(): n for n in wb.sheet_names}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    tables = set(table_sheets(wb))
    return next((s for s in wb.sheet_names if s not in tables), None)


@without_gc
def write_assay(assay: ArcAssay, existing: bytes | None = None, source: str = "") -> bytes:
    """The assay workbook; with ``existing``, update it and keep what voxhub does not own."""
    wb = Workbook.read(existing, source) if existing else Workbook.new()
    sheet = (metadata_sheet(wb, [ASSAY_SHEET]) if existing else None) or ASSAY_SHEET
    rows = (
        [["ASSAY"]]
        + assay_rows("Assay", [assay])
        + [["ASSAY PERFORMERS"]]
        + person_rows("Assay Person", assay.performers)
    )
    wb.set_sheet(sheet, rows)
    write_table_sheets(wb, assay.tables, sheet)
    return wb.to_bytes()


@without_gc
def read_assay(data: bytes, source: str, identifier: str | None = None) -> ArcAssay:
    """Read an assay workbook; ``identifier`` (the folder name) fills in a missing one."""
    wb = Workbook.read(data, source)
    try:
        sheet = metadata_sheet(wb, [ASSAY_SHEET, "Assay"])
        assay: ArcAssay | None = None
        if sheet is not None:
            sections = read_sections(wb.rows(sheet), ASSAY_TITLES, source)
            main = next((s for s in sections if s.title in ("ASSAY", "ASSAY METADATA")), None)
            if main is not None:
                found = read_assays("Assay", main, source)
                assay = found[0] if found else None
            if assay is not None:
                performers = next((s for s in sections if s.title == "ASSAY PERFORMERS"), None)
                if performers is not None:
                    assay.performers = read_people("Assay Person", performers)
        if assay is None:
            if not identifier:
                raise IsaReadError(source, None, "no assay identifier in the metadata sheet")
            assay = ArcAssay(identifier)
        for table in read_table_sheets(wb):
            assay.tables.add(table)
        return assay
    finally:
        wb.close()


__all__ = [
    "ASSAY_SHEET",
    "assay_rows",
    "metadata_sheet",
    "parse_platform",
    "platform_text",
    "read_assay",
    "read_assays",
    "write_assay",
]
