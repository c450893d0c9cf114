"""Row-label metadata sheets (``isa_investigation``, ``isa_study``, ``isa_assay``).

A metadata sheet is a list of sections. A section starts with an upper-case
title row (``INVESTIGATION CONTACTS``); each following row has a label in
column A and one value per entity in columns B, C, ... (one column per
person, publication, term ...). ``Comment[key]`` rows attach to the entities
of the section they stand in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from voxhub.isa.errors import IsaReadError
from voxhub.isa.ontology import OntologyAnnotation, OntologySourceReference
from voxhub.isa.people import Comment, Person, Publication
from voxhub.isa.xlsx.workbook import cell_text

_COMMENT = re.compile(r"^Comment\s*\[(.*)\]$")
Rows = list[list[str]]


@dataclass
class Section:
    """One titled section: its rows by label (values per entity) and where each row stands."""

    title: str
    row: int
    values: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    comments: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def width(self) -> int:
        lengths = [len(v) for v in self.values.values()] + [len(v) for _, v in self.comments]
        return max(lengths, default=0)

    def get(self, label: str, index: int = 0) -> str:
        values = self.values.get(label, [])
        return values[index] if index < len(values) else ""

    def comments_of(self, index: int) -> list[Comment]:
        return [
            Comment(key, values[index] if index < len(values) else "")
            for key, values in self.comments
            if index < len(values) and values[index]
        ]


def read_sections(rows: Iterable[Sequence[object]], titles: set[str], source: str) -> list[Section]:
    """Split sheet rows into sections; a row before any title is an error."""
    sections: list[Section] = []
    for number, raw in enumerate(rows, start=1):
        if not raw:
            continue
        label = cell_text(raw[0]).strip()
        values = [cell_text(v) for v in raw[1:]]
        while values and not values[-1]:
            values.pop()
        if not label:
            if values:
                raise IsaReadError(source, f"cell A{number}", "value row without a label")
            continue
        if label in titles:
            sections.append(Section(label, number))
            continue
        if not sections:
            raise IsaReadError(source, f"cell A{number}", f"'{label}' stands before any section")
        section = sections[-1]
        comment = _COMMENT.match(label)
        if comment:
            section.comments.append((comment.group(1).strip(), values))
        elif label in section.values:
            raise IsaReadError(source, f"cell A{number}", f"duplicate row '{label}'")
        else:
            section.values[label] = values
            section.rows[label] = number
    return sections


def comment_rows(items: Sequence[Sequence[Comment]]) -> Rows:
    """``Comment[key]`` rows for entities, keys in first-seen order."""
    keys: list[str] = []
    for comments in items:
        for c in comments:
            if c.name not in keys:
                keys.append(c.name)
    rows = []
    for key in keys:
        values = [next((c.value for c in comments if c.name == key), "") for comments in items]
        rows.append([f"Comment[{key}]", *values])
    return rows


def term_rows(label: str, terms: Sequence[OntologyAnnotation | None]) -> Rows:
    """Three rows for terms: name, accession, source (the ISA-Tab order)."""
    filled = [t or OntologyAnnotation() for t in terms]
    return [
        [label, *(t.name for t in filled)],
        [f"{label} Term Accession Number", *(t.term_accession for t in filled)],
        [f"{label} Term Source REF", *(t.term_source_ref for t in filled)],
    ]


def read_term(section: Section, label: str, index: int = 0) -> OntologyAnnotation | None:
    term = OntologyAnnotation(
        section.get(label, index),
        section.get(f"{label} Term Source REF", index),
        section.get(f"{label} Term Accession Number", index),
    )
    return None if term.is_empty else term


def read_terms(section: Section, label: str) -> list[OntologyAnnotation]:
    width = max(
        len(section.values.get(label, [])),
        len(section.values.get(f"{label} Term Source REF", [])),
        len(section.values.get(f"{label} Term Accession Number", [])),
    )
    return [read_term(section, label, i) or OntologyAnnotation() for i in range(width)]


def _split(text: str) -> list[str]:
    return text.split(";") if text else []


def person_rows(prefix: str, people: Sequence[Person]) -> Rows:
    def col(getter: Callable[[Person], str]) -> list[str]:
        return [getter(p) for p in people]

    rows = [
        [f"{prefix} Last Name", *col(lambda p: p.last_name)],
        [f"{prefix} First Name", *col(lambda p: p.first_name)],
        [f"{prefix} Mid Initials", *col(lambda p: p.mid_initials)],
        [f"{prefix} Email", *col(lambda p: p.email)],
        [f"{prefix} Phone", *col(lambda p: p.phone)],
        [f"{prefix} Fax", *col(lambda p: p.fax)],
        [f"{prefix} Address", *col(lambda p: p.address)],
        [f"{prefix} Affiliation", *col(lambda p: p.affiliation)],
        [f"{prefix} Roles", *col(lambda p: ";".join(r.name for r in p.roles))],
        [
            f"{prefix} Roles Term Accession Number",
            *col(lambda p: ";".join(r.term_accession for r in p.roles)),
        ],
        [
            f"{prefix} Roles Term Source REF",
            *col(lambda p: ";".join(r.term_source_ref for r in p.roles)),
        ],
    ]
    comments = [([Comment("ORCID", p.orcid)] if p.orcid else []) + p.comments for p in people]
    return rows + comment_rows(comments)


def read_people(prefix: str, section: Section) -> list[Person]:
    people = []
    for i in range(section.width):
        names = _split(section.get(f"{prefix} Roles", i))
        sources = _split(section.get(f"{prefix} Roles Term Source REF", i))
        accessions = _split(section.get(f"{prefix} Roles Term Accession Number", i))
        roles = [
            OntologyAnnotation(
                name,
                sources[k] if k < len(sources) else "",
                accessions[k] if k < len(accessions) else "",
            )
            for k, name in enumerate(names)
        ]
        comments = section.comments_of(i)
        orcid = next((c.value for c in comments if c.name == "ORCID"), "")
        people.append(
            Person(
                last_name=section.get(f"{prefix} Last Name", i),
                first_name=section.get(f"{prefix} First Name", i),
                mid_initials=section.get(f"{prefix} Mid Initials", i),
                email=section.get(f"{prefix} Email", i),
                phone=section.get(f"{prefix} Phone", i),
                fax=section.get(f"{prefix} Fax", i),
                address=section.get(f"{prefix} Address", i),
                affiliation=section.get(f"{prefix} Affiliation", i),
                orcid=orcid,
                roles=roles,
                comments=[c for c in comments if c.name != "ORCID"],
            )
        )
    return people


def publication_rows(prefix: str, publications: Sequence[Publication]) -> Rows:
    return (
        [
            [f"{prefix} PubMed ID", *(p.pubmed_id for p in publications)],
            [f"{prefix} DOI", *(p.doi for p in publications)],
            [f"{prefix} Author List", *(p.authors for p in publications)],
            [f"{prefix} Title", *(p.title for p in publications)],
        ]
        + term_rows(f"{prefix} Status", [p.status for p in publications])
        + comment_rows([p.comments for p in publications])
    )


def read_publications(prefix: str, section: Section) -> list[Publication]:
    return [
        Publication(
            pubmed_id=section.get(f"{prefix} PubMed ID", i),
            doi=section.get(f"{prefix} DOI", i),
            authors=section.get(f"{prefix} Author List", i),
            title=section.get(f"{prefix} Title", i),
            status=read_term(section, f"{prefix} Status", i),
            comments=section.comments_of(i),
        )
        for i in range(section.width)
    ]


def source_rows(sources: Sequence[OntologySourceReference]) -> Rows:
    return [
        ["Term Source Name", *(s.name for s in sources)],
        ["Term Source File", *(s.file for s in sources)],
        ["Term Source Version", *(s.version for s in sources)],
        ["Term Source Description", *(s.description for s in sources)],
    ] + comment_rows([s.comments for s in sources])


def read_sources(section: Section) -> list[OntologySourceReference]:
    return [
        OntologySourceReference(
            name=section.get("Term Source Name", i),
            file=section.get("Term Source File", i),
            version=section.get("Term Source Version", i),
            description=section.get("Term Source Description", i),
            comments=section.comments_of(i),
        )
        for i in range(section.width)
    ]


def cell_of(section: Section, label: str, index: int = 0) -> str:
    """Spreadsheet coordinates of a value, for error messages."""
    row = section.rows.get(label, section.row)
    return f"cell {get_column_letter(index + 2)}{row}"


__all__ = [
    "Section",
    "cell_of",
    "comment_rows",
    "person_rows",
    "publication_rows",
    "read_people",
    "read_publications",
    "read_sections",
    "read_sources",
    "read_term",
    "read_terms",
    "source_rows",
    "term_rows",
]
