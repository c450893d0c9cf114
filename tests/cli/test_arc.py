"""``voxhub arc``: ArcCommander-style commands on a real ARC folder."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from tests.isa.arctrl_peer import arctrl
from tests.isa.sample import measure_table
from typer.testing import CliRunner

from voxhub.cli.arc import app
from voxhub.isa import load_arc

runner = CliRunner()


def arc(root, *args):
    result = runner.invoke(app, ["--arc", str(root), *args])
    return result


def ok(root, *args):
    result = arc(root, *args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "my-arc"
    ok(path, "init", "--identifier", "inv", "--title", "Light sheet")
    return path


def test_init_creates_the_layout(root):
    assert (root / "isa.investigation.xlsx").is_file()
    for folder in ("studies", "assays", "workflows", "runs"):
        assert (root / folder / ".gitkeep").exists()
    assert load_arc(root).investigation.title == "Light sheet"
    result = arc(root, "init")
    assert result.exit_code != 0
    assert "already holds an ARC" in result.output


def test_assay_add_creates_a_missing_study(root):
    output = ok(
        root,
        "assay",
        "add",
        "--studyidentifier",
        "S",
        "--assayidentifier",
        "A",
        "--measurementtype",
        "imaging assay",
        "--measurementtypetermaccessionnumber",
        "OBI:0000185",
        "--measurementtypetermsourceref",
        "OBI",
    )
    assert output.splitlines() == [
        "CREATE assays/A/isa.assay.xlsx",
        "CREATE assays/A/dataset/.gitkeep",
        "CREATE assays/A/README.md",
        "CREATE assays/A/protocols/.gitkeep",
        "CREATE studies/S/isa.study.xlsx",
        "CREATE studies/S/resources/.gitkeep",
        "CREATE studies/S/README.md",
        "CREATE studies/S/protocols/.gitkeep",
        "UPDATE isa.investigation.xlsx",
    ]
    inv = load_arc(root).investigation
    assert inv.get_study("S").registered_assay_identifiers == ("A",)
    assert inv.get_assay("A").measurement_type.short == "OBI:0000185"
    # a second assay goes into the existing study
    ok(root, "assay", "add", "-s", "S", "-a", "B")
    assert load_arc(root).investigation.get_study("S").registered_assay_identifiers == ("A", "B")


def test_study_commands(root):
    ok(root, "study", "add", "--identifier", "S1", "--title", "First")
    ok(root, "study", "add", "--studyidentifier", "S2")
    ok(
        root,
        "study",
        "update",
        "-s",
        "S1",
        "--description",
        "changed",
        "--submissiondate",
        "2024-01-02",
    )
    study = load_arc(root).investigation.get_study("S1")
    assert (study.title, study.description, study.submission_date) == (
        "First",
        "changed",
        "2024-01-02",
    )
    assert ok(root, "study", "list").splitlines()[0].startswith("S1\tFirst")
    assert "Description: changed" in ok(root, "study", "show", "-s", "S1")
    ok(root, "study", "delete", "-s", "S1")
    assert not (root / "studies" / "S1").exists()
    assert load_arc(root).investigation.study_identifiers == ["S2"]


def test_assay_update_register_unregister_delete(root):
    ok(root, "assay", "add", "-s", "S1", "-a", "A")
    ok(root, "study", "add", "-s", "S2")
    ok(root, "assay", "register", "-s", "S2", "-a", "A")
    ok(
        root,
        "assay",
        "update",
        "-a",
        "A",
        "--title",
        "New",
        "--technologyplatform",
        "Z1 (OBI:0000001)",
    )
    inv = load_arc(root).investigation
    assert [s.identifier for s in inv.studies_of("A")] == ["S1", "S2"]
    assert inv.get_assay("A").title == "New"
    assert inv.get_assay("A").technology_platform.short == "OBI:0000001"
    assert "studies: S1, S2" in ok(root, "assay", "list")
    ok(root, "assay", "unregister", "-s", "S1", "-a", "A")
    assert [s.identifier for s in load_arc(root).investigation.studies_of("A")] == ["S2"]
    ok(root, "assay", "delete", "-a", "A")
    assert not (root / "assays" / "A").exists()
    assert load_arc(root).investigation.get_study("S2").registered_assay_identifiers == ()


def test_person_register_and_unregister(root):
    ok(
        root,
        "person",
        "register",
        "--lastname",
        "Lee",
        "--firstname",
        "Ann",
        "--roles",
        "pi;author",
        "--rolestermaccessionnumber",
        "MS:1002332;",
        "--orcid",
        "0000-0001",
    )
    person = load_arc(root).investigation.contacts[0]
    assert [r.name for r in person.roles] == ["pi", "author"]
    assert person.roles[0].term_accession == "MS:1002332"
    assert person.orcid == "0000-0001"
    assert "already registered" in arc(root, "person", "register", "-l", "Lee", "-f", "Ann").output
    ok(root, "study", "add", "-s", "S")
    ok(root, "person", "register", "-l", "Kim", "-f", "Bo", "-s", "S")
    assert [p.last_name for p in load_arc(root).investigation.get_study("S").contacts] == ["Kim"]
    ok(root, "person", "unregister", "-l", "Lee", "-f", "Ann")
    assert load_arc(root).investigation.contacts == []


def test_investigation_update_and_show(root):
    ok(root, "investigation", "update", "--title", "T2", "--publicreleasedate", "2030-01-01")
    shown = ok(root, "investigation", "show")
    assert "Title: T2" in shown
    assert load_arc(root).investigation.public_release_date == "2030-01-01"


def test_export_isa_json_and_xlsx_zip(root, tmp_path):
    ok(root, "assay", "add", "-s", "S", "-a", "A")
    data = json.loads(ok(root, "export", "--format", "isa-json"))
    assert data["identifier"] == "inv"
    assert data["studies"][0]["assays"][0]["filename"] == "assays/A/isa.assay.xlsx"
    ok(root, "export", "--format", "isa-json", "--output", str(tmp_path / "isa.json"))
    assert json.loads((tmp_path / "isa.json").read_text())["title"] == "Light sheet"
    ok(root, "export", "--format", "xlsx-zip", "--output", str(tmp_path / "arc.zip"))
    names = zipfile.ZipFile(tmp_path / "arc.zip").namelist()
    assert "assays/A/isa.assay.xlsx" in names and "isa.investigation.xlsx" in names
    # the exported zip is an ARC ARCtrl can load
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(tmp_path / "arc.zip").extractall(unpacked)
    assert list(arctrl("dump", unpacked)["studies"]) == ["S"]
    assert arc(root, "export", "--format", "xlsx-zip").exit_code != 0


def test_clear_errors_for_missing_arc_and_unknown_names(tmp_path, root):
    result = arc(tmp_path / "nowhere", "study", "list")
    assert result.exit_code == 2
    assert "no ARC at" in result.output and "voxhub arc init" in result.output
    result = arc(root, "study", "show", "-s", "nope")
    assert result.exit_code == 2
    assert "no study 'nope'" in result.output
    result = arc(root, "assay", "delete", "-a", "nope")
    assert "no assay 'nope'" in result.output
    result = arc(root, "study", "add", "-s", "bad/name")
    assert result.exit_code == 2 and "invalid study identifier" in result.output
    assert "Traceback" not in result.output


def test_init_with_git_runs_git_in_the_arc_root(tmp_path):
    git = subprocess.run(["git", "--version"], capture_output=True)
    if git.returncode != 0:
        pytest.fail("git is needed for this test")
    ok(tmp_path / "g", "init", "--git")
    assert (tmp_path / "g" / ".git").is_dir()


def test_voxhub_arc_runs_as_a_program(tmp_path):
    voxhub = str(Path(sys.executable).parent / "voxhub")
    done = subprocess.run(
        [voxhub, "arc", "--arc", str(tmp_path / "p"), "init", "-i", "prog"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "CREATE isa.investigation.xlsx" in done.stdout


def test_export_with_id_references_is_smaller_and_reads_back(root, tmp_path):
    from voxhub.isa import fulfil_all
    from voxhub.isa.isajson import loads

    ok(root, "assay", "add", "-s", "S", "-a", "A")
    loaded = load_arc(root)
    loaded.investigation.get_assay("A").tables.add(measure_table())
    fulfil_all(loaded.update_assay("A"), root)
    inline = ok(root, "export", "--format", "isa-json")
    refs = ok(root, "export", "--format", "isa-json", "--id-references")
    assert len(refs) < len(inline)
    assert loads(refs) == loads(inline) == load_arc(root).investigation


@pytest.fixture
def git_identity(monkeypatch):
    for key in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{key}_NAME", "Data Steward")
        monkeypatch.setenv(f"GIT_{key}_EMAIL", "steward@example.org")


def git(root, *args):
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)


def test_sync_commits_pushes_and_pulls_through_a_local_remote(tmp_path, git_identity):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--bare", "-b", "main", str(remote))
    root = tmp_path / "arc"
    ok(root, "init", "--git", "-i", "synced")
    git(root, "remote", "add", "origin", str(remote))
    output = ok(root, "sync", "-m", "first")
    assert "EXECUTE git commit -m first" in output
    git(root, "push", "-u", "origin", "main")
    assert "nothing to commit" in ok(root, "sync")
    ok(root, "study", "add", "-s", "S")
    ok(root, "sync", "-m", "add study S", "--push")
    log = git(remote, "log", "--format=%s", "main").stdout.split()
    assert log[0] == "add" and "first" in log
    # a second clone pulls the change
    clone = tmp_path / "clone"
    git(tmp_path, "clone", str(remote), str(clone))
    ok(root, "study", "add", "-s", "T")
    ok(root, "sync", "-m", "add T", "--push")
    ok(clone, "sync", "--pull")
    assert load_arc(clone).investigation.study_identifiers == ["S", "T"]


def test_sync_outside_git_says_so(tmp_path):
    root = tmp_path / "no-git"
    ok(root, "init", "--no-git")
    result = arc(root, "sync")
    assert result.exit_code == 2 and "not a git repository" in result.output
