import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource

from voxhub.isa import ArcAssay, ArcInvestigation, ArcStudy, IsaReadError, Person
from voxhub.isa.isajson import dumps, from_isa_json, loads, to_isa_json

from .sample import sample_investigation
from .strategies import tables

SCHEMAS = Path(__file__).parent / "schemas"


def _validator():
    registry = Registry()
    for path in SCHEMAS.glob("*_schema.json"):
        registry = registry.with_resource(
            path.name, Resource.from_contents(json.loads(path.read_text()))
        )
    schema = json.loads((SCHEMAS / "investigation_schema.json").read_text())
    return jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


VALIDATOR = _validator()


def assert_valid(data):
    errors = sorted(VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_the_schemas_reject_what_they_should():
    # a sanity check of the checker itself: unknown keys and bad dates fail
    assert list(VALIDATOR.iter_errors({"identifier": "x", "colour": "red"}))
    assert list(VALIDATOR.iter_errors({"submissionDate": "May 2024"}))
    assert list(VALIDATOR.iter_errors({"people": [{"email": "nope"}]}))
    assert not list(VALIDATOR.iter_errors({"submissionDate": "2024-05-01"}))


def test_round_trip_loses_nothing():
    """With voxhub's notes (how the catalog stores investigations) nothing is lost."""
    inv = sample_investigation()
    back = loads(dumps(inv, notes=True))
    assert back == inv
    assert dumps(back, notes=True) == dumps(inv, notes=True)


def test_an_export_has_no_voxhub_notes_and_reads_back_what_isa_json_holds():
    inv = sample_investigation()
    text = dumps(inv)
    assert "voxhub:" not in text
    back = loads(text)
    assert back.get_assay("imaging").datamap == inv.get_assay("imaging").datamap
    growth = back.get_study("growth").tables.get("Growth")  # named by its processes
    assert [h.label for h in growth.headers] == [
        "Input [Source Name]",
        "Protocol REF",
        "Protocol Type",
        "Characteristic [organism]",
        "Parameter [temperature]",
        "Performer",
        "Date",
        "Comment [note]",
        "Output [Sample Name]",
    ]
    assert growth.row_count == 2  # the row without input and output is no process


def test_output_is_valid_isa_json():
    assert_valid(to_isa_json(sample_investigation()))


def test_layout_of_processes_materials_and_protocols():
    data = to_isa_json(sample_investigation())
    study = data["studies"][0]
    assert study["filename"] == "studies/growth/isa.study.xlsx"
    assert [p["name"] for p in study["processSequence"]] == ["Growth_0", "Growth_1", "Growth_2"]
    first = study["processSequence"][0]
    assert first["inputs"][0]["name"] == "plant 1"
    assert first["outputs"][0]["name"] == "leaf 1"
    (characteristic,) = first["inputs"][0]["characteristics"]
    assert characteristic["value"]["annotationValue"] == "Arabidopsis thaliana"
    temperature = first["parameterValues"][0]
    assert temperature["value"] == 22
    assert temperature["unit"]["annotationValue"] == "degree Celsius"
    assert first["executesProtocol"]["name"] == "growth"
    assert first["executesProtocol"]["protocolType"]["annotationValue"] == "growth protocol"
    assert first["performer"] == "Ann" and first["date"] == "2024-05-01"
    assert {"name": "note", "value": "first"} in first["comments"]
    assert [s["name"] for s in study["materials"]["sources"]] == ["plant 1", "plant 2"]
    assay = study["assays"][0]
    assert assay["filename"] == "assays/imaging/isa.assay.xlsx"
    assert [d["name"] for d in assay["dataFiles"]] == [
        "images/leaf1.zarr",
        "images/leaf2.zarr#level=0",
        # the datamap: one data file per context, its columns as comments
        "images/leaf1.zarr",
        "tables/areas.csv#col=2",
    ]
    described = assay["dataFiles"][2]
    assert described["@id"] == "#datamap/imaging/0"
    assert {"name": "Explication Term Accession Number", "value": "FBbi:00000246"} in described[
        "comments"
    ]
    assert {"name": "Comment [channel]", "value": "1"} in described["comments"]
    # the assay's protocol is declared in the study that holds the assay
    assert "imaging" in [p["name"] for p in study["protocols"]]
    # "1e3" is not written back the same as a number, so it stays text
    values = [p["parameterValues"][0]["value"] for p in assay["processSequence"]]
    assert values == [0.5, "1e3"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    study_table=tables(name="S"),
    assay_tables=st.lists(tables(), max_size=2, unique_by=lambda t: t.name),
)
def test_random_tables_round_trip_and_stay_valid(study_table, assay_tables):
    inv = ArcInvestigation("inv")
    inv.add_study(ArcStudy("S", tables=[study_table]))
    inv.add_assay(ArcAssay("A", tables=assay_tables), register_in=["S"])
    data = to_isa_json(inv, notes=True)
    assert_valid(data)
    assert from_isa_json(json.loads(json.dumps(data))) == inv


def test_fields_iso_json_cannot_hold_still_round_trip():
    inv = ArcInvestigation("inv", submission_date="May 2024")
    inv.contacts.append(Person(last_name="X", email="not-an-email"))
    inv.add_study(ArcStudy("S", public_release_date="soon"))
    data = to_isa_json(inv, notes=True)
    assert_valid(data)
    back = from_isa_json(data)
    assert back == inv


def test_isa_json_without_voxhub_layout_is_grouped_by_protocol():
    data = to_isa_json(sample_investigation())
    for study in data["studies"]:
        study["comments"] = [c for c in study["comments"] if not c["name"].startswith("voxhub:")]
        for assay in study["assays"]:
            assay["comments"] = [c for c in assay["comments"] if c["name"] != "voxhub:tables"]
    inv = from_isa_json(data)
    growth = inv.get_study("growth").tables.get("Growth")
    labels = [h.label for h in growth.headers]
    assert labels[0] == "Input [Source Name]" and labels[-1] == "Output [Sample Name]"
    assert "Parameter [temperature]" in labels and "Characteristic [organism]" in labels
    assert growth.get_cell(labels.index("Parameter [temperature]"), 0).value == "22"
    measurement = inv.get_assay("imaging").tables.get("Measurement")
    assert measurement.headers[-1].label == "Output [Data]"
    assert measurement.get_cell(measurement.column_count - 1, 0).name == "images/leaf1.zarr"


# -- broken input names the file and the JSON path -------------------------------------
def test_invalid_json_names_line_and_column():
    with pytest.raises(IsaReadError, match=r"^upload.json, line 1 column 2: not valid JSON"):
        loads("{oops", "upload.json")


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda d: d.pop("identifier"), r"upload.json, \$: missing required key 'identifier'"),
        (
            lambda d: d["studies"][0].pop("identifier"),
            r"\$.studies\[0\]: missing required key 'identifier'",
        ),
        (
            lambda d: d["studies"][0]["assays"][0].pop("filename"),
            r"\$.studies\[0\].assays\[0\]: missing required key 'filename'",
        ),
        (lambda d: d.__setitem__("studies", {}), r"\$.studies: expected a list"),
        (
            lambda d: d["studies"][0]["people"][0].__setitem__("lastName", ["x"]),
            r"\$.studies\[0\].people\[0\].lastName: expected text",
        ),
        (
            lambda d: d["studies"][0]["processSequence"].pop(),
            r"\$.studies\[0\].processSequence: table 'Growth' needs 3 processes, 2 left",
        ),
    ],
)
def test_missing_or_wrong_keys_name_the_path(mutate, where):
    data = to_isa_json(sample_investigation(), notes=True)
    mutate(data)
    with pytest.raises(IsaReadError, match=where):
        from_isa_json(data, "upload.json")


def test_not_an_object():
    with pytest.raises(IsaReadError, match=r"x.json, \$: expected an object"):
        loads("[1, 2]", "x.json")


def test_isa_json_from_other_tools_with_id_references():
    path = Path(__file__).parent / "data" / "isatools_style.json"
    inv = loads(path.read_text(), path.name)
    assert inv.study_identifiers == ["S-1"]
    assert inv.get_study("S-1").registered_assay_identifiers == ("imaging",)  # from a_imaging.txt
    growth = inv.get_study("S-1").tables.get("growth protocol")
    labels = [h.label for h in growth.headers]
    assert labels == [
        "Input [Source Name]",
        "Protocol REF",
        "Protocol Type",
        "Characteristic [Organism]",
        "Parameter [medium]",
        "Factor [dose]",
        "Performer",
        "Date",
        "Comment [chamber]",
        "Output [Sample Name]",
    ]
    first = growth.get_row(0)
    assert first[3].term.short == "NCBITaxon:3702"
    dose = first[5]
    assert (dose.value, dose.unit.name, dose.unit.short) == ("5", "millimolar", "UO:0000063")
    assert growth.headers[5].term.short == "EFO:0000428"
    assert [c.text for c in growth.get_row(1)] == ["plant2", "growth protocol", "growth"] + [
        ""
    ] * 6 + ["leaf2"]
    imaging = inv.get_assay("imaging").tables.get("extraction")
    assert imaging.get_cell(2, 0).name == "img1.tif"
    # what came in converts to valid ISA-JSON and back without loss
    data = to_isa_json(inv)
    assert_valid(data)
    assert from_isa_json(data) == inv


def _study_with_factor_and_assay_using_its_samples() -> ArcInvestigation:
    from voxhub.isa import ArcTable, CompositeCell, CompositeHeader, IOType, OntologyAnnotation

    dose = OntologyAnnotation("dose", "EFO", "EFO:0000428")
    mm = OntologyAnnotation("millimolar", "UO", "UO:0000063")
    study_table = ArcTable("Treat")
    study_table.add_column(
        CompositeHeader.input(IOType.source()),
        [CompositeCell.create_free_text("p1"), CompositeCell.create_free_text("p2")],
    )
    study_table.add_column(
        CompositeHeader.factor(dose),
        [CompositeCell.create_unitized("5", mm), CompositeCell.create_unitized("9", mm)],
    )
    study_table.add_column(
        CompositeHeader.output(IOType.sample()),
        [CompositeCell.create_free_text("s1"), CompositeCell.create_free_text("s2")],
    )
    assay_table = ArcTable("Measure")
    assay_table.add_column(
        CompositeHeader.input(IOType.sample()),
        [CompositeCell.create_free_text("s1"), CompositeCell.create_free_text("s2")],
    )
    assay_table.add_column(
        CompositeHeader.output(IOType.data()),
        [CompositeCell.create_data("a.raw"), CompositeCell.create_data("b.raw")],
    )
    inv = ArcInvestigation("inv")
    inv.add_study(ArcStudy("S", tables=[study_table]))
    inv.add_assay(ArcAssay("A", tables=[assay_table]), register_in=["S"])
    return inv


@pytest.mark.parametrize("id_references", [False, True])
def test_a_sample_has_one_id_in_the_study_that_makes_it_and_the_assay_that_uses_it(id_references):
    inv = _study_with_factor_and_assay_using_its_samples()
    data = to_isa_json(inv, id_references=id_references)
    assert_valid(data)
    study = data["studies"][0]
    made = {s["name"]: s["@id"] for s in study["materials"]["samples"]}
    used = {
        p["inputs"][0].get("name", p["inputs"][0]["@id"]): p["inputs"][0]["@id"]
        for p in study["assays"][0]["processSequence"]
    }
    assert made == {"s1": "#sample/s1", "s2": "#sample/s2"}
    assert set(used.values()) == set(made.values())
    assert from_isa_json(data) == inv
