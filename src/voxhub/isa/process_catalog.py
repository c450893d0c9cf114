"""What ISA-JSON processes refer to, and one process seen through its references.

:class:`Catalog` collects, across a whole investigation, everything a process may
name by ``@id`` (nodes, protocols, units, categories); :class:`Row` reads one process
against it. The tables are built from rows by :mod:`voxhub.isa.process_reader`
(voxhub's own layout) and :mod:`voxhub.isa.foreign_tables` (ISA-JSON of other tools).

In a document parsed lazily (:mod:`voxhub.isa.jsonlazy`) the catalog keeps the
materials and data files as their undecoded text and decodes one when a row names
it: 100 000 nodes as dicts would take some 300 MB.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import NoneType
from typing import Any, TypeVar

from msgspec import Raw

from voxhub.isa.cells import (
    EMPTY_DATA_CELL,
    EMPTY_FREE_TEXT_CELL,
    EMPTY_TERM_CELL,
    CompositeCell,
    DataCell,
    FreeTextCell,
    TermCell,
    UnitizedCell,
)
from voxhub.isa.headers import CompositeHeader, IOType
from voxhub.isa.jsonlazy import ItemDecoder, RawList, decode, fields, items
from voxhub.isa.jsonvalues import JsonReader, cell_from_json, component_cell
from voxhub.isa.ontology import OntologyAnnotation
from voxhub.isa.processes import CELL, FORMAT, SELECTOR

T = TypeVar("T")

KIND_LABEL = {
    "source": IOType.SOURCE_LABEL,
    "sample": IOType.SAMPLE_LABEL,
    "data": IOType.DATA_LABEL,
    "material": IOType.MATERIAL_LABEL,
}


@dataclass
class Catalog:
    """Everything processes refer to by ``@id``, across the whole investigation."""

    source: str = "isa.json"  # named in errors
    # id -> the node (a dict, or its text from a lazily parsed list), and its kind
    # (two dicts, not one of pairs: 100 000 tuples would cost the garbage collector)
    nodes: dict[str, Any] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    protocols: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: dict[str, OntologyAnnotation] = field(default_factory=dict)
    categories: dict[str, OntologyAnnotation] = field(default_factory=dict)
    cells: dict[Any, CompositeCell] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    _once: dict[tuple[str, int], tuple[Any, Any]] = field(default_factory=dict)
    # the node decoded last: a row asks for its input several times (one per column)
    _last: tuple[str, tuple[str, dict[str, Any]]] | None = None
    _decoder: ItemDecoder | None = None

    def node(self, node_id: str) -> tuple[str, dict[str, Any]] | None:
        """A node's kind and body by ``@id`` (None: not declared)."""
        found = self.nodes.get(node_id)
        if found is None:
            return None
        if type(found) is dict:
            return self.kinds[node_id], found
        if self._last is not None and self._last[0] == node_id:
            return self._last[1]
        assert self._decoder is not None  # set with the first node kept as text
        decoded = (self.kinds[node_id], self._decoder.item(found))
        self._last = (node_id, decoded)
        return decoded

    def once(self, kind: str, value: Any, make: Callable[[], T]) -> T:
        """``make()`` for ``value``, worked out once per object: a lazily parsed document
        hands out one object for each distinct parameter-value list, protocol ...
        (:class:`voxhub.isa.jsonlazy.ItemDecoder`). The object is kept with the result,
        so that its ``id`` stays its own."""
        key = (kind, id(value))
        found = self._once.get(key)
        if found is not None:
            return found[1]  # type: ignore[no-any-return]
        made = make()
        if len(self._once) < 100_000:
            self._once[key] = (value, made)
        return made

    def text(self, text: str) -> str:
        """One object for each distinct short text (category ids, comment names)."""
        found = self.texts.get(text)
        if found is None and len(self.texts) < 100_000:
            self.texts[text] = found = text
        return found or text

    def add_scope(self, data: dict[str, Any], reader: JsonReader, path: str) -> None:
        materials = data.get("materials") or {}
        if not isinstance(materials, dict):
            raise reader.fail(f"{path}.materials", "expected an object")
        for key, kind in (
            ("sources", "source"),
            ("samples", "sample"),
            ("otherMaterials", "material"),
        ):
            nodes = self._kept(reader.array(materials, key, f"{path}.materials"))
            for i, (node, kept) in enumerate(nodes):
                self._node(kind, node, reader, f"{path}.materials.{key}[{i}]", kept)
        for i, (node, kept) in enumerate(self._kept(reader.array(data, "dataFiles", path))):
            self._node("data", node, reader, f"{path}.dataFiles[{i}]", kept)
        for i, unit in enumerate(reader.array(data, "unitCategories", path)):
            unit = reader.obj(unit, f"{path}.unitCategories[{i}]")
            if "@id" in unit:
                self.units[unit["@id"]] = reader.term(unit, f"{path}.unitCategories[{i}]")
        for i, cat in enumerate(reader.array(data, "characteristicCategories", path)):
            where = f"{path}.characteristicCategories[{i}]"
            cat = reader.obj(cat, where)
            if "@id" in cat and "characteristicType" in cat:
                self.categories[cat["@id"]] = reader.term(cat["characteristicType"], where)
        for i, factor in enumerate(reader.array(data, "factors", path)):
            where = f"{path}.factors[{i}]"
            factor = reader.obj(factor, where)
            if "@id" in factor:
                term = reader.term(factor.get("factorType") or {}, where)
                name = term.name or reader.text(factor, "factorName", where)
                self.categories[factor["@id"]] = OntologyAnnotation(
                    name, term.term_source_ref, term.term_accession
                )
        for i, protocol in enumerate(reader.array(data, "protocols", path)):
            self._protocol(protocol, reader, f"{path}.protocols[{i}]")
        processes = reader.array(data, "processSequence", path)
        if isinstance(processes, RawList):
            processes = map(self._refs, processes.raw_items())  # type: ignore[assignment]
        for i, process in enumerate(processes):
            where = f"{path}.processSequence[{i}]"
            process = reader.obj(process, where)
            if isinstance(process.get("executesProtocol"), dict):
                self._protocol(process["executesProtocol"], reader, f"{where}.executesProtocol")
            for key in ("inputs", "outputs"):
                for k, node in enumerate(reader.array(process, key, where)):
                    if isinstance(node, dict) and len(node) > 1:
                        self._node(None, node, reader, f"{where}.{key}[{k}]")

    def _kept(self, nodes: list[Any]) -> Any:
        """Each node with what the catalog keeps of it: its text when the list is lazy
        (then only its ``@id`` and name are decoded here, the rest when a row names it)."""
        if isinstance(nodes, RawList):
            self._decoder = nodes.decoder
            nodes.decoder.known = self.nodes.__contains__
            return ((_id_and_name(raw, nodes.source), raw) for raw in nodes.raw_items())
        return ((node, None) for node in nodes)

    def _refs(self, raw: Raw) -> Any:
        """What :meth:`add_scope` needs of a process (its protocol, and those of its
        inputs and outputs not yet known), decoded from its text without the rest."""
        parts = fields(raw)
        if parts is None:
            return decode(raw, self.source)  # not an object: add_scope says so
        out = {}
        if "executesProtocol" in parts:
            out["executesProtocol"] = decode(parts["executesProtocol"], self.source)
        for key in ("inputs", "outputs"):
            if key not in parts:
                continue
            nodes = items(parts[key])
            if nodes is None:
                out[key] = decode(parts[key], self.source)
                continue
            found: list[Any] = []
            for node in nodes:
                known = fields(node)
                if known is not None and "@id" in known:
                    node_id = decode(known["@id"], self.source)
                    if type(node_id) is str and node_id in self.nodes:
                        found.append(None)  # known: nothing to register
                        continue
                found.append(decode(node, self.source))
            out[key] = found
        return out

    def _node(
        self, kind: str | None, node: Any, reader: JsonReader, path: str, kept: Any = None
    ) -> None:
        """Register a node (``kind`` None: worked out from the node, only when it is new),
        keeping ``kept`` for it (its text) if given, else the node itself."""
        node = reader.obj(node, path)
        node_id = node.get("@id")
        if node_id and node_id in self.nodes:
            return
        kind = kind or kind_of(node)
        node_id = node_id or f"#{kind}/{reader.text(node, 'name', path)}"
        body = node if kept is None else kept
        if node_id not in self.nodes:
            self.nodes[node_id] = body
            self.kinds[node_id] = kind if kind in KIND_LABEL else "material"

    def _protocol(self, protocol: Any, reader: JsonReader, path: str) -> None:
        protocol = reader.obj(protocol, path)
        if "@id" in protocol and (len(protocol) > 1 or protocol["@id"] not in self.protocols):
            self.protocols[protocol["@id"]] = protocol
        for i, parameter in enumerate(reader.array(protocol, "parameters", path)):
            where = f"{path}.parameters[{i}]"
            parameter = reader.obj(parameter, where)
            if "@id" in parameter and "parameterName" in parameter:
                self.categories[parameter["@id"]] = reader.term(parameter["parameterName"], where)


def _id_and_name(raw: Raw, source: str) -> Any:
    parts = fields(raw)
    if parts is None:
        return decode(raw, source)  # not an object: the catalog says so
    return {k: decode(parts[k], source) for k in ("@id", "name") if k in parts}


def kind_of(node: dict[str, Any]) -> str:
    """Node kind from ``@type``, a data file ``type``, or an id like ``#Source_x``."""
    kind = str(node.get("@type", "")).lower()
    if kind in KIND_LABEL:
        return kind
    if str(node.get("type", "")).endswith("File"):
        return "data"
    match = re.match(r"#?(source|sample|data|material)", str(node.get("@id", "")), re.I)
    if match:
        return match.group(1).lower()
    return "sample" if "factorValues" in node else "material"


class Row:
    """One process seen through the references it makes."""

    def __init__(self, process: dict[str, Any], catalog: Catalog, reader: JsonReader, path: str):
        self.process = process
        self.catalog = catalog
        self.reader = reader
        self.path = path
        self.fallback: dict[int, CompositeCell] = {}
        self.comments: list[tuple[str, str]] = []
        for i, comment in enumerate(reader.comments(process, path)):
            if comment.name.startswith(CELL) and comment.name[len(CELL) :].isdigit():
                self.fallback[int(comment.name[len(CELL) :])] = self._cell(
                    comment.value, f"{path}.comments[{i}]"
                )
            else:
                self.comments.append((catalog.text(comment.name), comment.value))
        protocol = process.get("executesProtocol") or {}
        ref = protocol.get("@id") if isinstance(protocol, dict) else None
        self.protocol = catalog.protocols.get(ref, protocol) if ref else protocol
        # ARCtrl writes each row's components into the protocol inline, under one
        # @id for all rows: the row's own copy holds its values.
        own = protocol if isinstance(protocol, dict) and "components" in protocol else self.protocol
        self.components: list[tuple[OntologyAnnotation, CompositeCell]] = catalog.once(
            "components", own, lambda: self._components(own)
        )

    def _components(self, protocol: Any) -> list[tuple[OntologyAnnotation, CompositeCell]]:
        reader, path = self.reader, self.path
        found = []
        for i, component in enumerate(reader.array(protocol, "components", path)):
            where = f"{path}.executesProtocol.components[{i}]"
            component = reader.obj(component, where)
            kind = reader.term(component.get("componentType") or {}, where)
            cell = component_cell(reader.text(component, "componentName", where))
            for comment in reader.comments(component, where):
                if comment.name.startswith(CELL):
                    cell = self._cell(comment.value, where)
            found.append((kind, cell))
        return found

    def _cell(self, text: str, path: str) -> CompositeCell:
        try:
            return cell_from_json(json.loads(text), self.reader, path)
        except json.JSONDecodeError as exc:
            raise self.reader.fail(path, f"broken cell encoding ({exc})") from None

    def node(self, key: str, index: int = 0) -> tuple[str, dict[str, Any]] | None:
        refs = self.reader.array(self.process, key, self.path)
        if index >= len(refs):
            return None
        ref = self.reader.obj(refs[index], f"{self.path}.{key}[{index}]")
        found = self.catalog.node(ref.get("@id", ""))
        if found is None:
            if "name" not in ref:
                raise self.reader.fail(
                    f"{self.path}.{key}[{index}]", f"unknown node {ref.get('@id')!r}"
                )
            return (kind_of(ref), ref)
        return found

    def entry_cell(
        self, entries: list[Any], category: str, path: str, nth: int = 0
    ) -> CompositeCell:
        """The ``nth`` value entry of a category (characteristic, factor or parameter value)."""
        if not entries:
            return EMPTY_TERM_CELL
        # a lazily parsed document shares each distinct list: look each cell up once
        found: dict[tuple[str, int], CompositeCell] = self.catalog.once("entries", entries, dict)
        cell = found.get((category, nth))
        if cell is None:
            cell = found[(category, nth)] = self._entry_cell(entries, category, path, nth)
        return cell

    def _entry_cell(self, entries: list[Any], category: str, path: str, nth: int) -> CompositeCell:
        seen = 0
        for i, entry in enumerate(entries):
            if type(entry) is not dict:
                entry = self.reader.obj(entry, f"{path}[{i}]")
            cat = entry.get("category")
            if type(cat) is dict and cat.get("@id") == category:
                if seen == nth:
                    return self.value_cell(entry, f"{path}[{i}]")
                seen += 1
        return EMPTY_TERM_CELL

    def value_cell(self, entry: dict[str, Any], path: str) -> CompositeCell:
        value = entry.get("value")
        # Big tables repeat the same values: build each distinct cell once.
        try:
            key = (_key(value), "unit" in entry, _key(entry.get("unit")))
            cached = self.catalog.cells.get(key)
        except TypeError:
            key, cached = None, None
        if cached is not None:
            return cached
        cell = self._value_cell(entry, value, path)
        if key is not None and len(self.catalog.cells) < 200_000:
            self.catalog.cells[key] = cell
        return cell

    def _value_cell(self, entry: dict[str, Any], value: Any, path: str) -> CompositeCell:
        if "unit" in entry:
            unit = entry["unit"]
            unit = self.reader.obj(unit, f"{path}.unit")
            term = self.catalog.units.get(unit.get("@id", "")) if len(unit) == 1 else None
            if term is None:
                term = self.reader.term(unit, f"{path}.unit")
            return UnitizedCell(self.reader.scalar(value, f"{path}.value"), term)
        if isinstance(value, dict):
            return TermCell(self.reader.term(value, f"{path}.value"))
        return TermCell(OntologyAnnotation(self.reader.scalar(value, f"{path}.value")))


def _key(value: Any) -> Any:
    """A hashable stand-in for a term, unit or scalar JSON value (TypeError for others).

    Only the keys a cell is made of count (a term's three, a unit's ``@id`` too), and
    a value that is not text keeps its type: 1, 1.0 and True are equal dict keys.
    """
    if type(value) is str:
        return value
    if type(value) is dict:
        # the common case first: a term of three texts (and an @id)
        name = value.get("annotationValue")
        source, accession = value.get("termSource"), value.get("termAccession")
        if type(name) is str and type(source) is str and type(accession) is str:
            node_id = value.get("@id")
            if len(value) == 3 + (node_id is not None) and type(node_id) in (str, NoneType):
                return (node_id, name, source, accession)
        if not value.keys() <= _TERM_KEYS:
            raise TypeError("an object with other keys is not cached")
        return tuple(_key(value.get(k)) for k in _TERM_KEY_ORDER) + (len(value),)
    if isinstance(value, list):
        raise TypeError("lists are not cached")
    return (type(value), value)


_TERM_KEY_ORDER = ("@id", "annotationValue", "termSource", "termAccession")
_TERM_KEYS = frozenset(_TERM_KEY_ORDER) | {"comments", "@type"}  # (these two make no cell)


def io_cell(
    header: CompositeHeader, node: tuple[str, dict[str, Any]] | None, reader: JsonReader, path: str
) -> CompositeCell:
    if node is None:
        return EMPTY_DATA_CELL if header.is_data_column else EMPTY_FREE_TEXT_CELL
    name = reader.text(node[1], "name", path)
    if header.is_data_column:
        notes = {c.name: c.value for c in reader.comments(node[1], path)}
        return DataCell(name, notes.get(FORMAT, ""), notes.get(SELECTOR, ""))
    return FreeTextCell(name)


__all__ = ["KIND_LABEL", "Catalog", "Row", "io_cell", "kind_of"]
