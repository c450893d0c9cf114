"""The lazy ISA-JSON read (voxhub.isa.jsonlazy) against the plain one.

``loads`` reads big documents with their processes and materials decoded one at a
time; ``from_isa_json`` reads dicts parsed at once. Both must build the same model,
and a broken document must fail the same way through either.
"""

import io
import json

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voxhub.isa import (
    ArcAssay,
    ArcInvestigation,
    ArcStudy,
    ArcTable,
    CompositeCell,
    CompositeHeader,
    IOType,
    IsaReadError,
    OntologyAnnotation,
)
from voxhub.isa.isajson import dump, dumps, from_isa_json, loads
from voxhub.isa.jsonlazy import RawList, parse

from .sample import sample_investigation
from .strategies import tables

OA = OntologyAnnotation


def every_kind_table(rows: int) -> ArcTable:
    """A table with a column of every kind, empty cells and values that repeat."""
    headers = [
        CompositeHeader.input(IOType.source()),
        CompositeHeader.protocol_ref(),
        CompositeHeader.protocol_type(),
        CompositeHeader.protocol_description(),
        CompositeHeader.protocol_uri(),
        CompositeHeader.protocol_version(),
        CompositeHeader.characteristic(OA("organism", "OBI", "OBI:0100026")),
        CompositeHeader.characteristic(OA("age", "EFO", "EFO:0000246"), has_unit=True),
        CompositeHeader.parameter(OA("temperature", "PATO", "PATO:0000146"), has_unit=True),
        CompositeHeader.parameter(OA("mode", "", "")),
        CompositeHeader.component(OA("microscope", "OBI", "OBI:0000001")),
        CompositeHeader.component(OA("slice", "OBI", "OBI:0000002"), has_unit=True),
        CompositeHeader.factor(OA("dose", "EFO", "EFO:0000428"), has_unit=True),
        CompositeHeader.performer(),
        CompositeHeader.date(),
        CompositeHeader.comment("operator"),
        CompositeHeader.free_text("Notes"),
        CompositeHeader.output(IOType.sample()),
    ]
    cell = CompositeCell
    unit = OA("degree Celsius", "UO", "UO:0000027")
    columns: list[list[CompositeCell]] = [[] for _ in headers]
    for r in range(rows):
        values = [
            cell.create_free_text(f"src-{r}"),
            cell.create_free_text("imaging"),
            cell.create_term(OA("microscopy", "OBI", "OBI:0000185") if r % 4 else OA()),
            cell.create_free_text("image it" if r % 2 else ""),
            cell.create_free_text("https://example.org/p"),
            cell.create_free_text("1.0"),
            cell.create_term(OA("Homo sapiens", "NCBITaxon", "NCBITaxon:9606") if r % 3 else OA()),
            cell.create_unitized(str(r % 7), OA("day", "UO", "UO:0000033")),
            cell.create_unitized(f"{r % 5}.5", unit),
            cell.create_term(OA(f"mode {r % 2}")),
            cell.create_term(OA(f"model {r % 3}", "OBI", f"OBI:000{r % 3}")),
            cell.create_unitized("150", OA("micrometer", "UO", "UO:0000017")),
            cell.create_unitized(str(r % 11), unit) if r % 5 else cell.create_unitized(),
            cell.create_free_text("Jane" if r % 2 else ""),
            cell.create_free_text("2024-05-01" if r % 3 else "spring"),
            cell.create_free_text(f"operator {r % 4}"),
            cell.create_free_text(f"note {r}" if r % 6 else ""),
            cell.create_free_text(f"sample-{r}"),
        ]
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    return ArcTable("Imaging", zip(headers, columns, strict=True))


def every_kind_investigation(rows: int = 60) -> ArcInvestigation:
    inv = ArcInvestigation("inv", title="every kind")
    inv.add_study(ArcStudy("S", tables=[every_kind_table(rows)]))
    data = ArcTable(
        "Measure",
        [
            (CompositeHeader.input(IOType.sample()), [CompositeCell.create_free_text("sample-1")]),
            (
                CompositeHeader.output(IOType.data()),
                [CompositeCell.create_data("img/1.zarr", "zarr", "ngff")],
            ),
        ],
    )
    inv.add_assay(ArcAssay("A", tables=[every_kind_table(rows), data]), register_in=["S"])
    return inv


def _dump(inv: ArcInvestigation, **options) -> bytes:
    out = io.BytesIO()
    dump(inv, out, **options)
    return out.getvalue()


@pytest.mark.parametrize("id_references", [False, True])
def test_every_column_kind_round_trips_exactly_with_notes(id_references):
    inv = every_kind_investigation()
    text = _dump(inv, notes=True, id_references=id_references)
    back = loads(text)
    assert back == inv
    # values, order, comments and @ids: the same document again
    assert _dump(back, notes=True, id_references=id_references) == text


@pytest.mark.parametrize("id_references", [False, True])
def test_an_export_reads_the_same_lazily_and_at_once(id_references):
    inv = every_kind_investigation()
    text = _dump(inv, id_references=id_references)
    lazy, whole = loads(text), from_isa_json(orjson.loads(text))
    assert lazy == whole
    table = lazy.get_assay("A").tables.get("Imaging")
    assert table.row_count == 60
    assert [c.text for c in next(iter(table.iter_rows()))][0] == "src-0"
    assert _dump(lazy) == _dump(whole)


def test_str_and_bytes_read_alike():
    text = dumps(every_kind_investigation(8))
    assert loads(text) == loads(text.encode()) == from_isa_json(json.loads(text))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    study_table=tables(name="S"),
    assay_tables=st.lists(tables(), max_size=2, unique_by=lambda t: t.name),
    notes=st.booleans(),
)
def test_random_tables_read_alike_lazily(study_table, assay_tables, notes):
    inv = ArcInvestigation("inv")
    inv.add_study(ArcStudy("S", tables=[study_table]))
    inv.add_assay(ArcAssay("A", tables=assay_tables), register_in=["S"])
    text = _dump(inv, notes=notes)
    lazy = loads(text)
    assert lazy == from_isa_json(json.loads(text))
    if notes:
        assert lazy == inv


def test_long_arrays_stay_text_until_read():
    doc = parse(dumps(every_kind_investigation(4)), "x.json")
    assay = doc["studies"][0]["assays"][0]
    assert isinstance(assay["processSequence"], RawList)
    assert isinstance(assay["materials"]["samples"], RawList)
    assert isinstance(doc["studies"][0]["people"], list)
    first = assay["processSequence"][0]
    assert first["name"] == "Imaging_0" and [p["name"] for p in assay["processSequence"]][1:2] == [
        "Imaging_1"
    ]


# -- broken and hostile documents --------------------------------------------------------
def _export() -> dict:
    return orjson.loads(dumps(sample_investigation(), notes=True))


@pytest.mark.parametrize(
    "mutate, where",
    [
        (
            lambda d: d["studies"][0]["processSequence"].append(7),
            r"\$.studies\[0\].processSequence\[3\]: expected an object",
        ),
        (
            lambda d: d["studies"][0].__setitem__("processSequence", {"a": 1}),
            r"\$.studies\[0\].processSequence: expected a list",
        ),
        (
            lambda d: d["studies"][0]["materials"].__setitem__("sources", [1]),
            r"\$.studies\[0\].materials.sources\[0\]: expected an object",
        ),
        (
            lambda d: d["studies"][0].__setitem__("materials", "x"),
            r"\$.studies\[0\].materials: expected an object",
        ),
        (
            lambda d: d["studies"][0]["processSequence"].pop(),
            r"\$.studies\[0\].processSequence: table 'Growth' needs 3 processes, 2 left",
        ),
        (
            lambda d: d["studies"][0]["processSequence"][0]["inputs"].__setitem__(
                0, {"@id": "#source/nowhere"}
            ),
            r"\$.studies\[0\].processSequence\[0\].inputs\[0\]: unknown node",
        ),
    ],
)
def test_broken_documents_fail_alike_lazily(mutate, where):
    data = _export()
    mutate(data)
    with pytest.raises(IsaReadError, match=where):
        from_isa_json(data, "upload.json")
    with pytest.raises(IsaReadError, match="^upload.json, " + where):
        loads(json.dumps(data), "upload.json")


@pytest.mark.parametrize(
    "text, problem",
    [
        (b'{"identifier": "x", "studies": [{"processSequence": [1,]}]}', "not valid JSON"),
        (b'{"identifier": "x"} trailing', "not valid JSON"),
        (b'{"studies": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        (b'{"identifier": "x", "studies": [{"identifier": "\xff"}]}', "not valid JSON"),
    ],
)
def test_malformed_text_is_a_clear_error(text, problem):
    with pytest.raises(IsaReadError, match=f"^x.json(, [^:]+)?: {problem}"):
        loads(text, "x.json")


def test_what_only_the_standard_library_reads_is_still_read():
    # NaN and numbers past a float's range: json reads them, msgspec and orjson do not
    data = _export()
    data["studies"][0]["title"] = "T"
    text = json.dumps(data).replace('"title": "T"', '"title": "T", "x": NaN, "y": 1e999')
    assert loads(text).get_study("growth").title == "T"
