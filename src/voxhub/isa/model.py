"""The ISA hierarchy: :class:`ArcInvestigation` → :class:`ArcStudy` → :class:`ArcAssay`.

The investigation owns every study and assay; a study only *registers*
assays by identifier (one assay may be registered to several studies). Add,
remove, rename and (un)register studies and assays through the investigation
so the registrations stay consistent.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

from voxhub.isa.datamap import Datamap
from voxhub.isa.errors import InvalidIsa, IsaConflict, IsaNotFound
from voxhub.isa.ontology import OntologyAnnotation, OntologySourceReference
from voxhub.isa.people import Comment, Person, Publication
from voxhub.isa.table import ArcTable
from voxhub.isa.tables import ArcTables

_IDENTIFIER = re.compile(r"^[A-Za-z0-9_\- ]+$")


def check_identifier(identifier: str, what: str = "identifier") -> str:
    """Identifiers name folders in an ARC: letters, digits, space, ``_`` and ``-`` only."""
    if (
        not isinstance(identifier, str)
        or not _IDENTIFIER.match(identifier)
        or identifier.strip() != identifier
    ):
        raise InvalidIsa(
            f"invalid {what} {identifier!r}: use letters, digits, spaces, '_' and '-' "
            "(no leading/trailing space)"
        )
    return identifier


class _Node:
    """Shared equality and copying for the model classes."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]

    def copy(self):  # type: ignore[no-untyped-def]
        return copy.deepcopy(self)


class _WithTables(_Node):
    __slots__ = ("_tables",)
    _tables: ArcTables
    _identifier: str

    @property
    def tables(self) -> ArcTables:
        """The tables, in order, uniquely named (assigning any iterable of tables checks that)."""
        return self._tables

    @tables.setter
    def tables(self, tables: Iterable[ArcTable]) -> None:
        self._tables = tables if isinstance(tables, ArcTables) else ArcTables(tables)

    @property
    def datamap_file_name(self) -> str:
        """Where the datamap (what the data files hold, ``.datamap``) lives in an ARC."""
        return self.file_name.rsplit("/", 1)[0] + "/isa.datamap.xlsx"

    @property
    def file_name(self) -> str:
        raise NotImplementedError


class ArcAssay(_WithTables):
    def __init__(
        self,
        identifier: str,
        title: str = "",
        description: str = "",
        measurement_type: OntologyAnnotation | None = None,
        technology_type: OntologyAnnotation | None = None,
        technology_platform: OntologyAnnotation | None = None,
        tables: Iterable[ArcTable] = (),
        performers: Iterable[Person] = (),
        comments: Iterable[Comment] = (),
        datamap: Datamap | None = None,
    ) -> None:
        self._identifier = check_identifier(identifier, "assay identifier")
        self.title = title
        self.description = description
        self.measurement_type = measurement_type
        self.technology_type = technology_type
        self.technology_platform = technology_platform
        self.tables = ArcTables(tables)
        self.performers = list(performers)
        self.comments = list(comments)
        self.datamap = datamap

    @property
    def identifier(self) -> str:
        return self._identifier

    @property
    def file_name(self) -> str:
        return f"assays/{self._identifier}/isa.assay.xlsx"

    def __repr__(self) -> str:
        return f"ArcAssay({self._identifier!r}, tables={self.tables.names})"


class ArcStudy(_WithTables):
    def __init__(
        self,
        identifier: str,
        title: str = "",
        description: str = "",
        submission_date: str = "",
        public_release_date: str = "",
        publications: Iterable[Publication] = (),
        contacts: Iterable[Person] = (),
        design_descriptors: Iterable[OntologyAnnotation] = (),
        tables: Iterable[ArcTable] = (),
        comments: Iterable[Comment] = (),
        registered_assay_identifiers: Iterable[str] = (),
        datamap: Datamap | None = None,
    ) -> None:
        self._identifier = check_identifier(identifier, "study identifier")
        self.title = title
        self.description = description
        self.submission_date = submission_date
        self.public_release_date = public_release_date
        self.publications = list(publications)
        self.contacts = list(contacts)
        self.design_descriptors = list(design_descriptors)
        self.tables = ArcTables(tables)
        self.comments = list(comments)
        self.datamap = datamap
        self._assays: list[str] = []
        for assay_id in registered_assay_identifiers:
            self._register(assay_id)

    @property
    def identifier(self) -> str:
        return self._identifier

    @property
    def file_name(self) -> str:
        return f"studies/{self._identifier}/isa.study.xlsx"

    @property
    def registered_assay_identifiers(self) -> tuple[str, ...]:
        return tuple(self._assays)

    def _register(self, assay_id: str) -> None:
        if assay_id in self._assays:
            raise IsaConflict(
                f"assay '{assay_id}' is already registered in study '{self._identifier}'"
            )
        self._assays.append(check_identifier(assay_id, "assay identifier"))

    def __repr__(self) -> str:
        return f"ArcStudy({self._identifier!r}, assays={self._assays}, tables={self.tables.names})"


class ArcInvestigation(_Node):
    def __init__(
        self,
        identifier: str,
        title: str = "",
        description: str = "",
        submission_date: str = "",
        public_release_date: str = "",
        ontology_source_references: Iterable[OntologySourceReference] = (),
        publications: Iterable[Publication] = (),
        contacts: Iterable[Person] = (),
        comments: Iterable[Comment] = (),
    ) -> None:
        self._identifier = check_identifier(identifier, "investigation identifier")
        self.title = title
        self.description = description
        self.submission_date = submission_date
        self.public_release_date = public_release_date
        self.ontology_source_references = list(ontology_source_references)
        self.publications = list(publications)
        self.contacts = list(contacts)
        self.comments = list(comments)
        self._studies: list[ArcStudy] = []
        self._assays: list[ArcAssay] = []

    @property
    def identifier(self) -> str:
        return self._identifier

    @identifier.setter
    def identifier(self, value: str) -> None:
        self._identifier = check_identifier(value, "investigation identifier")

    def __repr__(self) -> str:
        studies, assays = self.study_identifiers, self.assay_identifiers
        return f"ArcInvestigation({self._identifier!r}, studies={studies}, assays={assays})"

    # -- studies --------------------------------------------------------------
    @property
    def studies(self) -> tuple[ArcStudy, ...]:
        return tuple(self._studies)

    @property
    def study_identifiers(self) -> list[str]:
        return [s.identifier for s in self._studies]

    def add_study(self, study: ArcStudy) -> ArcStudy:
        """Add a study; assays it registers must already be in the investigation."""
        if study.identifier in self.study_identifiers:
            raise IsaConflict(f"study '{study.identifier}' already exists")
        for assay_id in study.registered_assay_identifiers:
            self.get_assay(assay_id)
        self._studies.append(study)
        return study

    def init_study(self, identifier: str) -> ArcStudy:
        return self.add_study(ArcStudy(identifier))

    def try_get_study(self, identifier: str) -> ArcStudy | None:
        return next((s for s in self._studies if s.identifier == identifier), None)

    def get_study(self, identifier: str) -> ArcStudy:
        study = self.try_get_study(identifier)
        if study is None:
            have = ", ".join(self.study_identifiers) or "none"
            raise IsaNotFound(f"no study '{identifier}' in investigation (studies: {have})")
        return study

    def remove_study(self, identifier: str) -> ArcStudy:
        """Remove a study; its assays stay in the investigation."""
        study = self.get_study(identifier)
        self._studies.remove(study)
        return study

    def rename_study(self, old: str, new: str) -> None:
        study = self.get_study(old)
        check_identifier(new, "study identifier")
        if new != old and new in self.study_identifiers:
            raise IsaConflict(f"study '{new}' already exists")
        study._identifier = new

    # -- assays ---------------------------------------------------------------
    @property
    def assays(self) -> tuple[ArcAssay, ...]:
        return tuple(self._assays)

    @property
    def assay_identifiers(self) -> list[str]:
        return [a.identifier for a in self._assays]

    def add_assay(self, assay: ArcAssay, register_in: Iterable[str] = ()) -> ArcAssay:
        """Add an assay and register it in the named (existing) studies."""
        if assay.identifier in self.assay_identifiers:
            raise IsaConflict(f"assay '{assay.identifier}' already exists")
        studies = [self.get_study(s) for s in register_in]
        self._assays.append(assay)
        for study in studies:
            study._register(assay.identifier)
        return assay

    def init_assay(self, identifier: str, register_in: Iterable[str] = ()) -> ArcAssay:
        return self.add_assay(ArcAssay(identifier), register_in)

    def try_get_assay(self, identifier: str) -> ArcAssay | None:
        return next((a for a in self._assays if a.identifier == identifier), None)

    def get_assay(self, identifier: str) -> ArcAssay:
        assay = self.try_get_assay(identifier)
        if assay is None:
            have = ", ".join(self.assay_identifiers) or "none"
            raise IsaNotFound(f"no assay '{identifier}' in investigation (assays: {have})")
        return assay

    def remove_assay(self, identifier: str) -> ArcAssay:
        """Remove an assay and every registration of it."""
        assay = self.get_assay(identifier)
        self._assays.remove(assay)
        for study in self._studies:
            if identifier in study._assays:
                study._assays.remove(identifier)
        return assay

    def rename_assay(self, old: str, new: str) -> None:
        assay = self.get_assay(old)
        check_identifier(new, "assay identifier")
        if new != old and new in self.assay_identifiers:
            raise IsaConflict(f"assay '{new}' already exists")
        assay._identifier = new
        for study in self._studies:
            study._assays = [new if a == old else a for a in study._assays]

    def register_assay(self, study_identifier: str, assay_identifier: str) -> None:
        self.get_assay(assay_identifier)
        self.get_study(study_identifier)._register(assay_identifier)

    def unregister_assay(self, study_identifier: str, assay_identifier: str) -> None:
        study = self.get_study(study_identifier)
        if assay_identifier not in study._assays:
            raise IsaNotFound(
                f"assay '{assay_identifier}' is not registered in study '{study_identifier}'"
            )
        study._assays.remove(assay_identifier)

    def studies_of(self, assay_identifier: str) -> list[ArcStudy]:
        """Studies that register the assay."""
        self.get_assay(assay_identifier)
        return [s for s in self._studies if assay_identifier in s._assays]

    def unregistered_assays(self) -> list[ArcAssay]:
        registered = {a for s in self._studies for a in s._assays}
        return [a for a in self._assays if a.identifier not in registered]


__all__ = ["ArcAssay", "ArcInvestigation", "ArcStudy", "check_identifier"]
