"""ArcTables ↔ ISA-JSON processes, protocols and materials.

Each table row becomes one process. Where the cells go:

* Input / Output → the process's inputs / outputs (source, sample, material
  or data nodes; a node is shared between rows and tables while its
  characteristics and factor values agree);
* Characteristic → characteristics of the input node; Factor → factor values
  of the output sample; Parameter → parameter values of the process;
* Protocol REF / Type / Description / Uri / Version and Component → the
  protocol the process executes (one protocol per distinct combination);
* Performer, Date, Comment [key] → the process's own fields.

What ISA-JSON has no place for (free-text columns, a characteristic of a data
input, a date that is not an RFC 3339 date ...) travels as a process comment
``voxhub:cell:<column>``, and each study/assay carries its tables' column
layout as a ``voxhub:tables`` comment, so voxhub reads back exactly the
tables it wrote. ISA-JSON without that comment (from other tools) is read by
grouping processes by protocol.

By default processes spell out the nodes, protocols, categories and units
they use (each is also listed once in the study or assay), because readers
such as ARCtrl resolve no ``@id`` references; ``inline=False`` writes
``{"@id": ...}`` references instead, several times smaller for big tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from voxhub.isa.cells import (
    CompositeCell,
    DataCell,
    TermCell,
    UnitizedCell,
)
from voxhub.isa.errors import IsaConflict
from voxhub.isa.gcpause import CHECKPOINT, checkpoint
from voxhub.isa.headers import CompositeHeader, HeaderKind, IOType
from voxhub.isa.jsonstream import LazyList
from voxhub.isa.jsonvalues import (
    cell_json,
    component_name,
    dumps_compact,
    header_json,
    term_json,
    value_json,
)
from voxhub.isa.ontology import OntologyAnnotation
from voxhub.isa.process_rows import CELL, Refs, RowPlan
from voxhub.isa.table import ArcTable

LAYOUT = "voxhub:tables"
FORMAT = "voxhub:format"
SELECTOR = "voxhub:selectorFormat"
_NODE_KIND = {
    IOType.SOURCE_LABEL: "source",
    IOType.SAMPLE_LABEL: "sample",
    IOType.DATA_LABEL: "data",
}


_NO_TYPE = {"annotationValue": "", "termSource": "", "termAccession": ""}


_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")


def _q(text: str) -> str:
    # most names need no quoting, and quote() is slow: a 50 000-row table has 100 000 nodes
    return text if _SAFE.fullmatch(text) else quote(text, safe="")


def category_id(scope: str, table: str, kind: str, column: int) -> str:
    """The @id of a table column's characteristic/factor/parameter category."""
    return f"#{kind}/{_q(scope)}/{_q(table)}/{column}"


class NodeRegistry:
    """Material and data nodes of a whole investigation, by id.

    A node is one name of one kind (a sample is the same sample in the study that makes
    it and in the assay that uses it: one ``@id``, as ISA readers such as isatools
    require). Rows that give it values of other categories add them to the node; only
    rows that give one category a different value need a node of their own (``-2``).
    """

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.kinds: dict[str, str] = {}
        self._ids: dict[tuple[Any, ...], str] = {}
        self._by_name: dict[tuple[str, str], list[str]] = {}
        self._values: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._count: dict[str, int] = {}

    def node(
        self, kind: str, name: str, key: tuple[Any, ...], body: Callable[[], dict[str, Any]]
    ) -> str:
        """The id of the node for ``key`` (the cell and its (category id, value) pairs),
        made with ``body()`` or merged into a node of that name it does not contradict."""
        full = (kind, name, key)
        found = self._ids.get(full)
        if found is not None:
            return found
        cell, pairs = key
        values = dict(pairs)
        for node_id in self._by_name.get((kind, name), ()):
            have_cell, have = self._values[node_id]
            if have_cell != cell or any(have.get(c, v) != v for c, v in values.items()):
                continue
            new = [c for c in values if c not in have]
            if new:
                node = self.nodes[node_id]
                for field, entries in body().items():
                    if isinstance(entries, list) and field != "comments":
                        fresh = [e for e in entries if e["category"]["@id"] in new]
                        node[field] = node.get(field, []) + fresh
                have.update(values)
            self._ids[full] = node_id
            return node_id
        base = f"#{kind}/{_q(name)}"
        n = self._count.get(base, 0) + 1
        self._count[base] = n
        node_id = base if n == 1 else f"{base}-{n}"
        self._ids[full] = node_id
        self._by_name.setdefault((kind, name), []).append(node_id)
        self._values[node_id] = (cell, values)
        self.nodes[node_id] = {"@id": node_id, "name": name, **body()}
        self.kinds[node_id] = kind
        return node_id


class ScopeWriter:
    """Collects the ISA-JSON parts of one study or assay from its tables."""

    def __init__(
        self,
        scope: str,
        registry: NodeRegistry,
        is_study: bool,
        inline: bool = True,
        notes: bool = True,
    ) -> None:
        self.scope = scope
        self.inline = inline
        # voxhub's own notes (layout, cells ISA-JSON has no place for, data formats):
        # kept where voxhub stores a model, left out of exports (as ARCtrl writes them).
        self.notes = notes
        self.registry = registry
        self.is_study = is_study
        self.protocols: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._tables: list[tuple[RowPlan, list[Refs]]] = []
        self.sources: set[str] = set()  # term sources the processes and nodes use
        self.node_ids: dict[str, None] = {}
        self.units: dict[OntologyAnnotation, dict[str, Any]] = {}
        self.characteristic_categories: list[dict[str, Any]] = []
        self.factors: list[dict[str, Any]] = []
        self.layout: list[dict[str, Any]] = []
        self._categories: dict[tuple[str, str, int], dict[str, Any]] = {}
        self._slim: dict[str, dict[str, Any]] = {}

    def category(self, table: str, kind: str, column: int) -> str:
        return category_id(self.scope, table, kind, column)

    def unit_ref(self, unit: OntologyAnnotation) -> dict[str, str]:
        entry = self.units.get(unit)
        if entry is None:
            entry = {"@id": f"#unit/{_q(self.scope)}/{len(self.units)}", **term_json(unit)}
            self.units[unit] = entry
        return entry if self.inline else {"@id": entry["@id"]}

    def category_ref(
        self, table: str, kind: str, column: int, term: OntologyAnnotation
    ) -> dict[str, Any]:
        """A column's category, spelled out: readers such as ARCtrl resolve no @id references."""
        key = (table, kind, column)
        found = self._categories.get(key)
        if found is None:
            found = {"@id": self.category(table, kind, column)}
            if kind == "parameter":
                found["parameterName"] = term_json(term)
            elif kind == "characteristic":
                found["characteristicType"] = term_json(term)
            else:
                found["factorName"] = term.name
                found["factorType"] = term_json(term)
            self._categories[key] = found
        return found if self.inline else {"@id": found["@id"]}

    def value_entry(self, category: dict[str, Any], cell: CompositeCell) -> dict[str, Any]:
        if isinstance(cell, UnitizedCell):
            self.sources.add(cell.unit.term_source_ref)
            return {
                "category": category,
                "value": value_json(cell.value),
                "unit": self.unit_ref(cell.unit),
            }
        assert isinstance(cell, TermCell)
        self.sources.add(cell.term.term_source_ref)
        return {"category": category, "value": term_json(cell.term)}

    def add_table(self, table: ArcTable) -> None:
        """Register the table's protocols and nodes now; its processes are made when the
        document is written (:class:`LazyList`), once every node has all its values."""
        name = table.name
        if any(t["name"] == name for t in self.layout):
            raise IsaConflict(f"{self.scope}: two tables are named '{name}'")
        headers = table.headers
        self.layout.append(
            {"name": name, "rows": table.row_count, "columns": [header_json(h) for h in headers]}
        )
        for c, h in enumerate(headers):
            if h.kind is HeaderKind.CHARACTERISTIC:
                self.characteristic_categories.append(
                    {
                        "@id": self.category(name, "characteristic", c),
                        "characteristicType": term_json(h.column_term),
                    }
                )
            elif h.kind is HeaderKind.FACTOR and self.is_study:
                self.factors.append(
                    {
                        "@id": self.category(name, "factor", c),
                        "factorName": h.column_term.name,
                        "factorType": term_json(h.column_term),
                    }
                )
        plan = RowPlan(self, table)
        # What each row's process refers to: its protocol and its input/output nodes.
        refs = []
        for r, row in enumerate(table.iter_rows()):
            if r % CHECKPOINT == CHECKPOINT - 1:
                checkpoint()  # the nodes made so far live on: collections skip them
            refs.append(plan.register(row))
        self._tables.append((plan, refs))

    def protocol_id(self, table: ArcTable, cols: list[int], row: tuple[CompositeCell, ...]) -> str:
        """The id of the protocol a row executes (its protocol columns' cells)."""
        headers = table.headers
        key = (table.name, tuple(row[c] for c in cols))
        found = self.protocols.get(key)
        if found is not None:
            return str(found["@id"])
        pid = f"#protocol/{_q(self.scope)}/{_q(table.name)}/{len(self.protocols)}"
        # An empty type rather than none: isatools' validator needs the key.
        protocol: dict[str, Any] = {"@id": pid, "name": table.name, "protocolType": _NO_TYPE}
        # Without notes, processes carry a protocol name only from a Protocol REF column
        # (ARCtrl makes a name a column); the declared protocol keeps one (isatools needs it).
        named = self.notes or any(headers[c].kind is HeaderKind.PROTOCOL_REF for c in cols)
        components = []
        for c in cols:
            kind, cell = headers[c].kind, row[c]
            if kind is HeaderKind.PROTOCOL_REF:
                protocol["name"] = cell.text
            elif kind is HeaderKind.PROTOCOL_TYPE:
                if isinstance(cell, TermCell):
                    protocol["protocolType"] = term_json(cell.term)
                    self.sources.add(cell.term.term_source_ref)
            elif kind is HeaderKind.PROTOCOL_DESCRIPTION:
                protocol["description"] = cell.text
            elif kind is HeaderKind.PROTOCOL_URI:
                protocol["uri"] = cell.text
            elif kind is HeaderKind.PROTOCOL_VERSION:
                protocol["version"] = cell.text
            else:
                component: dict[str, Any] = {
                    "componentName": component_name(cell),
                    "componentType": term_json(headers[c].term),  # type: ignore[arg-type]
                }
                if self.notes:
                    note = {"name": f"{CELL}{c}", "value": dumps_compact(cell_json(cell))}
                    component["comments"] = [note]
                components.append(component)
        parameters = [
            {"@id": self.category(table.name, "parameter", c), "parameterName": term_json(h.term)}  # type: ignore[arg-type]
            for c, h in enumerate(headers)
            if h.kind is HeaderKind.PARAMETER
        ]
        protocol["parameters"] = parameters  # empty or not: isatools' validator needs it
        if components:
            protocol["components"] = components
        self.protocols[key] = protocol
        # Processes carry the protocol without its parameter list (their values name them)
        # and without an empty type (ARCtrl would make it a column).
        self._slim[pid] = {
            k: v
            for k, v in protocol.items()
            if k != "parameters"
            and not (k == "protocolType" and v is _NO_TYPE)
            and (k != "name" or named)
        }
        return pid

    def slim_protocol(self, pid: str) -> dict[str, Any]:
        return self._slim[pid]

    def node_id(
        self,
        header: CompositeHeader,
        cell: CompositeCell,
        key: str,
        values: list[tuple[dict[str, Any], CompositeCell]],
        entries: list[dict[str, Any]],
    ) -> str:
        """The id of the (shared) node for an Input/Output cell with its characteristic or
        factor values (``entries``: their JSON)."""
        io = header.io_type
        assert io is not None
        kind = _NODE_KIND.get(io.label, "material")
        if kind == "source" and not self.is_study:
            kind = "material"  # assays list no sources

        def body() -> dict[str, Any]:
            out: dict[str, Any] = {}
            if kind == "data":
                out["type"] = "Raw Data File"  # ISA wants a data type; ARCtrl needs one
            if kind != "data":  # isatools' validator needs the lists, empty or not
                out["characteristics"] = []
                if kind == "sample":
                    out["factorValues"] = []
            if entries:
                out[key] = list(entries)
            comments = []
            if isinstance(cell, DataCell) and self.notes:
                if cell.format:
                    comments.append({"name": FORMAT, "value": cell.format})
                if cell.selector_format:
                    comments.append({"name": SELECTOR, "value": cell.selector_format})
            if comments:
                out["comments"] = comments
            return out

        parts = (cell, tuple((cat["@id"], c) for cat, c in values))
        node_id = self.registry.node(kind, cell.text, parts, body)
        self.node_ids[node_id] = None
        return node_id

    def node_json(self, node_id: str) -> dict[str, Any]:
        """A node as a process names it: whole, or by ``@id``."""
        # Studies have no dataFiles list: their data nodes always travel inline.
        if self.inline or (self.is_study and self.registry.kinds[node_id] == "data"):
            return self.registry.nodes[node_id]
        return {"@id": node_id}

    def _processes(self) -> Iterator[dict[str, Any]]:
        for plan, refs in self._tables:
            yield from plan.processes(refs)

    def parts(self) -> dict[str, Any]:
        """The scope's ISA-JSON fields (materials, protocols, processSequence ...)."""
        nodes = [self.registry.nodes[i] for i in self.node_ids]
        kinds = self.registry.kinds
        materials: dict[str, list[dict[str, Any]]] = {}
        if self.is_study:
            materials["sources"] = [n for n in nodes if kinds[n["@id"]] == "source"]
        materials["samples"] = [n for n in nodes if kinds[n["@id"]] == "sample"]
        materials["otherMaterials"] = [n for n in nodes if kinds[n["@id"]] == "material"]
        data = [n for n in nodes if kinds[n["@id"]] == "data"]
        parts: dict[str, Any] = {
            "materials": materials,
            "processSequence": LazyList(self._processes, sum(len(r) for _, r in self._tables)),
            "characteristicCategories": self.characteristic_categories,
            "unitCategories": list(self.units.values()),
        }
        if self.is_study:
            parts["protocols"] = list(self.protocols.values())
            parts["factors"] = self.factors
        else:
            parts["dataFiles"] = data
        return parts

    def layout_comment(self) -> dict[str, str]:
        return {"name": LAYOUT, "value": dumps_compact(self.layout)}


__all__ = ["CELL", "FORMAT", "LAYOUT", "SELECTOR", "NodeRegistry", "ScopeWriter", "category_id"]
