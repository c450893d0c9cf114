"""ISA metadata in the ARCtrl design: model, ArcTable, ISA-JSON, ISA-XLSX, contracts, ARC folders.

A pure library (no web framework, no database)::

    from voxhub.isa import ArcInvestigation, ArcTable, CompositeHeader, CompositeCell
"""

from voxhub.isa.arc import ARC
from voxhub.isa.cells import CompositeCell, DataCell, FreeTextCell, TermCell, UnitizedCell
from voxhub.isa.contracts import CliDTO, Contract, DTOType, Operation, SpreadsheetDTO, TextDTO
from voxhub.isa.datamap import DataContext, Datamap
from voxhub.isa.errors import (
    ExecuteFailed,
    InvalidIsa,
    InvalidTable,
    IsaConflict,
    IsaNotFound,
    IsaReadError,
)
from voxhub.isa.fulfil import (
    fulfil,
    fulfil_all,
    list_files,
    load_arc,
    read_arc_zip,
    write_arc,
    write_arc_zip,
)
from voxhub.isa.headers import CompositeHeader, HeaderKind, IOType
from voxhub.isa.model import ArcAssay, ArcInvestigation, ArcStudy
from voxhub.isa.ontology import OntologyAnnotation, OntologySourceReference
from voxhub.isa.people import Comment, Person, Publication
from voxhub.isa.table import ArcTable, CompositeColumn
from voxhub.isa.tables import ArcTables

__all__ = [
    "ARC",
    "ArcAssay",
    "ArcInvestigation",
    "ArcStudy",
    "ArcTable",
    "ArcTables",
    "CliDTO",
    "Comment",
    "CompositeCell",
    "CompositeColumn",
    "CompositeHeader",
    "Contract",
    "DTOType",
    "DataCell",
    "DataContext",
    "Datamap",
    "ExecuteFailed",
    "FreeTextCell",
    "HeaderKind",
    "IOType",
    "InvalidIsa",
    "InvalidTable",
    "IsaConflict",
    "IsaNotFound",
    "IsaReadError",
    "OntologyAnnotation",
    "OntologySourceReference",
    "Operation",
    "Person",
    "Publication",
    "SpreadsheetDTO",
    "TermCell",
    "TextDTO",
    "UnitizedCell",
    "fulfil",
    "fulfil_all",
    "list_files",
    "load_arc",
    "read_arc_zip",
    "write_arc",
    "write_arc_zip",
]
