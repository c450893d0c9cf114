"""ARCs cross between voxhub and ARCtrl 3.2 (the reference implementation), both ways.

ARCtrl runs in its own venv (``make interop-arc``) through ``arctrl_tool.py``;
see :mod:`tests.isa.arctrl_peer`.
"""

import copy
import json

from tests.isa.arctrl_peer import arctrl, differences, our_dump
from typer.testing import CliRunner

from voxhub.cli.arc import app
from voxhub.isa import ARC, fulfil_all, load_arc, write_arc
from voxhub.isa.isajson import dumps, loads

from .sample import sample_investigation

runner = CliRunner()


def test_an_arc_written_by_voxhub_reads_in_arctrl(tmp_path):
    inv = sample_investigation()
    write_arc(ARC(inv), tmp_path)
    theirs = arctrl("dump", tmp_path)
    assert differences(theirs, our_dump(inv)) == []


def test_an_arc_written_by_arctrl_reads_in_voxhub(tmp_path):
    arctrl("write-sample", tmp_path)
    theirs = arctrl("dump", tmp_path)
    assert differences(our_dump(load_arc(tmp_path).investigation), theirs) == []


def test_voxhub_updates_an_arctrl_arc_and_arctrl_still_reads_it(tmp_path):
    arctrl("write-sample", tmp_path)
    before = arctrl("dump", tmp_path)
    arc = load_arc(tmp_path)
    arc.investigation.get_assay("A1").tables.get("Growth").remove_row(0)
    fulfil_all(arc.update_assay("A1"), tmp_path)
    after = arctrl("dump", tmp_path)
    expected = copy.deepcopy(before)
    for _, cells in expected["assays"]["A1"]["tables"][0]["columns"]:
        del cells[0]
    assert differences(after, expected) == []


def _voxhub_arc(root, *args):
    result = runner.invoke(app, ["--arc", str(root), *args])
    assert result.exit_code == 0, result.output


def test_every_voxhub_arc_verb_keeps_an_arctrl_arc_readable_and_whole(tmp_path):
    """An ARC written by ARCtrl 3.2 (openpyxl with lxml: ``xmlns:r`` on every ``<sheet>``),
    changed by each ``voxhub arc`` verb, reads back in ARCtrl with every field as expected."""
    arctrl("write-sample", tmp_path)
    expected = arctrl("dump", tmp_path)
    person = {
        "orcid": "",
        "last": "New",
        "first": "Nina",
        "mid": "",
        "email": "n@example.org",
        "phone": "",
        "fax": "",
        "address": "",
        "affiliation": "",
        "roles": [],
        "comments": [],
    }
    steps = [
        (["investigation", "update", "--title", "Renamed"], lambda d: d.update(title="Renamed")),
        (
            ["study", "update", "-s", "S1", "--description", "Changed"],
            lambda d: d["studies"]["S1"].update(description="Changed"),
        ),
        (
            ["assay", "update", "-a", "A1", "--title", "New title"],
            lambda d: d["assays"]["A1"].update(title="New title"),
        ),
        (
            ["person", "register", "-l", "New", "-f", "Nina", "--email", "n@example.org"],
            lambda d: d["contacts"].append(person),
        ),
        (
            ["person", "register", "-l", "New", "-f", "Nina", "--email", "n@example.org"]
            + ["-s", "S1"],
            lambda d: d["studies"]["S1"]["contacts"].append(person),
        ),
        (["person", "unregister", "-l", "New", "-f", "Nina"], lambda d: d["contacts"].pop()),
        (["study", "add", "-s", "S2", "--title", "Second"], None),
        (["assay", "add", "-s", "S2", "-a", "A2"], None),
        (
            ["assay", "register", "-s", "S2", "-a", "A1"],
            lambda d: None,  # checked below with S2 itself
        ),
        (["assay", "unregister", "-s", "S2", "-a", "A1"], None),
        (["assay", "delete", "-a", "A2"], None),
        (["study", "delete", "-s", "S2"], None),
    ]
    for args, change in steps:
        _voxhub_arc(tmp_path, *args)
        if change is not None:
            change(expected)
    after = arctrl("dump", tmp_path)
    assert differences(after, expected) == []


def test_isa_json_written_by_arctrl_reads_in_voxhub(tmp_path):
    text = arctrl("sample-isajson")
    (tmp_path / "arctrl.json").write_text(text, encoding="utf-8")
    theirs = arctrl("dump-isajson", tmp_path / "arctrl.json")
    inv = loads(text, "arctrl.json")
    assert differences(our_dump(inv), theirs) == []


def test_isa_json_written_by_voxhub_reads_in_arctrl(tmp_path):
    inv = sample_investigation()
    text = dumps(inv)
    assert "voxhub:" not in text  # an export carries none of voxhub's own notes
    (tmp_path / "voxhub.json").write_text(text, encoding="utf-8")
    theirs = arctrl("dump-isajson", tmp_path / "voxhub.json")
    # What ISA-JSON can hold survives the trip through both: what voxhub reads back
    # from its own ISA-JSON is what ARCtrl reads. voxhub keeps more, which ARCtrl 3.2
    # drops from ISA-JSON: a process's performer and date, and the assay's datamap.
    ours = our_dump(loads(text, "voxhub.json"))
    assert ours["assays"]["imaging"].pop("datamap") is not None
    theirs["assays"]["imaging"].pop("datamap")
    growth = ours["studies"]["growth"]["tables"][0]
    dropped = [c for c in growth["columns"] if c[0] in ("Performer", "Date")]
    assert [c[0] for c in dropped] == ["Performer", "Date"]
    growth["columns"] = [c for c in growth["columns"] if c not in dropped]
    assert differences(theirs, ours) == []


def test_arctrl_isa_json_through_voxhub_keeps_every_field(tmp_path):
    """arctrl ISA-JSON → voxhub → ISA-JSON → arctrl: titles, descriptions, performers,
    units (and everything else ARCtrl keeps in ISA-JSON) come back."""
    text = arctrl("sample-isajson")
    (tmp_path / "arctrl.json").write_text(text, encoding="utf-8")
    (tmp_path / "voxhub.json").write_text(dumps(loads(text, "arctrl.json")), encoding="utf-8")
    direct = arctrl("dump-isajson", tmp_path / "arctrl.json")
    through = arctrl("dump-isajson", tmp_path / "voxhub.json")
    assert differences(through, direct) == []
    assert json.loads(text)  # ARCtrl's text is JSON


def test_arctrl_conventions_for_assay_fields_and_components_both_ways(tmp_path):
    """Assay title and description are 'title'/'description' comments, performers are study
    people with ARCtrl's performer comment, and a Component's unit travels in its name
    (``150 millimeter (UO:0000016)``): voxhub reads them from ARCtrl and writes them so."""
    text = arctrl("sample-isajson")
    inv = loads(text, "arctrl.json")
    assay = inv.get_assay("A1")
    assert (assay.title, assay.description) == ("Proteomics run", "Measured on the big machine")
    assert assay.comments == []
    assert [p.last_name for p in assay.performers] == ["Former"]
    assert [p.last_name for p in inv.get_study("S1").contacts] == ["Oak"]
    growth = assay.tables.get("Growth")
    column = next(
        c for h, c in zip(growth.headers, growth.columns, strict=True) if h.label.startswith("Comp")
    )
    assert [(c.value, c.unit.name, c.unit.short) for c in column.cells] == [
        ("150", "millimeter", "UO:0000016"),
        ("75", "millimeter", "UO:0000016"),
    ]
    (tmp_path / "voxhub.json").write_text(dumps(inv), encoding="utf-8")
    (tmp_path / "arctrl.json").write_text(text, encoding="utf-8")
    through = arctrl("dump-isajson", tmp_path / "voxhub.json")["assays"]["A1"]
    direct = arctrl("dump-isajson", tmp_path / "arctrl.json")["assays"]["A1"]
    for field in ("title", "description", "performers", "measurement", "technology"):
        assert through[field] == direct[field], field
    for table in (through, direct):
        components = dict(table["tables"][0]["columns"])
        assert components["Component [column length]"] == [
            ["unit", "150", "millimeter", "UO", "UO:0000016"],
            ["unit", "75", "millimeter", "UO", "UO:0000016"],
        ]
