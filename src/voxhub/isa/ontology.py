"""Ontology terms: :class:`OntologyAnnotation` and :class:`OntologySourceReference`.

An accession is kept exactly as it was given; ``short``, ``purl`` and
``original`` are views of it. Any input whose last path segment is
``PREFIX:ID`` or ``PREFIX_ID`` is understood: a short id (``EFO:0000721``), an
OBO PURL (``http://purl.obolibrary.org/obo/EFO_0000721``), another IRI
(``http://www.ebi.ac.uk/efo/EFO_0000721``), bioregistry links or OLS links
whose IRI is percent-encoded (as ARCtrl writes them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote

from voxhub.isa.people import Comment

OBO_PURL = "http://purl.obolibrary.org/obo/"
# Ontologies whose terms resolve under OBO_PURL (OBO Foundry / OBO library prefixes that
# ARC annotations use). Terms of other ontologies (EFO, SNOMED, ...) have IRIs of their own,
# so no PURL is made up for them.
OBO_PREFIXES = frozenset(
    """AGRO APO BFO BTO CHEBI CHMO CL CLO CMO DOID ECO ENVO EO FBBI FBBT FOODON GENEPIO GO
    HP IAO MI MIRO MOD MONDO MP MS NCBITAXON NCIT OBA OBI OGMS OMIT OMP PATO PCO PECO PO PR
    PSI RO SBO SO STATO TO UBERON UO VO XAO XCO ZFA""".split()
)

_TAIL = re.compile(r"^([A-Za-z][A-Za-z0-9.\-]*?)[:_]([A-Za-z0-9]+)$")


@lru_cache(maxsize=4096)
def parse_accession(accession: str) -> tuple[str, str] | None:
    """Split an accession into ``(prefix, local id)``, or None when it names no ``PREFIX_ID``."""
    text = accession.strip()
    # OLS links nest the IRI percent-encoded (sometimes twice).
    for _ in range(3):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    tail = re.split(r"[/#=]", text)[-1]
    match = _TAIL.match(tail)
    if match is None:
        return None
    return match.group(1), match.group(2)


@dataclass(frozen=True, slots=True)
class OntologyAnnotation:
    """A term: human name, the ontology it comes from (``term_source_ref``) and its accession."""

    name: str = ""
    term_source_ref: str = ""
    term_accession: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.term_source_ref or self.term_accession)

    @property
    def original(self) -> str:
        """The accession exactly as given."""
        return self.term_accession

    @property
    def prefix(self) -> str | None:
        parsed = parse_accession(self.term_accession) if self.term_accession else None
        return parsed[0] if parsed else None

    @property
    def short(self) -> str | None:
        """``PREFIX:ID`` (e.g. ``EFO:0000721``), or None when the accession has no such form."""
        parsed = parse_accession(self.term_accession) if self.term_accession else None
        return f"{parsed[0]}:{parsed[1]}" if parsed else None

    @property
    def purl(self) -> str | None:
        """The OBO PURL (``http://purl.obolibrary.org/obo/UO_0000027``), or None when the
        term is not from an OBO ontology (EFO's ``EFO_0000721`` lives at its own IRI)."""
        parsed = parse_accession(self.term_accession) if self.term_accession else None
        if parsed is None or parsed[0].upper() not in OBO_PREFIXES:
            return None
        return f"{OBO_PURL}{parsed[0]}_{parsed[1]}"

    def same_term(self, other: OntologyAnnotation) -> bool:
        """True when both name the same term, whatever form each accession was written in."""
        if self.name != other.name:
            return False
        if self.short is not None and other.short is not None:
            return self.short == other.short
        return self.term_accession == other.term_accession

    def __str__(self) -> str:
        return self.name if not self.short else f"{self.name} ({self.short})"


@dataclass(slots=True)
class OntologySourceReference:
    """An ontology the investigation uses (ISA ``ontologySourceReferences``)."""

    name: str = ""
    file: str = ""
    version: str = ""
    description: str = ""
    comments: list[Comment] = field(default_factory=list)


__all__ = ["OBO_PURL", "OntologyAnnotation", "OntologySourceReference", "parse_accession"]
