"""``voxhub arc`` verbs beyond the ISA fields: edit, export, convert, get, sync, config, remote."""

import json
import os
import stat
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from voxhub.cli.arc import app
from voxhub.cli.arc.credentials import helper_args
from voxhub.isa import load_arc

runner = CliRunner()


def arc(root, *args, **env):
    return runner.invoke(app, ["-p", str(root), *args], env=env or None)


def ok(root, *args, **env):
    result = arc(root, *args, **env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "arc"
    ok(path, "init", "-i", "inv", "--no-git")
    ok(path, "a", "add", "-s", "S", "-a", "A", "--measurementtype", "imaging")
    return path


@pytest.fixture
def git_identity(monkeypatch):
    for key in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{key}_NAME", "Data Steward")
        monkeypatch.setenv(f"GIT_{key}_EMAIL", "steward@example.org")


def editor(tmp_path, **replace):
    """An $EDITOR that sets the given fields in the file it is given (as a user would),
    adding lines for fields the file does not have."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        f"replace = {replace!r}\n"
        "path = sys.argv[1]\n"
        "lines = open(path).read().splitlines()\n"
        "out = [f'{k}: {replace[k]}' if (k := l.split(':')[0]) in replace else l for l in lines]\n"
        "have = {l.split(':')[0] for l in lines}\n"
        "out += [f'{k}: {v}' for k, v in replace.items() if k not in have]\n"
        "open(path, 'w').write('\\n'.join(out) + '\\n')\n"
    )
    return f"{sys.executable} {script}"


def test_edit_changes_the_fields_saved_in_the_editor(root, tmp_path):
    ok(root, "s", "edit", "-s", "S", EDITOR=editor(tmp_path, title="Edited", description="D"))
    study = load_arc(root).investigation.get_study("S")
    assert (study.title, study.description) == ("Edited", "D")
    ok(root, "i", "person", "register", "-l", "Lee", "-f", "Ann")
    ok(root, "i", "person", "edit", "-l", "Lee", "-f", "Ann", EDITOR=editor(tmp_path, email="x@y"))
    assert load_arc(root).investigation.contacts[0].email == "x@y"
    bad = arc(root, "a", "edit", "-a", "A", EDITOR=editor(tmp_path, nonsense="1"))
    assert bad.exit_code != 0 and "expected 'field: value'" in bad.output


def test_update_replaces_with_empty_values_only_when_asked(root):
    ok(root, "i", "update", "--title", "T", "--description", "D")
    ok(root, "i", "update", "--title", "T2")
    assert load_arc(root).investigation.description == "D"
    ok(root, "i", "update", "--title", "T3", "--replacewithemptyvalues")
    inv = load_arc(root).investigation
    assert (inv.title, inv.description) == ("T3", "")
    ok(root, "i", "update", "--investigationidentifier", "renamed")
    assert load_arc(root).investigation.identifier == "renamed"


def test_delete_keeps_user_files_unless_forced(root):
    (root / "assays" / "A" / "dataset" / "scan.tif").write_bytes(b"data")
    result = arc(root, "a", "delete", "-a", "A")
    assert result.exit_code != 0 and "--force" in result.output
    assert (root / "assays" / "A" / "dataset" / "scan.tif").exists()
    ok(root, "a", "remove", "-a", "A", "--force")
    assert not (root / "assays" / "A").exists()
    ok(root, "s", "delete", "-s", "S")
    assert load_arc(root).investigation.study_identifiers == []


def test_investigation_delete_needs_its_identifier_and_create_makes_one(tmp_path):
    root = tmp_path / "arc"
    ok(root, "i", "create", "-i", "inv", "--title", "T")
    assert load_arc(root).investigation.title == "T"
    assert "already holds an ARC" in arc(root, "i", "create", "-i", "x").output
    ok(root, "i", "delete", "-i", "inv")
    assert not (root / "isa.investigation.xlsx").exists()


def test_export_defaults_to_isa_json_and_process_sequences(root, tmp_path):
    data = json.loads(ok(root, "export"))
    assert data["identifier"] == "inv" and data["studies"][0]["identifier"] == "S"
    assert json.loads(ok(root, "export", "-ps")) == []
    ok(root, "a", "export", "-a", "A", "-o", str(tmp_path / "a.json"))
    assay = json.loads((tmp_path / "a.json").read_text())
    assert assay["measurementType"]["annotationValue"] == "imaging"
    assert json.loads(ok(root, "convert", "isa-json", "-s", "S"))["identifier"] == "S"
    bad = arc(root, "convert", "xlsx-magic")
    assert bad.exit_code != 0 and "unknown converter" in bad.output
    ok(root, "a", "init", "-a", "Lonely")
    assert "registered in no study" in arc(root, "a", "export", "-a", "Lonely").output


def test_get_clones_an_arc_and_sync_commits_and_pushes(tmp_path, git_identity):
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--bare", "-b", "main", str(origin)], check=True,
                   capture_output=True)  # fmt: skip
    first = tmp_path / "first"
    ok(first, "init", "-i", "inv", "-r", str(origin))
    ok(first, "s", "add", "-s", "S")
    out = ok(first, "sync", "--commitmessage", "add S")
    assert "git push" in out
    clone = tmp_path / "clone"
    ok(clone, "get", "-r", str(origin), "-b", "main")
    assert load_arc(clone).investigation.study_identifiers == ["S"]
    log = subprocess.run(["git", "log", "--format=%s"], cwd=clone, capture_output=True, text=True)
    assert log.stdout.split("\n")[0] == "add S"
    assert "not empty" in arc(clone, "get", "-r", str(origin)).output
    assert (
        "not a git repository address"
        in arc(tmp_path / "x", "get", "-r", "--upload-pack=sh").output
    )
    assert (
        "not a git repository address" in arc(tmp_path / "x", "get", "-r", "ext::sh -c id").output
    )


def test_config_set_list_unset_and_the_editor_setting(root, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    ok(root, "config", "set", "-n", "general.verbosity", "-v", "2")
    ok(root, "config", "set", "-g", "-n", "general.verbosity", "-v", "1")
    ok(root, "config", "set", "-g", "-n", "general.gitlfsbytethreshold", "-v", "100")
    merged = ok(root, "config", "list")
    assert "general.verbosity=2" in merged and "general.gitlfsbytethreshold=100" in merged
    assert ok(root, "config", "list", "-g").count("general.verbosity=1") == 1
    ok(root, "config", "unset", "-n", "general.verbosity")
    assert "general.verbosity=1" in ok(root, "config", "list")
    assert "not section.key" in arc(root, "config", "set", "-n", "nodot", "-v", "1").output
    assert "not both" in arc(root, "config", "list", "-l", "-g").output
    # an editor set in the ARC's own settings (which a cloned ARC brings) is never run
    ok(root, "config", "set", "-n", "general.editor", "-v", editor(tmp_path, title="From ARC"))
    ok(root, "s", "edit", "-s", "S", EDITOR="true")
    assert load_arc(root).investigation.get_study("S").title == ""
    ok(root, "config", "set", "-g", "-n", "general.editor", "-v", editor(tmp_path, title="Mine"))
    ok(root, "s", "edit", "-s", "S", EDITOR="false")
    assert load_arc(root).investigation.get_study("S").title == "Mine"


def git_credential(host):
    """What git's credential machinery answers for an https host (no prompting)."""
    return subprocess.run(
        ["git", *helper_args(), "credential", "fill"],
        input=f"protocol=https\nhost={host}\n\n",
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "PYTHONPATH": os.pathsep.join(sys.path)},
    ).stdout


def test_remote_token_store_is_private_and_get_says_what_to_do(root, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    ok(root, "remote", "token", "store", "-t", "s3cr3t", "-s", "git.example.org", "-u", "me")
    path = tmp_path / "cfg" / "voxhub" / "arc.tokens"
    assert "s3cr3t" in path.read_text()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    result = arc(root, "remote", "token", "get")
    assert result.exit_code != 0 and "token store" in result.output
    assert "one word" in arc(root, "remote", "token", "store", "-t", "a b").output
    # git (as sync and get run it) gets the token from voxhub's credential helper
    assert "username=me\npassword=s3cr3t" in git_credential("git.example.org")
    assert "s3cr3t" not in git_credential("elsewhere.org")


def test_version_and_aliases(root):
    assert ok(root, "version").startswith("voxhub ")
    assert runner.invoke(app, ["--version"]).output.startswith("voxhub ")
    # voxhub's earlier spellings stay: --arc, --identifier, person -s
    assert (
        "S" in runner.invoke(app, ["--arc", str(root), "study", "show", "--identifier", "S"]).output
    )
    ok(root, "person", "register", "-l", "Lee", "-f", "Ann", "-s", "S")
    assert load_arc(root).investigation.get_study("S").contacts[0].last_name == "Lee"


def test_a_command_failing_half_way_leaves_the_arc_as_it_was(root):
    """'assay add' writes the assay's folder, then its new study's: a file where the study's
    folder must go makes the second fail, and the first is undone."""
    (root / "studies" / "S2").write_text("in the way")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    result = arc(root, "a", "add", "-s", "S2", "-a", "B")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2  # the assay's CREATE, then the error
    assert not (root / "assays" / "B").exists()
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_delete_sets_the_folder_aside_until_everything_else_is_written(root):
    ok(root, "s", "add", "-s", "T")
    ok(root, "s", "delete", "-s", "T")
    assert not (root / "studies" / "T").exists()
    assert not [p for p in (root / "studies").iterdir() if ".deleted-" in p.name]
    assert load_arc(root).investigation.study_identifiers == ["S"]


def test_arccommander_0x_spellings_name_the_assays_study(root):
    """ArcCommander 0.x scripts give -s to assay update/show/remove: it must register it."""
    ok(root, "a", "update", "-s", "S", "-a", "A", "--technologytype", "microscopy")
    assert load_arc(root).investigation.get_assay("A").technology_type.name == "microscopy"
    ok(root, "s", "add", "-s", "T")
    wrong = arc(root, "a", "show", "-s", "T", "-a", "A")
    assert wrong.exit_code != 0 and "not registered in study 'T'" in wrong.output
    ok(root, "a", "update", "-s", "T", "-a", "New", "--addifmissing")
    assert load_arc(root).investigation.get_study("T").registered_assay_identifiers == ("New",)
    ok(root, "a", "unregister", "-a", "New", "-s", "T")
    ok(root, "a", "remove", "-s", "S", "-a", "A")
    assert load_arc(root).investigation.assay_identifiers == ["New"]
