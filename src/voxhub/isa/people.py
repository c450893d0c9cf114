"""People, publications and free comments attached to ISA objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voxhub.isa.ontology import OntologyAnnotation


@dataclass(frozen=True, slots=True)
class Comment:
    """A ``name: value`` note (ISA ``Comment[name]``)."""

    name: str
    value: str = ""


@dataclass(slots=True)
class Person:
    last_name: str = ""
    first_name: str = ""
    mid_initials: str = ""
    email: str = ""
    phone: str = ""
    fax: str = ""
    address: str = ""
    affiliation: str = ""
    orcid: str = ""
    roles: list[OntologyAnnotation] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        parts = [self.first_name, self.mid_initials, self.last_name]
        return " ".join(p for p in parts if p)


@dataclass(slots=True)
class Publication:
    pubmed_id: str = ""
    doi: str = ""
    authors: str = ""
    title: str = ""
    status: OntologyAnnotation | None = None
    comments: list[Comment] = field(default_factory=list)


__all__ = ["Comment", "Person", "Publication"]
