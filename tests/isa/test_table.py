import pytest

from voxhub.isa import (
    ArcTable,
    CompositeCell,
    CompositeColumn,
    CompositeHeader,
    InvalidTable,
    IOType,
    IsaNotFound,
    OntologyAnnotation,
)
from voxhub.isa.cells import EMPTY_FREE_TEXT_CELL, EMPTY_TERM_CELL
from voxhub.isa.table import MUTATING_METHODS

TEMP = OntologyAnnotation("temperature", "PATO", "PATO:0000146")
CELSIUS = OntologyAnnotation("degree Celsius", "UO", "UO:0000027")


def text(*values):
    return [CompositeCell.create_free_text(v) for v in values]


def terms(*names):
    return [CompositeCell.create_term(OntologyAnnotation(n)) for n in names]


def five_row_table():
    table = ArcTable("t")
    table.add_column(CompositeHeader.input(IOType.source()), text("a", "b", "c", "d", "e"))
    return table


def test_short_column_is_padded_with_empty_cells():
    table = five_row_table()
    table.add_column(CompositeHeader.parameter(TEMP), terms("x", "y"))
    assert table.row_count == 5
    assert table.get_cell(1, 1) == terms("y")[0]
    assert [table.get_cell(1, r) for r in range(2, 5)] == [EMPTY_TERM_CELL] * 3
    table.validate()


def test_long_column_pads_every_other_column():
    table = five_row_table()
    table.add_column(CompositeHeader.comment("note"), text(*"1234567"))
    assert table.row_count == 7
    assert table.get_cell(0, 6) == EMPTY_FREE_TEXT_CELL
    table.validate()


@pytest.mark.parametrize(
    "header",
    [
        CompositeHeader.input(IOType.sample()),  # any second Input, whatever its type
        CompositeHeader.protocol_ref(),
        CompositeHeader.comment("note"),
    ],
)
def test_unique_columns_cannot_repeat(header):
    table = five_row_table()
    table.add_column(CompositeHeader.protocol_ref())
    table.add_column(CompositeHeader.comment("note"))
    before = table.copy()
    with pytest.raises(InvalidTable, match="already has a column"):
        table.add_column(header)
    assert table == before  # nothing changed


def test_term_columns_may_repeat():
    table = five_row_table()
    table.add_column(CompositeHeader.parameter(TEMP))
    table.add_column(CompositeHeader.parameter(TEMP))
    assert table.column_count == 3


def test_force_replace_swaps_the_clashing_column_in_place():
    table = five_row_table()
    table.add_column(CompositeHeader.protocol_ref(), text("p"))
    table.add_column(CompositeHeader.input(IOType.sample()), text("s1", "s2"), force_replace=True)
    assert table.headers[0] == CompositeHeader.input(IOType.sample())
    assert table.get_cell(0, 1) == text("s2")[0]
    assert table.get_cell(0, 4) == EMPTY_FREE_TEXT_CELL
    assert table.column_count == 2


def test_insert_index_may_be_size_but_not_beyond():
    table = five_row_table()
    table.add_column(CompositeHeader.comment("a"), index=1)
    with pytest.raises(IsaNotFound, match="out of range"):
        table.add_column(CompositeHeader.comment("b"), index=3)
    table.add_row(index=5)
    with pytest.raises(IsaNotFound):
        table.add_row(index=7)
    assert table.row_count == 6


def test_reading_outside_raises_or_returns_none():
    table = five_row_table()
    with pytest.raises(IsaNotFound):
        table.get_cell(0, 5)
    with pytest.raises(IsaNotFound):
        table.get_column(1)
    with pytest.raises(IsaNotFound):
        table.get_row(-1)
    assert table.try_get_cell(1, 0) is None
    assert table.try_get_column(3) is None
    assert table.try_get_row(5) is None
    assert table.try_get_cell(0, 4) == text("e")[0]


def test_cell_kinds_follow_the_column_kind():
    table = five_row_table()
    with pytest.raises(InvalidTable, match="FreeText"):
        table.add_column(CompositeHeader.protocol_ref(), terms("x"))
    with pytest.raises(InvalidTable, match="Term or Unitized"):
        table.add_column(CompositeHeader.parameter(TEMP), text("37"))
    table.add_column(
        CompositeHeader.parameter(TEMP), [CompositeCell.create_unitized("37", CELSIUS)]
    )
    with pytest.raises(InvalidTable):
        table.set_cell(1, 0, text("x")[0])
    with pytest.raises(InvalidTable, match="Data"):
        table.add_column(CompositeHeader.output(IOType.data()), text("f.raw"))
    table.add_column(CompositeHeader.output(IOType.data()), [CompositeCell.create_data("f.raw")])
    with pytest.raises(InvalidTable):
        table.add_row(terms("a", "b", "c"))


def test_set_replaces_and_never_adds():
    table = five_row_table()
    table.set_row(2, text("z"))
    assert table.get_cell(0, 2) == text("z")[0]
    assert table.row_count == 5
    with pytest.raises(IsaNotFound):
        table.set_row(5, text("z"))
    table.set_column(0, CompositeHeader.input(IOType.sample()), text("s"))
    assert table.column_count == 1 and table.row_count == 5
    with pytest.raises(IsaNotFound):
        table.set_column(1, CompositeHeader.protocol_ref())
    with pytest.raises(IsaNotFound):
        table.set_cell(0, 5, text("x")[0])


def test_set_column_may_not_clash_with_another_column():
    table = five_row_table()
    table.add_column(CompositeHeader.protocol_ref())
    with pytest.raises(InvalidTable):
        table.set_column(1, CompositeHeader.input(IOType.sample()))
    with pytest.raises(InvalidTable):
        table.update_header(1, CompositeHeader.input(IOType.sample()))
    table.update_header(1, CompositeHeader.performer())
    assert table.headers[1] == CompositeHeader.performer()


def test_remove_rows_and_columns():
    table = five_row_table()
    table.add_column(CompositeHeader.comment("c"), text(*"vwxyz"))
    table.remove_rows([0, 4])
    assert [table.get_cell(1, r).value for r in range(3)] == ["w", "x", "y"]
    table.remove_row(1)
    table.remove_column(0)
    assert table.headers == (CompositeHeader.comment("c"),)
    with pytest.raises(IsaNotFound):
        table.remove_rows([0, 9])
    assert table.row_count == 2  # the bad call removed nothing
    table.remove_columns([0])
    assert table.row_count == 0 and table.column_count == 0
    with pytest.raises(InvalidTable, match="no columns"):
        table.add_row()


def test_move_column():
    table = five_row_table()
    table.add_column(CompositeHeader.protocol_ref())
    table.move_column(1, 0)
    assert table.headers[0] == CompositeHeader.protocol_ref()


@pytest.mark.parametrize("bad", ["", "a/b", "x" * 32, "a[1]", "what?"])
def test_table_names_must_be_sheet_names(bad):
    with pytest.raises(InvalidTable):
        ArcTable(bad)


def test_every_mutating_method_has_a_functional_twin():
    args = {
        "rename": ("u",),
        "add_column": (CompositeHeader.comment("n"), text("q")),
        "add_columns": ([CompositeColumn(CompositeHeader.comment("n"))],),
        "set_column": (0, CompositeHeader.input(IOType.sample())),
        "update_header": (0, CompositeHeader.input(IOType.material())),
        "remove_column": (0,),
        "remove_columns": ([0],),
        "move_column": (0, 0),
        "set_cell": (0, 0, text("q")[0]),
        "add_row": (),
        "add_rows": ([None, None],),
        "set_row": (0, text("q")),
        "remove_row": (0,),
        "remove_rows": ([0, 1],),
    }
    assert set(args) == set(MUTATING_METHODS)
    for name in MUTATING_METHODS:
        table = five_row_table()
        original = table.copy()
        new = getattr(table, f"copy_and_{name}")(*args[name])
        assert table == original, name
        expected = original.copy()
        getattr(expected, name)(*args[name])
        assert new == expected, name
        new.validate()


def test_copy_is_independent():
    table = five_row_table()
    other = table.copy()
    other.set_cell(0, 0, text("changed")[0])
    assert table.get_cell(0, 0) == text("a")[0]


def test_header_constructors_check_their_parts():
    with pytest.raises(InvalidTable):
        CompositeHeader.comment("")
    with pytest.raises(InvalidTable):
        CompositeHeader(CompositeHeader.protocol_ref().kind, has_unit=True)
    assert CompositeHeader.parameter(TEMP).label == "Parameter [temperature]"
    assert CompositeHeader.input(IOType.parse("Raw Data File")).label == "Input [Data]"
    assert CompositeHeader.parameter(TEMP, has_unit=True) == CompositeHeader.parameter(TEMP)
