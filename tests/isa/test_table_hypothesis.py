"""Random sequences of table operations keep every invariant (or fail cleanly, changing nothing)."""

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from voxhub.isa import ArcTable, InvalidTable, IsaNotFound

from .strategies import cells_for, headers


class TableMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.table = ArcTable("t")

    def attempt(self, method, *args):
        """Run a method; on an error the table must be exactly as before."""
        before = self.table.copy()
        try:
            getattr(self.table, method)(*args)
        except (InvalidTable, IsaNotFound):
            assert self.table == before
            return False
        return True

    @rule(data=st.data(), header=headers, index=st.integers(-1, 8), length=st.integers(0, 6))
    def add_column(self, data, header, index, length):
        cells = data.draw(st.lists(cells_for(header), min_size=length, max_size=length))
        rows, cols = self.table.row_count, self.table.column_count
        clash = any(h.clashes_with(header) for h in self.table.headers)
        ok = self.attempt("add_column", header, cells, index if index >= 0 else None)
        assert ok == (not clash and -1 <= index <= cols)
        if ok:
            assert self.table.column_count == cols + 1
            assert self.table.row_count == (max(rows, length) if cols else length)

    @rule(data=st.data(), header=headers, index=st.integers(0, 8))
    def force_add_column(self, data, header, index):
        cells = data.draw(st.lists(cells_for(header), max_size=5))
        self.attempt("add_column", header, cells, min(index, self.table.column_count), True)

    @rule(data=st.data(), index=st.integers(-1, 8))
    def add_row(self, data, index):
        rows = self.table.row_count
        cells = [data.draw(cells_for(h)) for h in self.table.headers]
        ok = self.attempt("add_row", cells, index if index >= 0 else None)
        assert ok == (self.table.column_count > 0 and -1 <= index <= rows)
        if ok:
            assert self.table.row_count == rows + 1
            at = rows if index < 0 else index
            assert self.table.get_row(at) == cells

    @rule(index=st.integers(0, 8))
    def remove_row(self, index):
        rows = self.table.row_count
        assert self.attempt("remove_row", index) == (index < rows)

    @rule(index=st.integers(0, 8))
    def remove_column(self, index):
        cols = self.table.column_count
        assert self.attempt("remove_column", index) == (index < cols)

    @rule(data=st.data(), column=st.integers(0, 8), row=st.integers(0, 8))
    def set_cell(self, data, column, row):
        header = self.table.headers[column] if column < self.table.column_count else None
        if header is None:
            assert not self.attempt("set_cell", column, row, None)
            return
        cell = data.draw(cells_for(header))
        ok = self.attempt("set_cell", column, row, cell)
        assert ok == (row < self.table.row_count)
        if ok:
            assert self.table.get_cell(column, row) == cell

    @rule(data=st.data(), index=st.integers(0, 8))
    def set_row(self, data, index):
        cells = [data.draw(cells_for(h)) for h in self.table.headers]
        rows, cols = self.table.row_count, self.table.column_count
        assert self.attempt("set_row", index, cells) == (index < rows)
        assert (self.table.row_count, self.table.column_count) == (rows, cols)

    @rule(data=st.data(), index=st.integers(0, 8), header=headers)
    def set_column(self, data, index, header):
        cells = data.draw(st.lists(cells_for(header), max_size=5))
        cols = self.table.column_count
        self.attempt("set_column", index, header, cells)
        assert self.table.column_count == cols

    @rule(source=st.integers(0, 8), dest=st.integers(0, 8))
    def move_column(self, source, dest):
        self.attempt("move_column", source, dest)

    @invariant()
    def table_is_valid(self):
        self.table.validate()
        for column in self.table.columns:
            assert len(column.cells) == self.table.row_count


TableMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
test_table_operations = TableMachine.TestCase
