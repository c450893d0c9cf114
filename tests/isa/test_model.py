import pytest

from voxhub.isa import (
    ArcAssay,
    ArcInvestigation,
    ArcStudy,
    ArcTable,
    InvalidIsa,
    IsaConflict,
    IsaNotFound,
)


@pytest.fixture
def inv():
    inv = ArcInvestigation("inv")
    inv.add_study(ArcStudy("S1"))
    inv.add_study(ArcStudy("S2"))
    inv.add_assay(ArcAssay("A"), register_in=["S1", "S2"])
    return inv


def test_an_assay_may_be_registered_to_several_studies(inv):
    assert [s.identifier for s in inv.studies_of("A")] == ["S1", "S2"]
    assert inv.get_study("S1").registered_assay_identifiers == ("A",)


def test_removing_an_assay_removes_its_registrations(inv):
    inv.remove_assay("A")
    assert inv.assays == ()
    assert all(s.registered_assay_identifiers == () for s in inv.studies)


def test_renaming_an_assay_follows_into_registrations(inv):
    inv.rename_assay("A", "B")
    assert inv.get_study("S2").registered_assay_identifiers == ("B",)
    with pytest.raises(IsaNotFound):
        inv.get_assay("A")


def test_removing_a_study_keeps_its_assays(inv):
    inv.remove_study("S1")
    assert inv.study_identifiers == ["S2"]
    assert inv.assay_identifiers == ["A"]


def test_duplicates_and_unknowns_are_refused(inv):
    with pytest.raises(IsaConflict):
        inv.add_study(ArcStudy("S1"))
    with pytest.raises(IsaConflict):
        inv.add_assay(ArcAssay("A"))
    with pytest.raises(IsaConflict):
        inv.register_assay("S1", "A")
    with pytest.raises(IsaConflict):
        inv.rename_study("S1", "S2")
    with pytest.raises(IsaNotFound, match="S9"):
        inv.add_assay(ArcAssay("B"), register_in=["S9"])
    assert "B" not in inv.assay_identifiers  # nothing half-added
    with pytest.raises(IsaNotFound):
        inv.register_assay("S1", "nope")
    with pytest.raises(IsaNotFound):
        inv.unregister_assay("S1", "nope")


def test_a_study_may_only_register_known_assays():
    inv = ArcInvestigation("inv")
    with pytest.raises(IsaNotFound):
        inv.add_study(ArcStudy("S", registered_assay_identifiers=["X"]))


@pytest.mark.parametrize("bad", ["", "a/b", "..", " lead", "tab\t", "ünï?"])
def test_identifiers_name_folders_safely(bad):
    with pytest.raises(InvalidIsa):
        ArcAssay(bad)
    with pytest.raises(InvalidIsa):
        ArcStudy(bad)


def test_table_names_are_unique_within_a_study():
    study = ArcStudy("S")
    study.tables.init("t1")
    with pytest.raises(IsaConflict):
        study.tables.add(ArcTable("t1"))
    study.tables.init("t2")
    with pytest.raises(IsaConflict):
        study.tables.rename("t2", "t1")
    study.tables.remove("t1")
    assert study.tables.names == ["t2"]
    with pytest.raises(IsaNotFound):
        study.tables.get("t1")


def test_copy_is_deep(inv):
    other = inv.copy()
    assert other == inv
    other.get_study("S1").title = "changed"
    other.get_assay("A").tables.init("t")
    assert inv.get_study("S1").title == ""
    assert inv.get_assay("A").tables.names == []


def test_assigning_tables_keeps_names_unique():
    study = ArcStudy("S")
    study.tables = [ArcTable("a"), ArcTable("b")]
    assert study.tables.names == ["a", "b"]
    with pytest.raises(IsaConflict):
        study.tables = [ArcTable("a"), ArcTable("a")]
    assert study.tables.names == ["a", "b"]
