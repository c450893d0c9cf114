"""People, publications and design descriptors as ArcCommander's flat option lists."""

import inspect
from typing import Any

from voxhub.cli.arc._base import option, term, term_options
from voxhub.cli.arc.entries import Flat, Kind
from voxhub.isa import OntologyAnnotation, Person, Publication


def _terms(names: str, accessions: str, sources: str) -> list[OntologyAnnotation]:
    """ArcCommander's ``a;b`` lists, accession and source lists aligned with the names."""
    if not names and not accessions and not sources:
        return []
    split = [names.split(";"), accessions.split(";"), sources.split(";")]
    count = max(len(s) for s in split)
    return [
        OntologyAnnotation(
            *(s[i].strip() if i < len(s) else "" for s in (split[0], split[2], split[1]))
        )
        for i in range(count)
    ]


def _joined(terms: list[OntologyAnnotation]) -> tuple[str, str, str]:
    return (
        ";".join(t.name for t in terms),
        ";".join(t.term_accession for t in terms),
        ";".join(t.term_source_ref for t in terms),
    )


def _term_fields(oa: OntologyAnnotation | None) -> tuple[str, str, str]:
    return ("", "", "") if oa is None else (oa.name, oa.term_accession, oa.term_source_ref)


class PersonKind(Kind):
    noun = "person"
    key = (
        option("lastname", "-l", help="Last name."),
        option("firstname", "-f", help="First name."),
    )
    optional_key = (option("midinitials", "-m", help="Middle initials."),)
    values = (
        option("email", help="E-mail address."),
        option("phone", help="Telephone number."),
        option("fax", help="Fax number."),
        option("address", help="Postal address."),
        option("affiliation", help="Organisation."),
        option("orcid", help="ORCID iD."),
        *term_options("roles", "Roles"),
    )
    _attrs = (
        "last_name",
        "first_name",
        "mid_initials",
        "email",
        "phone",
        "fax",
        "address",
        "affiliation",
        "orcid",
    )

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute  # "contacts" or "performers"

    def entries(self, owner: Any) -> list[Any]:
        return getattr(owner, self.attribute)

    def to_flat(self, entry: Person) -> Flat:
        names = [p.name for p in (*self.key, *self.optional_key, *self.values[:6])]
        flat = {n: getattr(entry, a) for n, a in zip(names, self._attrs, strict=True)}
        roles = _joined(entry.roles)
        flat.update(
            zip(("roles", "rolestermaccessionnumber", "rolestermsourceref"), roles, strict=True)
        )
        return flat

    def from_flat(self, flat: Flat, base: Person | None) -> Person:
        names = [p.name for p in (*self.key, *self.optional_key, *self.values[:6])]
        return Person(
            **{a: flat.get(n, "") for n, a in zip(names, self._attrs, strict=True)},
            roles=_terms(
                flat.get("roles", ""),
                flat.get("rolestermaccessionnumber", ""),
                flat.get("rolestermsourceref", ""),
            ),
            comments=list(base.comments) if base is not None else [],
        )


class PublicationKind(Kind):
    noun = "publication"
    key = (option("doi", "-d", help="DOI of the publication."),)
    values = (
        option("pubmedid", "-p", help="PubMed ID."),
        option("authorlist", help="Authors."),
        option("title", help="Title of the publication."),
        *term_options("status", "Status"),
    )

    def entries(self, owner: Any) -> list[Any]:
        return owner.publications

    def to_flat(self, entry: Publication) -> Flat:
        status = _term_fields(entry.status)
        return {
            "doi": entry.doi,
            "pubmedid": entry.pubmed_id,
            "authorlist": entry.authors,
            "title": entry.title,
            "status": status[0],
            "statustermaccessionnumber": status[1],
            "statustermsourceref": status[2],
        }

    def from_flat(self, flat: Flat, base: Publication | None) -> Publication:
        status = term(
            flat.get("status"),
            flat.get("statustermaccessionnumber"),
            flat.get("statustermsourceref"),
        )
        return Publication(
            pubmed_id=flat.get("pubmedid", ""),
            doi=flat.get("doi", ""),
            authors=flat.get("authorlist", ""),
            title=flat.get("title", ""),
            status=None if status.is_empty else status,
            comments=list(base.comments) if base is not None else [],
        )


TYPE_ACCESSION = option("typetermaccessionnumber", help="The type term's accession.")
TYPE_SOURCE = option("typetermsourceref", help="The type term's ontology.")


class DesignKind(Kind):
    noun = "design descriptor"
    key = (option("designtype", "-d", help="The design type (a term)."),)
    values: tuple[inspect.Parameter, ...] = (TYPE_ACCESSION, TYPE_SOURCE)

    def entries(self, owner: Any) -> list[Any]:
        return owner.design_descriptors

    def to_flat(self, entry: OntologyAnnotation) -> Flat:
        name, accession, source = _term_fields(entry)
        return {
            "designtype": name,
            "typetermaccessionnumber": accession,
            "typetermsourceref": source,
        }

    def from_flat(self, flat: Flat, base: Any) -> OntologyAnnotation:
        return term(
            flat.get("designtype"),
            flat.get("typetermaccessionnumber"),
            flat.get("typetermsourceref"),
        )
