"""Cell values of a worksheet, read by calamine (``python-calamine``, a Rust xlsx reader).

An assay sheet of 50 000 rows holds a million cells. A real XML parser in
Python (lxml ``iterparse``) reads them correctly but 2-3x slower than the
regular expressions voxhub used before, which misread valid files (``t = "s"``,
single quotes, another attribute order); calamine parses the sheet XML in Rust
and reads a 10 000-row assay 4-5x faster than either (``benchmarks/bench_isa.py``).
It honours shared strings (rich-text runs, phonetic hints left out),
``_xHHHH_`` escapes, inline strings, booleans and date number formats.

calamine inflates the package itself, so it is only given packages whose
members :func:`voxhub.storage.archives.read_all` has already inflated within
the limits (see :class:`voxhub.isa.xlsx.workbook.Workbook`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

from python_calamine import CalamineError, CalamineWorkbook

from voxhub.isa.errors import IsaReadError

Value = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None


def open_book(package: bytes, source: str) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(package))
    except (CalamineError, ValueError, OSError) as exc:
        raise IsaReadError(source, None, f"not a readable xlsx file ({exc})") from None


def sheet_rows(book: CalamineWorkbook, sheet: str, source: str) -> Iterator[tuple[Value, ...]]:
    """Rows from row 1 on (empty rows included), each a tuple of values ('' for an empty cell)."""
    try:
        # Padded from A1 (iter_rows() starts at the first filled cell).
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except (CalamineError, ValueError) as exc:
        raise IsaReadError(source, f"sheet '{sheet}'", f"unreadable ({exc})") from None
    rows.reverse()  # handed out from the end, so each row is freed once it is used
    while rows:
        yield tuple(rows.pop())


__all__ = ["open_book", "sheet_rows"]
