"""ARCs cross between voxhub and ARCtrl (the ``arctrl`` package, the reference implementation)."""

import arctrl

from voxhub.isa import (
    ARC,
    DataCell,
    FreeTextCell,
    OntologyAnnotation,
    TermCell,
    UnitizedCell,
    load_arc,
    write_arc,
)
from voxhub.isa.isajson import dumps, loads

from .sample import sample_investigation


def _acc(accession):
    """ARCtrl rewrites accessions as URLs; compare the short id when there is one."""
    accession = accession or ""
    return OntologyAnnotation("", "", accession).short or accession


def _term(name, source, accession):
    return ("term", name or "", source or "", _acc(accession))


def ours(cell):
    if isinstance(cell, TermCell):
        t = cell.term
        return _term(t.name, t.term_source_ref, t.term_accession)
    if isinstance(cell, UnitizedCell):
        u = cell.unit
        if not u.name:  # a value without unit is a Term (ARCtrl keeps it Unitized)
            return _term(cell.value, u.term_source_ref, u.term_accession)
        return ("unit", cell.value, u.name, u.term_source_ref, _acc(u.term_accession))
    if isinstance(cell, FreeTextCell):
        return ("text", cell.value)
    assert isinstance(cell, DataCell)
    return ("data", cell.name, cell.format, cell.selector_format)


def theirs(cell):
    tag, fields = cell.tag, cell.fields
    if tag == 0:
        oa = fields[0]
        return _term(oa.Name, oa.TermSourceREF, oa.TermAccessionNumber)
    if tag == 1:
        return ("text", fields[0] or "")
    if tag == 2:
        value, oa = fields
        if not oa.Name:
            return _term(value, oa.TermSourceREF, oa.TermAccessionNumber)
        return ("unit", value or "", oa.Name, oa.TermSourceREF or "", _acc(oa.TermAccessionNumber))
    data = fields[0]
    return ("data", data.Name or "", data.Format or "", data.SelectorFormat or "")


def our_table(table):
    return {
        h.label: [ours(c) for c in col.cells]
        for h, col in zip(table.headers, table.columns, strict=True)
    }


def their_table(table):
    return {
        str(h): [theirs(table.GetCellAt(c, r)) for r in range(table.RowCount)]
        for c, h in enumerate(table.Headers)
    }


def test_an_arc_written_by_voxhub_reads_in_arctrl(tmp_path):
    inv = sample_investigation()
    write_arc(ARC(inv), tmp_path)
    loaded = arctrl.ARC.load(str(tmp_path))

    assert loaded.Identifier == inv.identifier
    assert loaded.Title == inv.title
    assert sorted(s.Identifier for s in loaded.Studies) == sorted(inv.study_identifiers)
    assert sorted(a.Identifier for a in loaded.Assays) == sorted(inv.assay_identifiers)
    assert [p.LastName for p in loaded.Contacts] == [p.last_name for p in inv.contacts]
    for study in inv.studies:
        theirs_ = loaded.GetStudy(study.identifier)
        assert list(theirs_.RegisteredAssayIdentifiers) == list(study.registered_assay_identifiers)
        assert [t.Name for t in theirs_.Tables] == study.tables.names
        for table in study.tables:
            assert their_table(theirs_.GetTable(table.name)) == our_table(table)
    for assay in inv.assays:
        theirs_ = loaded.GetAssay(assay.identifier)
        assert [t.Name for t in theirs_.Tables] == assay.tables.names
        for table in assay.tables:
            assert their_table(theirs_.GetTable(table.name)) == our_table(table)
    imaging = loaded.GetAssay("imaging")
    assert imaging.MeasurementType.Name == "imaging assay"
    assert _acc(imaging.MeasurementType.TermAccessionNumber) == "OBI:0000185"


def _arctrl_investigation():
    from arctrl import (
        ArcAssay,
        ArcInvestigation,
        ArcStudy,
        CompositeCell,
        CompositeHeader,
        IOType,
        Person,
    )
    from arctrl import OntologyAnnotation as OA

    inv = ArcInvestigation("from-arctrl", title="Written by ARCtrl", description="d")
    inv.Contacts.append(Person(first_name="Ann", last_name="Lee", email="a@example.org"))
    study = ArcStudy("S1", title="Study one")
    inv.AddStudy(study)
    inv.RegisterStudy("S1")
    assay = ArcAssay("A1", measurement_type=OA("proteomics", "MS", "MS:1000001"))
    inv.AddAssay(assay)
    study.RegisterAssay("A1")
    celsius = OA("degree Celsius", "UO", "http://purl.obolibrary.org/obo/UO_0000027")
    table = assay.InitTable("Growth")
    table.AddColumn(
        CompositeHeader.input(IOType.source()),
        [CompositeCell.free_text("src1"), CompositeCell.free_text("src2")],
    )
    table.AddColumn(
        CompositeHeader.parameter(OA("temperature", "PATO", "PATO:0000146")),
        [CompositeCell.create_unitized("37", celsius), CompositeCell.create_unitized("", celsius)],
    )
    table.AddColumn(
        CompositeHeader.characteristic(OA("organism", "OBI", "OBI:0100026")),
        [
            CompositeCell.create_term(OA("Homo sapiens", "NCBITaxon", "NCBITaxon:9606")),
            CompositeCell.create_term(OA()),
        ],
    )
    table.AddColumn(
        CompositeHeader.comment("note"),
        [CompositeCell.free_text("hi"), CompositeCell.free_text("")],
    )
    table.AddColumn(
        CompositeHeader.protocol_ref(),
        [CompositeCell.free_text("prot"), CompositeCell.free_text("prot")],
    )
    table.AddColumn(
        CompositeHeader.output(IOType.data()),
        [
            CompositeCell.create_data_from_string("file.raw#row=1"),
            CompositeCell.create_data_from_string("file2.raw"),
        ],
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


def test_an_arc_written_by_arctrl_reads_in_voxhub(tmp_path):
    theirs_inv = _arctrl_investigation()
    arctrl.ARC.from_arc_investigation(theirs_inv).Write(str(tmp_path))
    inv = load_arc(tmp_path).investigation

    assert inv.identifier == "from-arctrl"
    assert inv.title == "Written by ARCtrl"
    assert [p.first_name for p in inv.contacts] == ["Ann"]
    assert inv.study_identifiers == ["S1"]
    assert inv.assay_identifiers == ["A1"]
    assert inv.get_study("S1").registered_assay_identifiers == ("A1",)
    assay = inv.get_assay("A1")
    assert assay.measurement_type.name == "proteomics"
    assert assay.measurement_type.short == "MS:1000001"
    assert our_table(assay.tables.get("Growth")) == their_table(
        theirs_inv.GetAssay("A1").GetTable("Growth")
    )
    assert our_table(inv.get_study("S1").tables.get("Sampling")) == their_table(
        theirs_inv.GetStudy("S1").GetTable("Sampling")
    )
    # The unit column and the header term's accession come through exactly.
    growth = assay.tables.get("Growth")
    temperature = next(h for h in growth.headers if h.label == "Parameter [temperature]")
    assert temperature.has_unit
    assert temperature.term == OntologyAnnotation("temperature", "PATO", "PATO:0000146")


def test_voxhub_updates_an_arctrl_arc_and_arctrl_still_reads_it(tmp_path):
    arctrl.ARC.from_arc_investigation(_arctrl_investigation()).Write(str(tmp_path))
    arc = load_arc(tmp_path)
    arc.investigation.get_assay("A1").tables.get("Growth").remove_row(0)
    from voxhub.isa import fulfil_all

    fulfil_all(arc.update_assay("A1"), tmp_path)
    loaded = arctrl.ARC.load(str(tmp_path))
    table = loaded.GetAssay("A1").GetTable("Growth")
    assert table.RowCount == 1
    assert their_table(table) == our_table(arc.investigation.get_assay("A1").tables.get("Growth"))


def test_isa_json_written_by_arctrl_reads_in_voxhub():
    theirs_inv = _arctrl_investigation()
    text = arctrl.JsonController.Investigation().to_isajson_string(theirs_inv)
    inv = loads(text, "arctrl.json")
    assert inv.study_identifiers == ["S1"]
    assert inv.get_study("S1").registered_assay_identifiers == ("A1",)
    assert our_table(inv.get_assay("A1").tables.get("Growth")) == their_table(
        theirs_inv.GetAssay("A1").GetTable("Growth")
    )
    assert our_table(inv.get_study("S1").tables.get("Sampling")) == their_table(
        theirs_inv.GetStudy("S1").GetTable("Sampling")
    )


def test_isa_json_written_by_voxhub_reads_in_arctrl():
    inv = sample_investigation()
    loaded = arctrl.JsonController.Investigation().from_isajson_string(dumps(inv))
    assert [s.Identifier for s in loaded.Studies] == inv.study_identifiers
    assert [a.Identifier for a in loaded.Assays] == ["imaging"]
    # ARCtrl keeps only rows with an input or output and has no free-text columns in
    # ISA-JSON; every column it does show must hold our values.
    for ours_, theirs_ in (
        (
            inv.get_study("growth").tables.get("Growth"),
            loaded.GetStudy("growth").GetTable("Growth"),
        ),
        (
            inv.get_assay("imaging").tables.get("Measurement"),
            loaded.GetAssay("imaging").GetTable("Measurement"),
        ),
    ):
        mine, seen = our_table(ours_), their_table(theirs_)
        shared = [
            label for label in seen if label in mine and not label.startswith(("Input", "Output"))
        ]
        assert len(shared) >= 4
        for label in shared:
            assert seen[label] == mine[label][: theirs_.RowCount], label
