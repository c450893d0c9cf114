import io
import shutil
import sys
import tempfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voxhub.isa import (
    ARC,
    ArcAssay,
    ArcInvestigation,
    ArcStudy,
    Contract,
    DTOType,
    ExecuteFailed,
    InvalidIsa,
    IsaConflict,
    IsaReadError,
    Operation,
    fulfil,
    fulfil_all,
    list_files,
    load_arc,
    write_arc,
)

from .sample import sample_investigation
from .strategies import tables


def ops(contracts):
    return [
        (c.operation.value, c.path, c.dto_type.value if c.dto_type else None) for c in contracts
    ]


def test_add_assay_to_a_new_study_gives_the_design_notes_contracts():
    arc = ARC(ArcInvestigation("inv"), ["isa.investigation.xlsx"])
    contracts = arc.add_assay(ArcAssay("A"), "S")
    assert ops(contracts) == [
        ("CREATE", "assays/A/isa.assay.xlsx", "ISA_Assay"),
        ("CREATE", "assays/A/dataset/.gitkeep", "PlainText"),
        ("CREATE", "assays/A/README.md", "Markdown"),
        ("CREATE", "assays/A/protocols/.gitkeep", "PlainText"),
        ("CREATE", "studies/S/isa.study.xlsx", "ISA_Study"),
        ("CREATE", "studies/S/resources/.gitkeep", "PlainText"),
        ("CREATE", "studies/S/README.md", "Markdown"),
        ("CREATE", "studies/S/protocols/.gitkeep", "PlainText"),
        ("UPDATE", "isa.investigation.xlsx", "ISA_Investigation"),
    ]
    assert arc.investigation.get_study("S").registered_assay_identifiers == ("A",)


def test_add_assay_to_an_existing_study_updates_it(tmp_path):
    arc = ARC(sample_investigation())
    write_arc(arc, tmp_path)
    contracts = arc.add_assay(ArcAssay("B"), "growth")
    assert ops(contracts)[4:] == [
        ("UPDATE", "studies/growth/isa.study.xlsx", "ISA_Study"),
        ("UPDATE", "isa.investigation.xlsx", "ISA_Investigation"),
    ]
    fulfil_all(contracts, tmp_path)
    back = load_arc(tmp_path).investigation
    assert back.get_study("growth").registered_assay_identifiers == ("imaging", "B")


def test_removing_a_study_deletes_its_folder_and_updates_the_investigation(tmp_path):
    arc = ARC(sample_investigation())
    write_arc(arc, tmp_path)
    contracts = arc.remove_study("growth")
    assert ops(contracts) == [
        ("DELETE", "studies/growth", None),
        ("UPDATE", "isa.investigation.xlsx", "ISA_Investigation"),
    ]
    fulfil_all(contracts, tmp_path)
    assert not (tmp_path / "studies" / "growth").exists()
    back = load_arc(tmp_path).investigation
    assert back.study_identifiers == ["empty-study"]
    assert "imaging" in back.assay_identifiers


def test_removing_an_assay_updates_every_study_that_registered_it(tmp_path):
    arc = ARC(sample_investigation())
    write_arc(arc, tmp_path)
    contracts = arc.remove_assay("imaging")
    assert ops(contracts) == [
        ("DELETE", "assays/imaging", None),
        ("UPDATE", "studies/growth/isa.study.xlsx", "ISA_Study"),
        ("UPDATE", "studies/empty-study/isa.study.xlsx", "ISA_Study"),
        ("UPDATE", "isa.investigation.xlsx", "ISA_Investigation"),
    ]
    fulfil_all(contracts, tmp_path)
    back = load_arc(tmp_path).investigation
    assert back.assay_identifiers == ["unregistered"]
    assert back.get_study("growth").registered_assay_identifiers == ()


def test_folder_round_trip_keeps_the_whole_model(tmp_path):
    inv = sample_investigation()
    write_arc(ARC(inv), tmp_path)
    assert "isa.investigation.xlsx" in list_files(tmp_path)
    assert (tmp_path / "assays" / "imaging" / "dataset" / ".gitkeep").exists()
    back = load_arc(tmp_path).investigation
    assert back == inv


def test_reading_is_paths_then_read_contracts_then_model(tmp_path):
    write_arc(ARC(sample_investigation()), tmp_path)
    paths = list_files(tmp_path)
    contracts = ARC.read_contracts(paths)
    assert {c.operation for c in contracts} == {Operation.READ}
    assert [c.path for c in contracts] == [
        "assays/imaging/isa.assay.xlsx",
        "assays/imaging/isa.datamap.xlsx",
        "assays/unregistered/isa.assay.xlsx",
        "isa.investigation.xlsx",
        "studies/empty-study/isa.study.xlsx",
        "studies/growth/isa.study.xlsx",
    ]
    filled = fulfil_all(contracts, tmp_path)
    assert ARC.from_contracts(filled).investigation == sample_investigation()


def test_rewriting_keeps_readmes_and_foreign_files(tmp_path):
    write_arc(ARC(sample_investigation()), tmp_path)
    readme = tmp_path / "assays" / "imaging" / "README.md"
    readme.write_text("my notes")
    (tmp_path / "assays" / "imaging" / "dataset" / "raw.bin").write_bytes(b"\0\1")
    arc = load_arc(tmp_path)
    arc.investigation.title = "new title"
    write_arc(arc, tmp_path)
    assert readme.read_text() == "my notes"
    assert (tmp_path / "assays" / "imaging" / "dataset" / "raw.bin").read_bytes() == b"\0\1"
    assert load_arc(tmp_path).investigation.title == "new title"


def test_a_study_only_on_disk_is_still_read(tmp_path):
    inv = sample_investigation()
    write_arc(ARC(inv), tmp_path)
    shutil.copytree(tmp_path / "studies" / "empty-study", tmp_path / "studies" / "extra")
    book = openpyxl.load_workbook(tmp_path / "studies" / "extra" / "isa.study.xlsx")
    book["isa_study"]["B2"] = "extra"
    book.save(tmp_path / "studies" / "extra" / "isa.study.xlsx")
    back = load_arc(tmp_path).investigation
    assert back.study_identifiers == ["growth", "empty-study", "extra"]


def test_missing_arc_and_missing_investigation(tmp_path):
    with pytest.raises(Exception, match="no ARC folder"):
        load_arc(tmp_path / "nope")
    with pytest.raises(IsaReadError, match="isa.investigation.xlsx"):
        load_arc(tmp_path)


def test_folder_name_and_identifier_must_agree(tmp_path):
    write_arc(ARC(sample_investigation()), tmp_path)
    (tmp_path / "assays" / "imaging").rename(tmp_path / "assays" / "renamed")
    with pytest.raises(
        IsaReadError, match="assays/renamed/isa.assay.xlsx.*differs from its folder"
    ):
        load_arc(tmp_path)


# -- contracts and fulfilment ----------------------------------------------------------
@pytest.mark.parametrize("path", ["/etc/passwd", "../x", "a/../../x", "a\\b"])
def test_contract_paths_stay_inside_the_arc(path):
    with pytest.raises(InvalidIsa):
        Contract.delete(path)


def test_fulfilment_refuses_symlink_escapes(tmp_path):
    (tmp_path / "arc").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "arc" / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(InvalidIsa, match="leaves the ARC"):
        fulfil(Contract.delete("link/x"), tmp_path / "arc")


def test_execute_runs_argv_without_a_shell_in_the_arc_root(tmp_path):
    code = "import os, sys; print(os.getcwd()); print(sys.argv[1])"
    done = fulfil(Contract.execute([sys.executable, "-c", code, "$HOME; echo hi"]), tmp_path)
    lines = done.dto.stdout.splitlines()
    assert lines == [str(tmp_path), "$HOME; echo hi"]  # no shell expansion
    assert done.dto.returncode == 0
    assert done.dto_type is DTOType.CLI


def test_execute_failure_is_reported(tmp_path):
    with pytest.raises(ExecuteFailed, match="exited with 3"):
        fulfil(Contract.execute([sys.executable, "-c", "import sys; sys.exit(3)"]), tmp_path)
    with pytest.raises(ExecuteFailed, match="could not run"):
        fulfil(Contract.execute(["/no/such/program"]), tmp_path)


def test_execute_needs_an_argv_list():
    with pytest.raises(InvalidIsa):
        Contract.execute([])
    with pytest.raises(InvalidIsa):
        Contract(Operation.EXECUTE, "", DTOType.CLI, None)


def test_write_contracts_of_a_new_arc_create_the_layout():
    arc = ARC(ArcInvestigation("inv"))
    arc.investigation.add_study(ArcStudy("S"))
    paths = [c.path for c in arc.write_contracts()]
    assert paths[:5] == [
        "isa.investigation.xlsx",
        "studies/.gitkeep",
        "assays/.gitkeep",
        "workflows/.gitkeep",
        "runs/.gitkeep",
    ]
    assert "studies/S/isa.study.xlsx" in paths


def test_read_contract_fills_in_the_content(tmp_path):
    write_arc(ARC(sample_investigation()), tmp_path)
    read = fulfil(Contract.read("isa.investigation.xlsx", DTOType.ISA_INVESTIGATION), tmp_path)
    book = openpyxl.load_workbook(io.BytesIO(read.dto.data))
    assert book.sheetnames == ["isa_investigation"]
    text = fulfil(Contract.read("assays/imaging/README.md", DTOType.MARKDOWN), tmp_path)
    assert text.dto.text.startswith("# imaging")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    study_tables=st.lists(tables(), max_size=2, unique_by=lambda t: t.name),
    assay_tables=st.lists(tables(), max_size=2, unique_by=lambda t: t.name),
)
def test_random_tables_round_trip_through_a_folder(study_tables, assay_tables):
    inv = ArcInvestigation("inv")
    # empty tables have no Excel table object, so they cannot come back
    inv.add_study(ArcStudy("S", tables=[t for t in study_tables if t.column_count]))
    inv.add_assay(
        ArcAssay("A", tables=[t for t in assay_tables if t.column_count]), register_in=["S"]
    )
    with tempfile.TemporaryDirectory() as folder:
        write_arc(ARC(inv), folder)
        assert load_arc(folder).investigation == inv


def test_a_refused_add_assay_changes_nothing():
    arc = ARC(sample_investigation())
    before = arc.investigation.copy()
    with pytest.raises(IsaConflict):
        arc.add_assay(ArcAssay("imaging"), "new-study")
    assert arc.investigation == before


def test_execute_refuses_a_plain_string():
    from voxhub.isa import CliDTO, InvalidIsa

    with pytest.raises(InvalidIsa, match="argv list"):
        Contract.execute("git status")
    with pytest.raises(InvalidIsa, match="argv list"):
        CliDTO("git status")  # type: ignore[arg-type]


def test_write_arc_that_cannot_be_written_leaves_the_folder_as_it_was(tmp_path):
    inv = sample_investigation()
    write_arc(ARC(inv), tmp_path)
    before = {p: (tmp_path / p).read_bytes() for p in list_files(tmp_path)}
    assay = inv.get_assay("imaging")
    assay.tables.add(assay.tables.get("Measurement").copy_and_rename("Second"))
    inv.get_study("growth").title = "changed"  # the study file would be written first
    assay.tables._tables[1]._name = "Measurement"  # two tables of one name
    with pytest.raises(IsaConflict):
        write_arc(ARC(inv), tmp_path)
    assert {p: (tmp_path / p).read_bytes() for p in list_files(tmp_path)} == before


def test_write_arc_failing_half_way_leaves_the_folder_as_it_was(tmp_path):
    """The investigation file is written before the new study's folder is made; a file
    where that folder must go fails the write half-way, yet the ARC is untouched."""
    root = tmp_path / "arc"
    inv = sample_investigation()
    write_arc(ARC(inv), root)
    (root / "studies" / "blocked").write_bytes(b"a file, not a folder")
    (root / "assays" / "imaging" / "dataset" / "big.raw").write_bytes(b"data")
    before = {p: (root / p).read_bytes() for p in list_files(root)}
    inv.title = "changed"
    inv.add_study(ArcStudy("blocked", title="cannot be written"))
    with pytest.raises(OSError):
        write_arc(ARC(inv), root)
    assert {p: (root / p).read_bytes() for p in list_files(root)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arc"]  # no staging left behind
    inv.remove_study("blocked")
    (root / "studies" / "blocked").unlink()
    write_arc(ARC(inv), root)
    assert load_arc(root).investigation.title == "changed"
    assert (root / "assays" / "imaging" / "dataset" / "big.raw").read_bytes() == b"data"
