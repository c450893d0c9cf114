"""Column headers of an ArcTable: :class:`CompositeHeader` and :class:`IOType`."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from voxhub.isa.errors import InvalidTable
from voxhub.isa.ontology import OntologyAnnotation


@dataclass(frozen=True, slots=True)
class IOType:
    """What an Input/Output column names: Source Name, Sample Name, Data, Material or free text."""

    label: str

    SOURCE_LABEL = "Source Name"
    SAMPLE_LABEL = "Sample Name"
    DATA_LABEL = "Data"
    MATERIAL_LABEL = "Material"

    @classmethod
    def source(cls) -> IOType:
        return cls(cls.SOURCE_LABEL)

    @classmethod
    def sample(cls) -> IOType:
        return cls(cls.SAMPLE_LABEL)

    @classmethod
    def data(cls) -> IOType:
        return cls(cls.DATA_LABEL)

    @classmethod
    def material(cls) -> IOType:
        return cls(cls.MATERIAL_LABEL)

    @classmethod
    def free(cls, text: str) -> IOType:
        return cls(text)

    @classmethod
    def parse(cls, text: str) -> IOType:
        """Read a label, accepting the ISA-Tab spellings ARCtrl accepts (``Raw Data File`` ...)."""
        return cls(_IO_SYNONYMS.get(text.strip(), text.strip()))

    @property
    def is_free(self) -> bool:
        return self.label not in _IO_FIXED

    @property
    def is_data(self) -> bool:
        return self.label == self.DATA_LABEL


_IO_FIXED = {IOType.SOURCE_LABEL, IOType.SAMPLE_LABEL, IOType.DATA_LABEL, IOType.MATERIAL_LABEL}
_IO_SYNONYMS = {
    "Source": IOType.SOURCE_LABEL,
    "Sample": IOType.SAMPLE_LABEL,
    "RawDataFile": IOType.DATA_LABEL,
    "Raw Data File": IOType.DATA_LABEL,
    "DerivedDataFile": IOType.DATA_LABEL,
    "Derived Data File": IOType.DATA_LABEL,
    "ImageFile": IOType.DATA_LABEL,
    "Image File": IOType.DATA_LABEL,
}


class HeaderKind(enum.Enum):
    INPUT = "Input"
    OUTPUT = "Output"
    CHARACTERISTIC = "Characteristic"
    PARAMETER = "Parameter"
    FACTOR = "Factor"
    COMPONENT = "Component"
    PROTOCOL_TYPE = "Protocol Type"
    PROTOCOL_REF = "Protocol REF"
    PROTOCOL_DESCRIPTION = "Protocol Description"
    PROTOCOL_URI = "Protocol Uri"
    PROTOCOL_VERSION = "Protocol Version"
    PERFORMER = "Performer"
    DATE = "Date"
    COMMENT = "Comment"
    FREE_TEXT = "FreeText"


# Columns whose cells are terms; all but Protocol Type may repeat within a table.
TERM_KINDS = frozenset(
    {
        HeaderKind.CHARACTERISTIC,
        HeaderKind.PARAMETER,
        HeaderKind.FACTOR,
        HeaderKind.COMPONENT,
        HeaderKind.PROTOCOL_TYPE,
    }
)
_BRACKETED_TERM_KINDS = TERM_KINDS - {HeaderKind.PROTOCOL_TYPE}
# At most one column of each of these kinds per table, whatever its IOType.
UNIQUE_KINDS = frozenset(
    {
        HeaderKind.INPUT,
        HeaderKind.OUTPUT,
        HeaderKind.PROTOCOL_TYPE,
        HeaderKind.PROTOCOL_REF,
        HeaderKind.PROTOCOL_DESCRIPTION,
        HeaderKind.PROTOCOL_URI,
        HeaderKind.PROTOCOL_VERSION,
        HeaderKind.PERFORMER,
        HeaderKind.DATE,
    }
)


@dataclass(frozen=True, slots=True)
class CompositeHeader:
    """One column's meaning. Build with the class methods (``CompositeHeader.parameter(term)``).

    ``has_unit`` records that a term column is written with a Unit group, so a
    column whose cells are all valueless still round-trips; it takes no part in
    equality.
    """

    kind: HeaderKind
    term: OntologyAnnotation | None = None
    io_type: IOType | None = None
    text: str = ""
    has_unit: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind in TERM_KINDS and self.kind is not HeaderKind.PROTOCOL_TYPE:
            if self.term is None:
                raise InvalidTable(f"{self.kind.value} column needs a term")
        elif self.term is not None:
            raise InvalidTable(f"{self.kind.value} column takes no term")
        if self.kind in (HeaderKind.INPUT, HeaderKind.OUTPUT) and self.io_type is None:
            raise InvalidTable(f"{self.kind.value} column needs an IOType")
        if self.kind in (HeaderKind.COMMENT, HeaderKind.FREE_TEXT) and not self.text:
            raise InvalidTable(f"{self.kind.value} column needs a name")
        if self.has_unit and self.kind not in TERM_KINDS:
            raise InvalidTable(f"{self.kind.value} column cannot carry a unit")
        if self.kind is HeaderKind.FREE_TEXT and _reserved(self.text):
            raise InvalidTable(f"'{self.text}' cannot name a free-text column: it reads as another")

    # -- constructors ---------------------------------------------------------
    @classmethod
    def input(cls, io_type: IOType) -> CompositeHeader:
        return cls(HeaderKind.INPUT, io_type=io_type)

    @classmethod
    def output(cls, io_type: IOType) -> CompositeHeader:
        return cls(HeaderKind.OUTPUT, io_type=io_type)

    @classmethod
    def characteristic(cls, term: OntologyAnnotation, has_unit: bool = False) -> CompositeHeader:
        return cls(HeaderKind.CHARACTERISTIC, term=term, has_unit=has_unit)

    @classmethod
    def parameter(cls, term: OntologyAnnotation, has_unit: bool = False) -> CompositeHeader:
        return cls(HeaderKind.PARAMETER, term=term, has_unit=has_unit)

    @classmethod
    def factor(cls, term: OntologyAnnotation, has_unit: bool = False) -> CompositeHeader:
        return cls(HeaderKind.FACTOR, term=term, has_unit=has_unit)

    @classmethod
    def component(cls, term: OntologyAnnotation, has_unit: bool = False) -> CompositeHeader:
        return cls(HeaderKind.COMPONENT, term=term, has_unit=has_unit)

    @classmethod
    def protocol_type(cls) -> CompositeHeader:
        return cls(HeaderKind.PROTOCOL_TYPE)

    @classmethod
    def protocol_ref(cls) -> CompositeHeader:
        return cls(HeaderKind.PROTOCOL_REF)

    @classmethod
    def protocol_description(cls) -> CompositeHeader:
        return cls(HeaderKind.PROTOCOL_DESCRIPTION)

    @classmethod
    def protocol_uri(cls) -> CompositeHeader:
        return cls(HeaderKind.PROTOCOL_URI)

    @classmethod
    def protocol_version(cls) -> CompositeHeader:
        return cls(HeaderKind.PROTOCOL_VERSION)

    @classmethod
    def performer(cls) -> CompositeHeader:
        return cls(HeaderKind.PERFORMER)

    @classmethod
    def date(cls) -> CompositeHeader:
        return cls(HeaderKind.DATE)

    @classmethod
    def comment(cls, key: str) -> CompositeHeader:
        return cls(HeaderKind.COMMENT, text=key)

    @classmethod
    def free_text(cls, name: str) -> CompositeHeader:
        return cls(HeaderKind.FREE_TEXT, text=name)

    # -- properties -----------------------------------------------------------
    @property
    def column_term(self) -> OntologyAnnotation:
        """The term of a term column (``__post_init__`` makes sure those have one)."""
        if self.term is None:
            raise InvalidTable(f"{self.kind.value} column has no term")
        return self.term

    @property
    def is_term_column(self) -> bool:
        """Cells are Term or Unitized (and the column spans Term Source REF/Accession columns)."""
        return self.kind in TERM_KINDS

    @property
    def is_single_column(self) -> bool:
        """Cells are FreeText (or Data in a Data Input/Output column)."""
        return self.kind not in TERM_KINDS

    @property
    def is_unique(self) -> bool:
        """At most one such column per table (Comment: one per name; free-text columns
        may repeat, as ARCtrl allows)."""
        return self.kind in UNIQUE_KINDS or self.kind is HeaderKind.COMMENT

    @property
    def is_io(self) -> bool:
        return self.kind in (HeaderKind.INPUT, HeaderKind.OUTPUT)

    @property
    def is_data_column(self) -> bool:
        return self.is_io and self.io_type is not None and self.io_type.is_data

    def clashes_with(self, other: CompositeHeader) -> bool:
        """Whether both cannot stand in the same table."""
        if self.kind in UNIQUE_KINDS:
            return self.kind is other.kind
        if self.kind is HeaderKind.COMMENT:
            return self.kind is other.kind and self.text == other.text
        return False  # free-text columns of one name may repeat, as in ARCtrl

    def with_unit(self, has_unit: bool = True) -> CompositeHeader:
        return CompositeHeader(self.kind, self.term, self.io_type, self.text, has_unit)

    @property
    def label(self) -> str:
        """The spreadsheet header text (``Parameter [temperature]``, ``Input [Source Name]``)."""
        kind = self.kind
        if kind in (HeaderKind.INPUT, HeaderKind.OUTPUT):
            assert self.io_type is not None
            return f"{kind.value} [{self.io_type.label}]"
        if kind in _BRACKETED_TERM_KINDS:
            assert self.term is not None
            return f"{kind.value} [{self.term.name}]"
        if kind is HeaderKind.COMMENT:
            return f"Comment [{self.text}]"
        if kind is HeaderKind.FREE_TEXT:
            return self.text
        return str(kind.value)

    def __str__(self) -> str:
        return self.label


_BRACKETED = re.compile(r"^\s*([A-Za-z][A-Za-z ]*?)\s*\[(.*)\]\s*$")
_TERM_SYNONYMS = {
    "Characteristic": HeaderKind.CHARACTERISTIC,
    "Characteristics": HeaderKind.CHARACTERISTIC,
    "Characteristics Value": HeaderKind.CHARACTERISTIC,
    "Parameter": HeaderKind.PARAMETER,
    "Parameter Value": HeaderKind.PARAMETER,
    "Factor": HeaderKind.FACTOR,
    "Factor Value": HeaderKind.FACTOR,
    "Component": HeaderKind.COMPONENT,
}
_PLAIN = {k.value: k for k in HeaderKind if k not in _BRACKETED_TERM_KINDS} | {
    "Protocol URI": HeaderKind.PROTOCOL_URI,
    "Protocol Name": HeaderKind.PROTOCOL_REF,
}
# Texts that belong to a preceding term column, never a header of their own.
ATTACHED_LABELS = ("Unit", "Term Source REF", "Term Accession Number", "Data Format")


def _reserved(name: str) -> bool:
    """Whether a free-text column name would read back as some other column."""
    return (
        name != name.strip()
        or _PLAIN.get(name, HeaderKind.FREE_TEXT) not in (HeaderKind.COMMENT, HeaderKind.FREE_TEXT)
        or name in ("Input", "Output", "Data Selector Format")
        or not IOType.parse(name).is_free
        or bool(_BRACKETED.match(name))
        or any(name.startswith(p) for p in ATTACHED_LABELS)
    )


def parse_header_label(text: str, term: OntologyAnnotation | None = None) -> CompositeHeader:
    """Parse a header text; ``term`` supplies the accession read from the following columns.

    Bracketed texts of an unknown kind (``Foo [x]``) and stray ``Unit`` /
    ``Term Source REF`` columns are errors, plain other texts are FreeText
    columns as in ARCtrl.
    """
    stripped = text.strip()
    match = _BRACKETED.match(stripped)
    if match:
        word, inner = match.group(1).strip(), match.group(2).strip()
        if word in ("Input", "Output"):
            io = IOType.parse(inner)
            return CompositeHeader(HeaderKind(word), io_type=io)
        if word == "Comment":
            if not inner:
                raise InvalidTable("Comment header needs a key: 'Comment [key]'")
            return CompositeHeader.comment(inner)
        kind = _TERM_SYNONYMS.get(word)
        if kind is None:
            if word in ATTACHED_LABELS or word == "Term Accession Number":
                raise InvalidTable(f"'{stripped}' follows no term column")
            raise InvalidTable(f"unknown header '{stripped}'")
        base = term or OntologyAnnotation()
        return CompositeHeader(
            kind, term=OntologyAnnotation(inner, base.term_source_ref, base.term_accession)
        )
    if not stripped:
        raise InvalidTable("empty header")
    if any(stripped.startswith(p) for p in ATTACHED_LABELS) or stripped == "Data Selector Format":
        raise InvalidTable(f"'{stripped}' follows no term column")
    kind = _PLAIN.get(stripped)
    if kind is not None and kind not in (HeaderKind.COMMENT, HeaderKind.FREE_TEXT):
        return CompositeHeader(kind)
    io = IOType.parse(stripped)
    if not io.is_free:
        # ISA-Tab's bare IO headers, read as ARCtrl reads them: "Source Name" is the
        # Input, every other IO type ("Sample Name", "Raw Data File" ...) an Output.
        kind = HeaderKind.INPUT if io == IOType.source() else HeaderKind.OUTPUT
        return CompositeHeader(kind, io_type=io)
    if stripped in ("Input", "Output"):
        raise InvalidTable(f"'{stripped}' needs a type: '{stripped} [Source Name]'")
    return CompositeHeader.free_text(stripped)


__all__ = [
    "ATTACHED_LABELS",
    "CompositeHeader",
    "HeaderKind",
    "IOType",
    "TERM_KINDS",
    "UNIQUE_KINDS",
    "parse_header_label",
]
