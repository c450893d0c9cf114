"""ISA-JSON (version 1.0) for a whole investigation.

``to_isa_json`` / ``from_isa_json`` convert between the model and parsed
JSON; ``dumps`` / ``loads`` add the text step. Tables become processes (see
:mod:`voxhub.isa.processes`). An export is what ARCtrl writes: an assay's title and
description are "title"/"description" comments, its performers study people with a
``performer (ARC:00000168) <assay>`` comment, a Component's unit travels in its name
(``150 millimeter (UO:0000016)``), and it reads back as ARCtrl reads it. With
``notes=True`` (how the catalog stores investigations) model fields ISA-JSON 1.0 has
no place for also travel as ``voxhub:...`` comments, and model → ISA-JSON → model
loses nothing. An assay's identifier is its ``filename`` (``assays/<id>/isa.assay.xlsx``)
as in ARCs; its datamap travels as data files (:mod:`voxhub.isa.datamap_json`).
"""

from __future__ import annotations

import json
from typing import IO, Any

from voxhub.isa import jsonlazy, jsonstream
from voxhub.isa.datamap_json import datamap_json, read_datamap_json
from voxhub.isa.errors import InvalidIsa, InvalidTable, IsaConflict
from voxhub.isa.gcpause import without_gc
from voxhub.isa.jsonstream import materialize
from voxhub.isa.jsonvalues import (
    JsonReader,
    comments_json,
    dumps_compact,
    is_json_date,
    term_json,
)
from voxhub.isa.model import ArcAssay, ArcInvestigation, ArcStudy
from voxhub.isa.ontology import OntologySourceReference
from voxhub.isa.people import Comment, Person, Publication
from voxhub.isa.process_reader import Catalog, read_tables
from voxhub.isa.processes import NodeRegistry, ScopeWriter
from voxhub.isa.xlsx.assay import parse_platform, platform_text

PREFIX = "voxhub:"
# ARCtrl's comment on a study person who performed one of its assays: "<PERFORMER> <assay>".
PERFORMER = "performer (ARC:00000168)"
_UNREGISTERED = "voxhub:unregisteredAssays"


# -- writing ----------------------------------------------------------------------
def _date_fields(node: Any, out: dict[str, Any], comments: list[dict[str, str]]) -> None:
    for attr, key in (
        ("submission_date", "submissionDate"),
        ("public_release_date", "publicReleaseDate"),
    ):
        value = getattr(node, attr)
        if not value or is_json_date(value):
            out[key] = value
        else:
            out[key] = ""
            comments.append({"name": PREFIX + key, "value": value})


def person_json(person: Person) -> dict[str, Any]:
    out: dict[str, Any] = {
        "lastName": person.last_name,
        "firstName": person.first_name,
        "midInitials": person.mid_initials,
        "phone": person.phone,
        "fax": person.fax,
        "address": person.address,
        "affiliation": person.affiliation,
        "roles": [term_json(r) for r in person.roles],
    }
    comments = comments_json(person.comments)
    if person.orcid:
        comments.append({"name": "ORCID", "value": person.orcid})
    if "@" in person.email:
        out["email"] = person.email
    elif person.email:  # the schema checks emails; keep odd ones as a note
        comments.append({"name": PREFIX + "email", "value": person.email})
    out["comments"] = comments
    return out


def publication_json(pub: Publication) -> dict[str, Any]:
    out: dict[str, Any] = {
        "pubMedID": pub.pubmed_id,
        "doi": pub.doi,
        "authorList": pub.authors,
        "title": pub.title,
        "comments": comments_json(pub.comments),
    }
    if pub.status is not None:
        out["status"] = term_json(pub.status)
    return out


def _performer_json(person: Person, assay: str) -> dict[str, Any]:
    """An assay performer as ARCtrl writes it: a study person with a performer comment."""
    out = person_json(person)
    out["comments"] = out["comments"] + [{"name": f"{PERFORMER} {assay}", "value": assay}]
    return out


def _assay_json(assay: ArcAssay, writer: ScopeWriter, registered: bool) -> dict[str, Any]:
    # Title and description are comments named so, as ARCtrl writes them.
    comments = comments_json(assay.comments)
    if assay.title:
        comments.append({"name": "title", "value": assay.title})
    if assay.description:
        comments.append({"name": "description", "value": assay.description})
    if assay.performers and not registered:  # else they are people of its studies
        comments.append(
            {
                "name": PREFIX + "performers",
                "value": dumps_compact([person_json(p) for p in assay.performers]),
            }
        )
    comments.append(writer.layout_comment())
    out: dict[str, Any] = {"@id": f"#assay/{assay.identifier}", "filename": assay.file_name}
    if assay.measurement_type is not None:
        out["measurementType"] = term_json(assay.measurement_type)
    if assay.technology_type is not None:
        out["technologyType"] = term_json(assay.technology_type)
    out["technologyPlatform"] = platform_text(assay.technology_platform)
    out.update(writer.parts())
    if assay.datamap is not None:
        out["dataFiles"] = out["dataFiles"] + datamap_json(assay.datamap, assay.identifier)
    out["comments"] = comments
    return out


@without_gc
def to_isa_json(
    investigation: ArcInvestigation, id_references: bool = False, notes: bool = False
) -> dict[str, Any]:
    """The investigation as ISA-JSON (parsed form), all of it in memory (:func:`dump`
    writes a big investigation without building its processes all at once).

    By default processes spell out what they use, as ARCtrl writes and needs;
    ``id_references`` writes ``@id`` references instead (much smaller). ``notes`` adds
    voxhub's own ``voxhub:`` comments, with which voxhub reads back exactly the model
    it wrote (the catalog stores investigations so); without them the document is
    what ARCtrl writes, and reads back as ARCtrl reads it.
    """
    return materialize(_tree(investigation, id_references, notes))  # type: ignore[no-any-return]


def _tree(investigation: ArcInvestigation, id_references: bool, notes: bool) -> dict[str, Any]:
    """The ISA-JSON tree, its processes :class:`LazyList` s made while it is written."""
    inv = investigation
    registry = NodeRegistry()
    assay_writers: dict[str, ScopeWriter] = {}
    assay_json: dict[str, dict[str, Any]] = {}
    for assay in inv.assays:
        writer = ScopeWriter(
            f"assays/{assay.identifier}",
            registry,
            is_study=False,
            inline=not id_references,
            notes=notes,
        )
        for table in assay.tables:
            writer.add_table(table)
        assay_writers[assay.identifier] = writer
        registered = bool(inv.studies_of(assay.identifier))
        assay_json[assay.identifier] = _assay_json(assay, writer, registered)
    studies = []
    study_writers = []
    for study in inv.studies:
        writer = ScopeWriter(
            f"studies/{study.identifier}",
            registry,
            is_study=True,
            inline=not id_references,
            notes=notes,
        )
        for table in study.tables:
            writer.add_table(table)
        study_writers.append(writer)
        comments = comments_json(study.comments)
        out: dict[str, Any] = {
            "@id": f"#study/{study.identifier}",
            "filename": study.file_name,
            "identifier": study.identifier,
            "title": study.title,
            "description": study.description,
        }
        _date_fields(study, out, comments)
        out["publications"] = [publication_json(p) for p in study.publications]
        out["people"] = [person_json(p) for p in study.contacts] + [
            _performer_json(p, a)
            for a in study.registered_assay_identifiers
            for p in inv.get_assay(a).performers
        ]
        out["studyDesignDescriptors"] = [term_json(t) for t in study.design_descriptors]
        out.update(writer.parts())
        # Assays' protocols are declared in the studies that hold the assays.
        for assay_id in study.registered_assay_identifiers:
            out["protocols"] += list(assay_writers[assay_id].protocols.values())
        out["assays"] = [assay_json[a] for a in study.registered_assay_identifiers]
        out["comments"] = comments + [writer.layout_comment()]
        studies.append(out)
    comments = comments_json(inv.comments)
    unregistered = [
        {
            "assay": materialize(assay_json[a.identifier]),
            "protocols": list(assay_writers[a.identifier].protocols.values()),
        }
        for a in inv.unregistered_assays()
    ]
    if unregistered:
        comments.append({"name": _UNREGISTERED, "value": dumps_compact(unregistered)})
    out = {
        "@id": "#investigation",
        "filename": "isa.investigation.xlsx",
        "identifier": inv.identifier,
        "title": inv.title,
        "description": inv.description,
    }
    _date_fields(inv, out, comments)
    out["ontologySourceReferences"] = [
        {
            "name": s.name,
            "file": s.file,
            "version": s.version,
            "description": s.description,
            "comments": comments_json(s.comments),
        }
        for s in inv.ontology_source_references
    ]
    out["publications"] = [publication_json(p) for p in inv.publications]
    out["people"] = [person_json(p) for p in inv.contacts]
    out["studies"] = studies
    out["comments"] = comments
    # Readers such as isatools look every term's source up among the declared ones.
    # (The processes and nodes, the bulk of a big document, are not walked: their
    # writers know the sources they use and write no voxhub: comments without notes.)
    declared = {s.name for s in inv.ontology_source_references}
    nodes = {id(node) for node in registry.nodes.values()}
    used = _walk(out, strip_notes=not notes, skip=nodes)
    for writer in [*assay_writers.values(), *study_writers]:
        used |= writer.sources
    out["ontologySourceReferences"] += [
        {"name": name, "file": "", "version": "", "description": UNDECLARED, "comments": []}
        for name in sorted(used - declared - {""})
    ]
    return out


# The description of a term source the model uses without declaring it: written so that
# ISA-JSON readers find every source, and left out again when read back.
UNDECLARED = "term source used in this investigation"


def _walk(tree: Any, strip_notes: bool, skip: set[int]) -> set[str]:
    """Every ``termSource`` in a JSON tree (each shared object visited once, the objects
    whose ids are in ``skip`` never); with ``strip_notes``, ``voxhub:`` comments are taken
    out on the way."""
    found: set[str] = set()
    seen: set[int] = set(skip)
    stack = [tree]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            source = node.get("termSource")
            if isinstance(source, str):
                found.add(source)
            comments = node.get("comments")
            if strip_notes and isinstance(comments, list):
                node["comments"] = [c for c in comments if not _is_note(c)]
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return found


def _is_note(comment: Any) -> bool:
    return isinstance(comment, dict) and str(comment.get("name", "")).startswith(PREFIX)


@without_gc
def dumps(
    investigation: ArcInvestigation,
    indent: int | None = None,
    id_references: bool = False,
    notes: bool = False,
) -> str:
    """The investigation as ISA-JSON text (see :func:`to_isa_json` for the options)."""
    tree = _tree(investigation, id_references, notes)
    return jsonstream.dumps(tree, indent).decode()


@without_gc
def dump(
    investigation: ArcInvestigation,
    fp: IO[bytes],
    indent: int | None = None,
    id_references: bool = False,
    notes: bool = False,
) -> None:
    """Write the investigation as ISA-JSON (UTF-8) to a binary file, process by process,
    so that a 50 000-row table is never in memory as dicts or text all at once."""
    jsonstream.dump(_tree(investigation, id_references, notes), fp, indent)


# -- reading ------------------------------------------------------------------------
def _split(comments: list[Comment]) -> tuple[list[Comment], dict[str, str]]:
    """User comments, and voxhub's own notes by name (without the prefix)."""
    own = {c.name[len(PREFIX) :]: c.value for c in comments if c.name.startswith(PREFIX)}
    return [c for c in comments if not c.name.startswith(PREFIX)], own


def _read_person(data: Any, r: JsonReader, path: str) -> Person:
    data = r.obj(data, path)
    comments, own = _split(r.comments(data, path))
    orcid = next((c.value for c in comments if c.name == "ORCID"), "")
    return Person(
        last_name=r.text(data, "lastName", path),
        first_name=r.text(data, "firstName", path),
        mid_initials=r.text(data, "midInitials", path),
        email=r.text(data, "email", path) or own.get("email", ""),
        phone=r.text(data, "phone", path),
        fax=r.text(data, "fax", path),
        address=r.text(data, "address", path),
        affiliation=r.text(data, "affiliation", path),
        orcid=orcid,
        roles=[r.term(x, f"{path}.roles[{i}]") for i, x in enumerate(r.array(data, "roles", path))],
        comments=[c for c in comments if c.name != "ORCID"],
    )


def _read_publication(data: Any, r: JsonReader, path: str) -> Publication:
    data = r.obj(data, path)
    return Publication(
        pubmed_id=r.text(data, "pubMedID", path),
        doi=r.text(data, "doi", path),
        authors=r.text(data, "authorList", path),
        title=r.text(data, "title", path),
        status=r.term(data["status"], f"{path}.status") if data.get("status") else None,
        comments=r.comments(data, path),
    )


def _people(data: dict[str, Any], key: str, r: JsonReader, path: str) -> list[Person]:
    return [
        _read_person(p, r, f"{path}.{key}[{i}]") for i, p in enumerate(r.array(data, key, path))
    ]


def _publications(data: dict[str, Any], r: JsonReader, path: str) -> list[Publication]:
    items = r.array(data, "publications", path)
    return [_read_publication(p, r, f"{path}.publications[{i}]") for i, p in enumerate(items)]


def _assay_identifier(data: dict[str, Any], r: JsonReader, path: str) -> str:
    filename = r.text(data, "filename", path, required=True)
    parts = filename.split("/")
    if len(parts) == 3 and parts[0] == "assays":
        return parts[1]
    # ISA-Tab style names: a_<id>.txt
    stem = parts[-1].rsplit(".", 1)[0]
    return stem[2:] if stem.startswith("a_") else stem


def _read_assay(data: Any, catalog: Catalog, r: JsonReader, path: str) -> ArcAssay:
    data = r.obj(data, path)
    identifier = _assay_identifier(data, r, path)
    comments, own = _split(r.comments(data, path))
    try:
        assay = ArcAssay(identifier)
    except InvalidIsa as exc:
        raise r.fail(f"{path}.filename", str(exc)) from None
    # ARCtrl's "title"/"description" comments, or voxhub's older "voxhub:" ones.
    fields = {c.name: c.value for c in comments if c.name in ("title", "description")}
    comments = [c for c in comments if c.name not in fields]
    assay.title = fields.get("title", own.get("title", ""))
    assay.description = fields.get("description", own.get("description", ""))
    if data.get("measurementType"):
        assay.measurement_type = r.term(data["measurementType"], f"{path}.measurementType")
    if data.get("technologyType"):
        assay.technology_type = r.term(data["technologyType"], f"{path}.technologyType")
    assay.technology_platform = parse_platform(r.text(data, "technologyPlatform", path))
    if "performers" in own:
        try:
            people = json.loads(own["performers"])
        except json.JSONDecodeError as exc:
            raise r.fail(f"{path}.comments", f"broken performers note ({exc})") from None
        assay.performers = [_read_person(p, r, f"{path}.comments[performers]") for p in people]
    assay.comments = comments
    for table in read_tables(data, f"assays/{identifier}", catalog, r, path):
        assay.tables.add(table)
    assay.datamap = read_datamap_json(data, r, path)
    return assay


@without_gc
def from_isa_json(data: Any, source: str = "isa.json") -> ArcInvestigation:
    """Build the model from parsed ISA-JSON; errors name ``source`` and the JSON path."""
    r = JsonReader(source)
    root = r.obj(data, "$")
    try:
        inv = ArcInvestigation(r.text(root, "identifier", "$", required=True))
    except InvalidIsa as exc:
        raise r.fail("$.identifier", str(exc)) from None
    comments, own = _split(r.comments(root, "$"))
    inv.title = r.text(root, "title", "$")
    inv.description = r.text(root, "description", "$")
    inv.submission_date = r.text(root, "submissionDate", "$") or own.get("submissionDate", "")
    inv.public_release_date = r.text(root, "publicReleaseDate", "$") or own.get(
        "publicReleaseDate", ""
    )
    inv.comments = comments
    for i, s in enumerate(r.array(root, "ontologySourceReferences", "$")):
        where = f"$.ontologySourceReferences[{i}]"
        s = r.obj(s, where)
        if s.get("description") == UNDECLARED and not (s.get("file") or s.get("version")):
            continue  # declared only for ISA-JSON readers (see to_isa_json)
        inv.ontology_source_references.append(
            OntologySourceReference(
                r.text(s, "name", where),
                r.text(s, "file", where),
                r.text(s, "version", where),
                r.text(s, "description", where),
                r.comments(s, where),
            )
        )
    inv.publications = _publications(root, r, "$")
    inv.contacts = _people(root, "people", r, "$")
    studies = [r.obj(s, f"$.studies[{i}]") for i, s in enumerate(r.array(root, "studies", "$"))]
    unregistered = []
    if _UNREGISTERED[len(PREFIX) :] in own:
        try:
            unregistered = json.loads(own[_UNREGISTERED[len(PREFIX) :]])
        except json.JSONDecodeError as exc:
            raise r.fail("$.comments", f"broken unregistered-assays note ({exc})") from None
    catalog = Catalog(source)
    for i, study in enumerate(studies):
        catalog.add_scope(study, r, f"$.studies[{i}]")
        for k, assay in enumerate(r.array(study, "assays", f"$.studies[{i}]")):
            catalog.add_scope(
                r.obj(assay, f"$.studies[{i}].assays[{k}]"), r, f"$.studies[{i}].assays[{k}]"
            )
    for i, entry in enumerate(unregistered):
        where = f"$.comments[{_UNREGISTERED}][{i}]"
        entry = r.obj(entry, where)
        catalog.add_scope({"protocols": entry.get("protocols", [])}, r, where)
        catalog.add_scope(r.obj(entry.get("assay"), f"{where}.assay"), r, f"{where}.assay")
    try:
        for i, data_s in enumerate(studies):
            path = f"$.studies[{i}]"
            for k, assay_data in enumerate(r.array(data_s, "assays", path)):
                where = f"{path}.assays[{k}]"
                identifier = _assay_identifier(r.obj(assay_data, where), r, where)
                if inv.try_get_assay(identifier) is None:
                    inv.add_assay(_read_assay(assay_data, catalog, r, where))
        for i, entry in enumerate(unregistered):
            inv.add_assay(
                _read_assay(entry["assay"], catalog, r, f"$.comments[{_UNREGISTERED}][{i}].assay")
            )
        for i, data_s in enumerate(studies):
            added = inv.add_study(_read_study(data_s, catalog, r, f"$.studies[{i}]"))
            _move_performers(inv, added)
    except (IsaConflict, InvalidTable) as exc:
        raise r.fail("$", str(exc)) from None
    return inv


def _move_performers(inv: ArcInvestigation, study: ArcStudy) -> None:
    """Study people with ARCtrl's performer comment are the performers of that assay."""
    contacts = []
    for person in study.contacts:
        marks = [c for c in person.comments if c.name.startswith(PERFORMER)]
        assay = (
            inv.try_get_assay(marks[0].value or marks[0].name[len(PERFORMER) :].strip())
            if marks
            else None
        )
        if assay is None:
            contacts.append(person)
            continue
        person.comments = [c for c in person.comments if not c.name.startswith(PERFORMER)]
        if person not in assay.performers:  # listed once per study registering the assay
            assay.performers.append(person)
    study.contacts = contacts


def _read_study(data: dict[str, Any], catalog: Catalog, r: JsonReader, path: str) -> ArcStudy:
    identifier = r.text(data, "identifier", path, required=True)
    try:
        study = ArcStudy(identifier)
    except InvalidIsa as exc:
        raise r.fail(f"{path}.identifier", str(exc)) from None
    comments, own = _split(r.comments(data, path))
    study.title = r.text(data, "title", path)
    study.description = r.text(data, "description", path)
    study.submission_date = r.text(data, "submissionDate", path) or own.get("submissionDate", "")
    study.public_release_date = r.text(data, "publicReleaseDate", path) or own.get(
        "publicReleaseDate", ""
    )
    study.publications = _publications(data, r, path)
    study.contacts = _people(data, "people", r, path)
    study.design_descriptors = [
        r.term(t, f"{path}.studyDesignDescriptors[{i}]")
        for i, t in enumerate(r.array(data, "studyDesignDescriptors", path))
    ]
    study.comments = comments
    for table in read_tables(data, f"studies/{identifier}", catalog, r, path):
        study.tables.add(table)
    for k, assay in enumerate(r.array(data, "assays", path)):
        assay_id = _assay_identifier(r.obj(assay, f"{path}.assays[{k}]"), r, f"{path}.assays[{k}]")
        if assay_id not in study.registered_assay_identifiers:
            study._register(assay_id)
    return study


@without_gc
def loads(text: str | bytes, source: str = "isa.json") -> ArcInvestigation:
    """Read ISA-JSON text. Long arrays (processes, materials) are decoded one item at a
    time as the model is built (:mod:`voxhub.isa.jsonlazy`), so a big document never
    stands in memory as dicts all at once."""
    return from_isa_json(jsonlazy.parse(text, source), source)


__all__ = ["dump", "dumps", "from_isa_json", "loads", "person_json", "to_isa_json"]
