"""A study's factors and protocols, which ARCtrl keeps in the study's tables.

ARCtrl (and so ARCitect and arctrl scripts) has no separate list of study
factors or protocols: a factor is a ``Factor [term]`` column, a protocol is a
table described by its ``Protocol REF``/``Type``/``Description``/``Uri``/``Version``
columns with its ``Parameter`` and ``Component`` columns. ArcCommander's
``study factor`` and ``study protocol`` verbs are mapped onto those, so every
tool reads what they wrote.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from voxhub.cli._common import err
from voxhub.cli.arc._base import option, term, term_options
from voxhub.cli.arc.entries import Flat, Kind
from voxhub.cli.arc.kinds import TYPE_ACCESSION, TYPE_SOURCE, _joined, _terms
from voxhub.isa import (
    ArcStudy,
    ArcTable,
    CompositeCell,
    CompositeHeader,
    HeaderKind,
    OntologyAnnotation,
)

FACTOR_TABLE = "Factors"  # where a factor goes when the study has no table yet
NAME = option("name", "-n", help="Its name.")


@dataclass(frozen=True)
class _FactorColumn:
    table: ArcTable
    index: int

    @property
    def term(self) -> OntologyAnnotation:
        header = self.table.headers[self.index]
        assert header.term is not None
        return header.term


class FactorKind(Kind):
    noun = "factor"
    key = (NAME,)
    values = (option("factortype", help="The factor's type (a term)."), TYPE_ACCESSION, TYPE_SOURCE)

    def entries(self, owner: ArcStudy) -> list[Any]:
        return [
            _FactorColumn(table, i)
            for table in owner.tables
            for i, h in enumerate(table.headers)
            if h.kind is HeaderKind.FACTOR
        ]

    def to_flat(self, entry: _FactorColumn) -> Flat:
        oa = entry.term
        return {
            "name": oa.name,
            "factortype": oa.name,
            "typetermaccessionnumber": oa.term_accession,
            "typetermsourceref": oa.term_source_ref,
        }

    def from_flat(self, flat: Flat, base: Any) -> OntologyAnnotation:
        name, kind = flat.get("name", ""), flat.get("factortype", "")
        if kind and kind != name:
            # ARCtrl's factor column holds one term, both the factor's name and its type.
            err.print(
                f"note: factor '{name}' is stored as one term; its type name '{kind}' "
                "is not kept apart from its name",
                highlight=False,
            )
        return term(name, flat.get("typetermaccessionnumber"), flat.get("typetermsourceref"))

    def put(self, owner: ArcStudy, entry: OntologyAnnotation, old: _FactorColumn | None) -> None:
        if old is not None:
            header = old.table.headers[old.index]
            old.table.update_header(old.index, CompositeHeader.factor(entry, header.has_unit))
            return
        table = next(iter(owner.tables), None) or owner.tables.init(FACTOR_TABLE)
        table.add_column(CompositeHeader.factor(entry))

    def drop(self, owner: ArcStudy, entry: _FactorColumn) -> None:
        entry.table.remove_column(entry.index)


_SINGLE = {
    "protocoltype": HeaderKind.PROTOCOL_TYPE,
    "description": HeaderKind.PROTOCOL_DESCRIPTION,
    "uri": HeaderKind.PROTOCOL_URI,
    "version": HeaderKind.PROTOCOL_VERSION,
}
_PARAMETERS = ("parametersname", "parameterstermaccessionnumber", "parameterstermsourceref")
_COMPONENTS = ("componentstype", "componentstypetermaccessionnumber", "componentstypetermsourceref")


class ProtocolKind(Kind):
    """A protocol is one of the study's tables (its name is the table's name)."""

    noun = "protocol"
    key = (NAME,)
    values = (
        option("protocoltype", help="The protocol's type (a term)."),
        TYPE_ACCESSION,
        TYPE_SOURCE,
        option("description", help="What the protocol does."),
        option("uri", help="Where the protocol is described."),
        option("version", help="The protocol's version."),
        option("parametersname", help="Parameter names, ';'-separated."),
        option("parameterstermaccessionnumber", help="The parameters' accessions, ';'-separated."),
        option("parameterstermsourceref", help="The parameters' ontologies, ';'-separated."),
        option("componentsname", help="Component names (values), ';'-separated."),
        *term_options("componentstype", "Component type"),
    )

    def entries(self, owner: ArcStudy) -> list[Any]:
        return list(owner.tables)

    def to_flat(self, table: ArcTable) -> Flat:
        flat = dict.fromkeys((p.name for p in (*self.key, *self.values)), "")
        flat["name"] = table.name
        first = table.get_row(0) if table.row_count else [None] * table.column_count
        parameters: list[OntologyAnnotation] = []
        types: list[OntologyAnnotation] = []
        names: list[str] = []
        for header, cell in zip(table.headers, first, strict=True):
            if header.kind is HeaderKind.PROTOCOL_TYPE and cell is not None:
                oa = cell.term  # type: ignore[attr-defined]
                flat["protocoltype"] = oa.name
                flat["typetermaccessionnumber"] = oa.term_accession
                flat["typetermsourceref"] = oa.term_source_ref
            elif header.kind in _SINGLE.values() and cell is not None:
                flat[next(k for k, v in _SINGLE.items() if v is header.kind)] = cell.text
            elif header.kind is HeaderKind.PARAMETER and header.term is not None:
                parameters.append(header.term)
            elif header.kind is HeaderKind.COMPONENT and header.term is not None:
                types.append(header.term)
                names.append(cell.text if cell is not None else "")
        flat.update(zip(_PARAMETERS, _joined(parameters), strict=True))
        flat.update(zip(_COMPONENTS, _joined(types), strict=True))
        flat["componentsname"] = ";".join(names) if any(names) else ""
        return flat

    def from_flat(self, flat: Flat, base: ArcTable | None) -> ArcTable:
        table = base.copy() if base is not None else ArcTable(flat["name"] or "protocol")
        if flat["name"] != table.name:
            table = ArcTable(flat["name"], table.columns)
        before = self.to_flat(base) if base is not None else {}
        rows = max(table.row_count, 1)
        columns: list[tuple[CompositeHeader, CompositeCell]] = [
            (CompositeHeader.protocol_ref(), CompositeCell.create_free_text(flat["name"]))
        ]
        oa = term(
            flat.get("protocoltype"),
            flat.get("typetermaccessionnumber"),
            flat.get("typetermsourceref"),
        )
        columns.append((CompositeHeader.protocol_type(), CompositeCell.create_term(oa)))
        for name in ("description", "uri", "version"):
            header = CompositeHeader(_SINGLE[name])
            columns.append((header, CompositeCell.create_free_text(flat.get(name, ""))))
        for header, cell in columns:
            present = table.try_column_index(header) is not None
            if present or not cell.is_empty:
                table.add_column(header, [cell] * rows, force_replace=True)
        if [flat.get(k, "") for k in _PARAMETERS] != [before.get(k, "") for k in _PARAMETERS]:
            self._replace(
                table,
                HeaderKind.PARAMETER,
                [
                    (CompositeHeader.parameter(t), CompositeCell.create_term())
                    for t in _terms(*(flat.get(k, "") for k in _PARAMETERS))
                ],
            )
        keys = (*_COMPONENTS, "componentsname")
        if [flat.get(k, "") for k in keys] != [before.get(k, "") for k in keys]:
            types = _terms(*(flat.get(k, "") for k in _COMPONENTS))
            names = flat.get("componentsname", "").split(";") if flat.get("componentsname") else []
            pairs: list[tuple[CompositeHeader, CompositeCell]] = []
            for i in range(max(len(types), len(names))):
                name = names[i].strip() if i < len(names) else ""
                kind = types[i] if i < len(types) else OntologyAnnotation(name)
                value = OntologyAnnotation(name) if i < len(types) else OntologyAnnotation()
                pairs.append((CompositeHeader.component(kind), CompositeCell.create_term(value)))
            self._replace(table, HeaderKind.COMPONENT, pairs)
        return table

    @staticmethod
    def _replace(
        table: ArcTable, kind: HeaderKind, columns: Sequence[tuple[CompositeHeader, CompositeCell]]
    ) -> None:
        """Swap the table's columns of ``kind`` for ``columns`` (cell repeated on every row)."""
        rows = max(table.row_count, 1)
        table.remove_columns([i for i, h in enumerate(table.headers) if h.kind is kind])
        for header, cell in columns:
            table.add_column(header, [cell] * rows)

    def put(self, owner: ArcStudy, entry: ArcTable, old: ArcTable | None) -> None:
        if old is None:
            owner.tables.add(entry)
            return
        at = owner.tables.names.index(old.name)
        owner.tables.remove(old.name)
        owner.tables.add(entry, at)

    def drop(self, owner: ArcStudy, entry: ArcTable) -> None:
        owner.tables.remove(entry.name)
