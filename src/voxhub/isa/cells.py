"""Table cells. Four immutable kinds, all subclasses of :class:`CompositeCell`:

* :class:`TermCell` – an ontology term (``Homo sapiens``, NCBITaxon, NCBITaxon:9606)
* :class:`UnitizedCell` – a value with a unit term (``37`` degree Celsius)
* :class:`FreeTextCell` – plain text (names, protocol REF, comments)
* :class:`DataCell` – a data reference with optional format and selector format
"""

from __future__ import annotations

from dataclasses import dataclass

from voxhub.isa.ontology import OntologyAnnotation

_EMPTY_TERM = OntologyAnnotation()


class CompositeCell:
    """Base of the cell kinds; build cells with the ``create_*`` class methods."""

    __slots__ = ()

    @staticmethod
    def create_term(term: OntologyAnnotation | str = _EMPTY_TERM) -> TermCell:
        return TermCell(OntologyAnnotation(term) if isinstance(term, str) else term)

    @staticmethod
    def create_unitized(value: str = "", unit: OntologyAnnotation = _EMPTY_TERM) -> UnitizedCell:
        return UnitizedCell(str(value), unit)

    @staticmethod
    def create_free_text(value: str = "") -> FreeTextCell:
        return FreeTextCell(value)

    @staticmethod
    def create_data(name: str = "", format: str = "", selector_format: str = "") -> DataCell:
        return DataCell(name, format, selector_format)

    @property
    def is_term(self) -> bool:
        return False

    @property
    def is_unitized(self) -> bool:
        return False

    @property
    def is_free_text(self) -> bool:
        return False

    @property
    def is_data(self) -> bool:
        return False

    @property
    def is_empty(self) -> bool:
        raise NotImplementedError

    @property
    def text(self) -> str:
        """The main text: term name, value, free text or data name."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class TermCell(CompositeCell):
    term: OntologyAnnotation = _EMPTY_TERM

    @property
    def is_term(self) -> bool:
        return True

    @property
    def is_empty(self) -> bool:
        return self.term.is_empty

    @property
    def text(self) -> str:
        return self.term.name


@dataclass(frozen=True, slots=True)
class UnitizedCell(CompositeCell):
    value: str = ""
    unit: OntologyAnnotation = _EMPTY_TERM

    @property
    def is_unitized(self) -> bool:
        return True

    @property
    def is_empty(self) -> bool:
        return not self.value and self.unit.is_empty

    @property
    def text(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class FreeTextCell(CompositeCell):
    value: str = ""

    @property
    def is_free_text(self) -> bool:
        return True

    @property
    def is_empty(self) -> bool:
        return not self.value

    @property
    def text(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class DataCell(CompositeCell):
    name: str = ""
    format: str = ""
    selector_format: str = ""

    @property
    def is_data(self) -> bool:
        return True

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.format or self.selector_format)

    @property
    def text(self) -> str:
        return self.name


EMPTY_TERM_CELL = TermCell()
EMPTY_FREE_TEXT_CELL = FreeTextCell()
EMPTY_DATA_CELL = DataCell()

__all__ = [
    "EMPTY_DATA_CELL",
    "EMPTY_FREE_TEXT_CELL",
    "EMPTY_TERM_CELL",
    "CompositeCell",
    "DataCell",
    "FreeTextCell",
    "TermCell",
    "UnitizedCell",
]
