"""A script of ArcCommander commands, as its users write them, run through ``voxhub arc``;
ARCtrl 3.2 then reads the ARC with every field as the script set it."""

import json
import shlex
import shutil
import sys

import pytest
from tests.isa.arctrl_peer import arctrl, differences
from typer.testing import CliRunner

from voxhub.cli.arc import app

# ArcCommander's own spelling throughout: short group names, -p, its option names.
SCRIPT = r"""
arc -p myarc init -i atlas --gitignore
arc -p myarc i update --title "Light sheet atlas" --description "Whole brains" --submissiondate 2024-05-01 --publicreleasedate 2025-01-01
arc -p myarc i person register -l Lee -f Ann -m B --email a@example.org --phone "+49 1" --fax "+49 2" --address "Main St 1" --affiliation Lab --orcid 0000-0002-1825-0097 --roles "principal investigator" --rolestermaccessionnumber NCIT:C19924 --rolestermsourceref NCIT
arc -p myarc i person register -l Oak -f Sam
arc -p myarc i person update -l Oak -f Sam --email s@example.org
arc -p myarc i person update -l Doe -f Jo --affiliation Lab --addifmissing
arc -p myarc i person unregister -l Doe -f Jo
arc -p myarc i publication register -d 10.1/x -p 123 --authorlist "Lee A" --title "A paper" --status published --statustermaccessionnumber EFO:0001796 --statustermsourceref EFO
arc -p myarc i publication update -d 10.1/x --title "The paper"
arc -p myarc s init -s S1
arc -p myarc s register -s S1
arc -p myarc s update -s S1 --title "Study one" --description "Growing plants" --submissiondate 2024-05-02 --publicreleasedate 2025-01-02
arc -p myarc s add -s S2 --title "Draft"
arc -p myarc s unregister -s S2
arc -p myarc s remove -s S2
arc -p myarc s person register -s S1 -l Oak -f Sam --email s@example.org --roles "data curator;author"
arc -p myarc s person update -s S1 -l Oak -f Sam --roles "data curator" --replacewithemptyvalues
arc -p myarc s publication register -s S1 -d 10.2/y --title "Study paper"
arc -p myarc s design register -s S1 -d "time series design" --typetermaccessionnumber EFO:0001779 --typetermsourceref EFO
arc -p myarc s design register -s S1 -d "dose response design"
arc -p myarc s design unregister -s S1 -d "dose response design"
arc -p myarc s protocol register -s S1 -n Growth --protocoltype "growth protocol" --typetermaccessionnumber OBI:0000272 --typetermsourceref OBI --description Grow --uri https://example.org/p --version 1.0 --parametersname "temperature;light" --parameterstermaccessionnumber "PATO:0000146;" --parameterstermsourceref "PATO;" --componentsname Percival --componentstype "growth chamber"
arc -p myarc s protocol update -s S1 -n Growth --version 1.1
arc -p myarc s factor register -s S1 -n time --typetermaccessionnumber EFO:0000721 --typetermsourceref EFO
arc -p myarc a init -a A0
arc -p myarc a add -s S1 -a A1 --measurementtype proteomics --measurementtypetermaccessionnumber MS:1000001 --measurementtypetermsourceref MS --technologytype "mass spectrometry" --technologytypetermaccessionnumber OBI:0000470 --technologytypetermsourceref OBI --technologyplatform "Orbitrap (MS:1000484)"
arc -p myarc a register -s S1 -a A0
arc -p myarc s add -s S3
arc -p myarc a move -s S1 -a A0 -t S3
arc -p myarc a person register -a A1 -l Former -f Per --email p@example.org
arc -p myarc a add -s S3 -a Scratch
arc -p myarc a remove -a Scratch
arc -p myarc a update -a A0 --measurementtype imaging --addifmissing
arc -p myarc export -o myarc/isa.json
"""  # noqa: E501


def run_script(script: str) -> None:
    runner = CliRunner()
    for line in script.strip().splitlines():
        argv = shlex.split(line)
        assert argv[0] == "arc"
        result = runner.invoke(app, argv[1:])
        assert result.exit_code == 0, f"{line}\n{result.output}"


def person(last, first, email="", **more):
    fields = dict.fromkeys(["orcid", "mid", "phone", "fax", "address", "affiliation"], "")
    return {"last": last, "first": first, "email": email, "roles": [], "comments": []} | (
        fields | more
    )


def expected() -> dict:
    """What the script says the ARC holds, field by field, as arctrl_tool dumps it."""
    ann = person(
        "Lee", "Ann", "a@example.org", mid="B", phone="+49 1", fax="+49 2",
        address="Main St 1", affiliation="Lab", orcid="0000-0002-1825-0097",
        roles=[["principal investigator", "NCIT", "NCIT:C19924"]],
    )  # fmt: skip
    sam = person("Oak", "Sam", "s@example.org")
    study_sam = person("Oak", "Sam", "", roles=[["data curator", "", ""]])
    empty_study = {
        "title": "", "description": "", "submission": "", "release": "", "publications": [],
        "contacts": [], "design": [], "comments": [], "assays": [], "tables": [],
        "datamap": None,
    }  # fmt: skip
    empty_assay = {
        "title": "", "description": "", "measurement": None, "technology": None,
        "platform": None, "performers": [], "comments": [], "tables": [], "datamap": None,
    }  # fmt: skip
    growth = [
        ["Protocol REF", [["text", "Growth"]]],
        ["Protocol Type", [["term", "growth protocol", "OBI", "OBI:0000272"]]],
        ["Protocol Description", [["text", "Grow"]]],
        ["Protocol Uri", [["text", "https://example.org/p"]]],
        ["Protocol Version", [["text", "1.1"]]],
        ["Parameter [temperature]", [["term", "", "", ""]]],
        ["Parameter [light]", [["term", "", "", ""]]],
        ["Component [growth chamber]", [["term", "Percival", "", ""]]],
        ["Factor [time]", [["term", "", "", ""]]],
    ]
    return {
        "identifier": "atlas",
        "title": "Light sheet atlas",
        "description": "Whole brains",
        "submission": "2024-05-01",
        "release": "2025-01-01",
        "sources": [],
        "publications": [
            {
                "pubmed": "123",
                "doi": "10.1/x",
                "authors": "Lee A",
                "title": "The paper",
                "status": ["published", "EFO", "EFO:0001796"],
                "comments": [],
            }  # fmt: skip
        ],
        "contacts": [ann, sam],
        "comments": [],
        "studies_registered": ["S1", "S3"],
        "studies": {
            "S1": empty_study
            | {
                "title": "Study one",
                "description": "Growing plants",
                "submission": "2024-05-02",
                "release": "2025-01-02",
                "publications": [
                    {
                        "pubmed": "",
                        "doi": "10.2/y",
                        "authors": "",
                        "title": "Study paper",
                        "status": None,
                        "comments": [],
                    }  # fmt: skip
                ],
                "contacts": [study_sam],
                "design": [["time series design", "EFO", "EFO:0001779"]],
                "assays": ["A1"],
                "tables": [{"name": "Growth", "columns": growth}],
            },
            "S3": empty_study | {"assays": ["A0"]},
        },
        "assays": {
            "A0": empty_assay | {"measurement": ["imaging", "", ""]},
            "A1": empty_assay
            | {
                "measurement": ["proteomics", "MS", "MS:1000001"],
                "technology": ["mass spectrometry", "OBI", "OBI:0000470"],
                "platform": ["Orbitrap", "MS", "MS:1000484"],
                "performers": [person("Former", "Per", "p@example.org")],
            },
        },
    }


def test_an_arccommander_script_runs_unchanged_and_arctrl_reads_every_field(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_script(SCRIPT)
    dump = arctrl("dump", tmp_path / "myarc")
    # arctrl orders its studies by folder; the comparison is by identifier
    assert differences(dump, expected()) == []
    exported = json.loads((tmp_path / "myarc" / "isa.json").read_text())
    assert [s["identifier"] for s in exported["studies"]] == ["S1", "S3"]
    assert (tmp_path / "myarc" / ".gitignore").is_file()
    assert (tmp_path / "myarc" / ".git").is_dir() or sys.platform == "win32"


@pytest.fixture(scope="module")
def half_done(tmp_path_factory):
    """The ARC of the script's first 26 lines (up to 'a add ... A1')."""
    folder = tmp_path_factory.mktemp("half")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        run_script("\n".join(SCRIPT.strip().splitlines()[:26]))
    return folder / "myarc"


@pytest.mark.parametrize(
    "line, message",
    [
        ("arc -p myarc i person register -l Lee -f Ann", "already registered"),
        ("arc -p myarc i person update -l Nobody -f X --email e", "--addifmissing"),
        ("arc -p myarc s person register -s Nope -l A -f B", "no study 'Nope'"),
        ("arc -p myarc s init -s 'bad/name'", "invalid study identifier"),
        ("arc -p myarc s register -s S1", "already registered"),
        ("arc -p myarc a move -s S1 -a A1 -t Nope", "no study 'Nope'"),
        ("arc -p myarc a unregister -s S1 -a A0", "not registered"),
        ("arc -p myarc i delete -i wrong", "nothing deleted"),
        ("arc -p myarc s protocol register -s S1 -n Growth", "already registered"),
        ("arc -p myarc s factor unregister -s S1 -n nope", "no factor nope"),
        ("arc -p myarc i person register -l Lee", "Missing option"),
        ("arc -p elsewhere i show", "no ARC at"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(half_done, tmp_path, monkeypatch, line, message):
    shutil.copytree(half_done, tmp_path / "myarc", symlinks=True)
    monkeypatch.chdir(tmp_path)
    before = {p: p.read_bytes() for p in (tmp_path / "myarc").rglob("*") if p.is_file()}
    result = CliRunner().invoke(app, shlex.split(line)[1:])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    after = {p: p.read_bytes() for p in (tmp_path / "myarc").rglob("*") if p.is_file()}
    assert after == before


def test_arccommander_verbs_on_an_arc_arctrl_wrote_keep_every_other_field(tmp_path, monkeypatch):
    """An ARC written by ARCtrl 3.2, changed with the entry verbs, reads back in ARCtrl with
    exactly the changes asked for."""
    arctrl("write-sample", tmp_path / "myarc")
    want = arctrl("dump", tmp_path / "myarc")
    monkeypatch.chdir(tmp_path)
    run_script(
        """
arc -p myarc i publication update -d 10.1/x --title "Renamed paper"
arc -p myarc i person update -l Lee -f Ann --phone "+49 9"
arc -p myarc s design register -s S1 -d "dose design"
arc -p myarc s factor register -s S1 -n dose
arc -p myarc s publication register -s S1 -d 10.3/z --title Z
arc -p myarc a person update -a A1 -l Former -f Per --affiliation Lab
arc -p myarc s unregister -s S1
arc -p myarc s register -s S1
arc -p myarc s add -s S2 --title Two
arc -p myarc a move -s S1 -a A1 -t S2
"""
    )
    want["publications"][0]["title"] = "Renamed paper"
    want["contacts"][0]["phone"] = "+49 9"
    s1 = want["studies"]["S1"]
    s1["design"].append(["dose design", "", ""])
    sampling = s1["tables"][0]["columns"]
    sampling.append(["Factor [dose]", [["term", "", "", ""]] * len(sampling[0][1])])
    s1["publications"].append(
        {
            "pubmed": "",
            "doi": "10.3/z",
            "authors": "",
            "title": "Z",
            "status": None,
            "comments": [],
        }  # fmt: skip
    )
    want["assays"]["A1"]["performers"][0]["affiliation"] = "Lab"
    s1["assays"] = []
    want["studies_registered"].append("S2")
    want["studies"]["S2"] = {
        "title": "Two", "description": "", "submission": "", "release": "", "publications": [],
        "contacts": [], "design": [], "comments": [], "assays": ["A1"], "tables": [],
        "datamap": None,
    }  # fmt: skip
    assert differences(arctrl("dump", tmp_path / "myarc"), want) == []
