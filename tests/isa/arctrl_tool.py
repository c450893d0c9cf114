"""ARCtrl's side of the interop tests, run with the arctrl venv's Python (``make interop-arc``).

ARCtrl 3.2 needs Python >= 3.12 and is not installed beside voxhub, so the tests
call this file as a separate process::

    .venv-arctrl/bin/python tests/isa/arctrl_tool.py COMMAND ARGS...

Commands (every one prints one JSON document on stdout):

- ``write-sample DIR``: write ARCtrl's sample ARC (every field set) into DIR
- ``dump DIR``: load the ARC in DIR and print every field of it
- ``dump-isajson FILE``: read an ISA-JSON investigation file and print every field
- ``to-isajson DIR``: load the ARC in DIR and print its ISA-JSON (as a JSON string)
- ``sample-isajson``: ISA-JSON of the sample investigation (as a JSON string)
"""

from __future__ import annotations

import json
import sys

import arctrl
from arctrl import (
    ARC,
    ArcAssay,
    ArcInvestigation,
    ArcStudy,
    Comment,
    CompositeCell,
    CompositeHeader,
    DataContext,
    Datamap,
    IOType,
    JsonController,
    Person,
    Publication,
)
from arctrl import OntologyAnnotation as OA

UNDECLARED = "term source used in this investigation"  # voxhub.isa.isajson.UNDECLARED


def _oa(oa):
    if oa is None:
        return None
    return [oa.Name or "", oa.TermSourceREF or "", oa.TermAccessionNumber or ""]


def _comments(comments):
    # An empty comment is no comment (an xlsx comment row gives every person its column).
    return [[c.Name or "", c.Value or ""] for c in comments if c.Value]


def _person(p):
    return {
        "orcid": p.ORCID or "",
        "last": p.LastName or "",
        "first": p.FirstName or "",
        "mid": p.MidInitials or "",
        "email": p.EMail or "",
        "phone": p.Phone or "",
        "fax": p.Fax or "",
        "address": p.Address or "",
        "affiliation": p.Affiliation or "",
        "roles": [_oa(r) for r in p.Roles],
        "comments": _comments(p.Comments),
    }


def _publication(p):
    return {
        "pubmed": p.PubMedID or "",
        "doi": p.DOI or "",
        "authors": p.Authors or "",
        "title": p.Title or "",
        "status": _oa(p.Status),
        "comments": _comments(p.Comments),
    }


def cell(c):
    tag, fields = c.tag, c.fields
    if tag == 0:
        return ["term", *_oa(fields[0])]
    if tag == 1:
        return ["text", fields[0] or ""]
    if tag == 2:
        value, oa = fields
        return ["unit", value or "", *_oa(oa)]
    data = fields[0]
    return ["data", data.Name or "", data.Format or "", data.SelectorFormat or ""]


def _cell_in(header, c):
    found = cell(c)
    # ARCtrl reads an ISA-JSON data node into a Data column as free text (no format
    # travels there): the same cell as a data cell without format and selector.
    if found[0] == "text" and str(header).endswith("[Data]"):
        return ["data", found[1], "", ""]
    return found


def table(t):
    return {
        "name": t.Name,
        "columns": [
            [str(h), [_cell_in(h, t.GetCellAt(c, r)) for r in range(t.RowCount)]]
            for c, h in enumerate(t.Headers)
        ],
    }


def datamap(dm):
    if dm is None:
        return None
    return [
        {
            "name": d.Name or "",
            "format": d.Format or "",
            "selector": d.SelectorFormat or "",
            "explication": _oa(d.Explication) or ["", "", ""],
            "unit": _oa(d.Unit) or ["", "", ""],
            "object_type": _oa(d.ObjectType) or ["", "", ""],
            "label": d.Label or "",
            "description": d.Description or "",
            "generated_by": d.GeneratedBy or "",
            "comments": _comments(d.Comments),
        }
        for d in dm.DataContexts
    ]


def dump(inv) -> dict:
    """Every field ARCtrl models on an investigation, its studies and assays."""
    return {
        "identifier": inv.Identifier,
        "title": inv.Title or "",
        "description": inv.Description or "",
        "submission": inv.SubmissionDate or "",
        "release": inv.PublicReleaseDate or "",
        # voxhub's ISA-JSON declares the term sources it uses undeclared (isatools needs
        # them), marked so that voxhub leaves them out again: so does this dump.
        "sources": [
            [s.Name or "", s.File or "", s.Version or "", s.Description or ""]
            for s in inv.OntologySourceReferences
            if not (s.Description == UNDECLARED and not s.File and not s.Version)
        ],
        "publications": [_publication(p) for p in inv.Publications],
        "contacts": [_person(p) for p in inv.Contacts],
        "comments": _comments(inv.Comments),
        "studies_registered": list(inv.RegisteredStudyIdentifiers),
        "studies": {
            s.Identifier: {
                "title": s.Title or "",
                "description": s.Description or "",
                "submission": s.SubmissionDate or "",
                "release": s.PublicReleaseDate or "",
                "publications": [_publication(p) for p in s.Publications],
                "contacts": [_person(p) for p in s.Contacts],
                "design": [_oa(d) for d in s.StudyDesignDescriptors],
                "comments": _comments(s.Comments),
                "assays": list(s.RegisteredAssayIdentifiers),
                "tables": [table(t) for t in s.Tables],
                "datamap": datamap(s.Datamap),
            }
            for s in inv.Studies
        },
        "assays": {
            a.Identifier: {
                "title": a.Title or "",
                "description": a.Description or "",
                "measurement": _oa(a.MeasurementType),
                "technology": _oa(a.TechnologyType),
                "platform": _oa(a.TechnologyPlatform),
                "performers": [_person(p) for p in a.Performers],
                "comments": _comments(a.Comments),
                "tables": [table(t) for t in a.Tables],
                "datamap": datamap(a.Datamap),
            }
            for a in inv.Assays
        },
    }


def sample() -> ArcInvestigation:
    """An investigation with every field ARCtrl writes set to something."""
    inv = ArcInvestigation(
        "from-arctrl",
        title="Written by ARCtrl",
        description="An ARC ARCtrl wrote",
        submission_date="2024-05-01",
        public_release_date="2025-01-01",
    )
    inv.Contacts.append(
        Person(
            orcid="0000-0002-1825-0097",
            first_name="Ann",
            last_name="Lee",
            mid_initials="B",
            email="a@example.org",
            phone="+49 1",
            fax="+49 2",
            address="Main St 1",
            affiliation="Lab",
            roles=[OA("principal investigator", "NCIT", "NCIT:C19924")],
        )
    )
    inv.Publications.append(
        Publication(
            pub_med_id="123",
            doi="10.1/x",
            authors="Lee A",
            title="A paper",
            status=OA("published", "EFO", "EFO:0001796"),
        )
    )
    inv.Comments.append(Comment("funding", "grant 7"))
    study = ArcStudy(
        "S1",
        title="Study one",
        description="Growing plants",
        submission_date="2024-05-02",
        public_release_date="2025-01-02",
        study_design_descriptors=[OA("time series design", "EFO", "EFO:0001779")],
    )
    study.Contacts.append(Person(first_name="Sam", last_name="Oak", email="s@example.org"))
    inv.AddStudy(study)
    inv.RegisterStudy("S1")
    assay = ArcAssay(
        "A1",
        title="Proteomics run",
        description="Measured on the big machine",
        measurement_type=OA("proteomics", "MS", "MS:1000001"),
        technology_type=OA("mass spectrometry", "OBI", "OBI:0000470"),
        technology_platform=OA("Orbitrap", "MS", "MS:1000484"),
        performers=[Person(first_name="Per", last_name="Former", email="p@example.org")],
    )
    inv.AddAssay(assay)
    study.RegisterAssay("A1")
    celsius = OA("degree Celsius", "UO", "http://purl.obolibrary.org/obo/UO_0000027")
    mm = OA("millimeter", "UO", "UO:0000016")
    table_ = assay.InitTable("Growth")
    table_.AddColumn(
        CompositeHeader.input(IOType.source()),
        [CompositeCell.free_text("src1"), CompositeCell.free_text("src2")],
    )
    table_.AddColumn(
        CompositeHeader.parameter(OA("temperature", "PATO", "PATO:0000146")),
        [CompositeCell.create_unitized("37", celsius), CompositeCell.create_unitized("", celsius)],
    )
    table_.AddColumn(
        CompositeHeader.component(OA("column length", "MS", "MS:1000001")),
        [CompositeCell.create_unitized("150", mm), CompositeCell.create_unitized("75", mm)],
    )
    table_.AddColumn(
        CompositeHeader.characteristic(OA("organism", "OBI", "OBI:0100026")),
        [
            CompositeCell.create_term(OA("Homo sapiens", "NCBITaxon", "NCBITaxon:9606")),
            CompositeCell.create_term(OA()),
        ],
    )
    table_.AddColumn(
        CompositeHeader.comment("note"),
        [CompositeCell.free_text("hi"), CompositeCell.free_text("")],
    )
    table_.AddColumn(
        CompositeHeader.protocol_ref(),
        [CompositeCell.free_text("prot"), CompositeCell.free_text("prot")],
    )
    table_.AddColumn(
        CompositeHeader.output(IOType.data()),
        [
            CompositeCell.create_data_from_string("file.raw#row=1"),
            CompositeCell.create_data_from_string("file2.raw"),
        ],
    )
    assay.Datamap = Datamap(
        [
            DataContext(
                name="file.raw#row=1",
                format="text/csv",
                selector_format="https://datatracker.ietf.org/doc/html/rfc7111",
                explication=OA("intensity", "MS", "MS:1000042"),
                unit=OA("count", "UO", "UO:0000189"),
                object_type=OA("float", "NCIT", "NCIT:C48150"),
                label="Intensity",
                description="peak intensity",
                generated_by="msconvert",
            )
        ]
    )
    study_table = study.InitTable("Sampling")
    study_table.AddColumn(
        CompositeHeader.input(IOType.source()), [CompositeCell.free_text("plant")]
    )
    study_table.AddColumn(
        CompositeHeader.factor(OA("time", "EFO", "EFO:0000721")),
        [CompositeCell.create_unitized("5", OA("hour", "UO", "UO:0000032"))],
    )
    study_table.AddColumn(
        CompositeHeader.output(IOType.sample()), [CompositeCell.free_text("leaf")]
    )
    return inv


def main(argv: list[str]) -> None:
    command, args = argv[0], argv[1:]
    if command == "write-sample":
        ARC.from_arc_investigation(sample()).Write(args[0])
        out = {"arctrl": arctrl.__name__}
    elif command == "dump":
        out = dump(ARC.load(args[0]))
    elif command == "dump-isajson":
        with open(args[0], encoding="utf-8") as fh:
            out = dump(JsonController.Investigation.from_isajson_string(fh.read()))
    elif command == "to-isajson":
        out = JsonController.Investigation.to_isajson_string(ARC.load(args[0]))
    elif command == "sample-isajson":
        out = JsonController.Investigation.to_isajson_string(sample())
    else:
        raise SystemExit(f"unknown command {command}")
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
