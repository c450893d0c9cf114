"""Cell values of a worksheet part, scanned with regular expressions.

An assay sheet of 50 000 rows holds millions of cells; building an element
(or an openpyxl cell object) per cell costs most of the reading time. The
SpreadsheetML cell grammar is small enough to scan directly: ``<row>``
elements hold ``<c r=".." s=".." t="..">`` cells whose value is a ``<v>``
(number, shared-string index, boolean, error, cached formula result) or an
inline ``<is>`` string. Shared strings (with rich-text runs and phonetic
hints) and date number formats from the styles part are honoured, so files
saved by Excel read as Excel shows them.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

_P = r"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
_ROW = re.compile(rf"<{_P}row\b([^>]*?)(?:/>|>(.*?)</{_P}row>)", re.S)
_CELL = re.compile(rf"<{_P}c\b([^>]*?)(?:/>|>(.*?)</{_P}c>)", re.S)
_ATTR = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
_V = re.compile(rf"<{_P}v(?:\s[^>]*)?>(.*?)</{_P}v>", re.S)
_T = re.compile(rf"<{_P}t(?:\s[^>]*)?>(.*?)</{_P}t>", re.S)
_PHONETIC = re.compile(rf"<{_P}rPh\b.*?</{_P}rPh>", re.S)
_SI = re.compile(rf"<{_P}si\b[^>]*?(?:/>|>(.*?)</{_P}si>)", re.S)
_XESC = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Cells as voxhub and ARCtrl write them: reference, inline string, one plain run.
_PLAIN_CELL = re.compile(
    r'<c r="([A-Z]+)\d+" t="inlineStr"><is><t(?: xml:space="preserve")?>([^<]*)</t></is></c>'
)
_SHEET_DATA = re.compile(rf"<{_P}sheetData\b[^>]*?(?:/>|>(.*?)</{_P}sheetData>)", re.S)
_COLUMN_INDEX: dict[str, int] = {}

Value = str | int | float | bool | dt.datetime | None


def _text(raw: str) -> str:
    text = html.unescape(raw) if "&" in raw else raw
    return _XESC.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _string_item(inner: str) -> str:
    """The text of a shared or inline string: its runs joined, phonetic hints left out."""
    if "rPh" in inner:
        inner = _PHONETIC.sub("", inner)
    return "".join(_text(t) for t in _T.findall(inner))


def shared_strings(xml: str) -> list[str]:
    return [_string_item(m.group(1) or "") for m in _SI.finditer(xml)]


def date_styles(styles_xml: str) -> set[int]:
    """Indices of cell formats (the ``s`` attribute) whose number format shows a date."""
    codes = dict(BUILTIN_FORMATS)
    for match in re.finditer(rf"<{_P}numFmt\b([^>]*)/?>", styles_xml):
        attrs = dict(_ATTR.findall(match.group(1)))
        if "numFmtId" in attrs:
            codes[int(attrs["numFmtId"])] = html.unescape(attrs.get("formatCode", ""))
    found = set()
    block = re.search(rf"<{_P}cellXfs\b.*?</{_P}cellXfs>", styles_xml, re.S)
    if block:
        xfs = re.finditer(rf"<{_P}xf\b([^>]*)", block.group(0))
        for index, match in enumerate(xfs):
            fmt = int(dict(_ATTR.findall(match.group(1))).get("numFmtId", 0))
            if is_date_format(codes.get(fmt, "")):
                found.add(index)
    return found


def _column(letters: str) -> int:
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        index = 0
        for ch in letters:
            index = index * 26 + ord(ch) - 64
        index -= 1
        _COLUMN_INDEX[letters] = index
    return index


def _attr(attrs: str, key: str) -> str | None:
    """One attribute's value; ``key`` is its name with a space before and ``="`` after."""
    start = attrs.find(key)
    if start < 0:
        return None
    start += len(key)
    return attrs[start : attrs.find('"', start)]


def _value(attrs: str, inner: str | None, strings: list[str], dates: set[int], epoch) -> Value:  # type: ignore[no-untyped-def]
    if inner is None:
        return None
    kind = _attr(attrs, ' t="') or "n"
    if kind == "inlineStr":
        # the common case, written by voxhub and ARCtrl: one plain run
        if inner.startswith("<is><t>") and inner.endswith("</t></is>") and inner.count("<") == 4:
            return _text(inner[7:-9])
        return _string_item(inner)
    match = _V.search(inner)
    if match is None:
        return None
    raw = match.group(1)
    if kind == "s":
        index = int(raw)
        return strings[index] if 0 <= index < len(strings) else None
    if kind in ("str", "e", "d"):
        return _text(raw)
    if kind == "b":
        return raw.strip() in ("1", "true")
    number: int | float
    try:
        number = int(raw)
    except ValueError:
        number = float(raw)
    style = _attr(attrs, ' s="') if dates else None
    if style is not None and int(style) in dates:
        return from_excel(number, epoch)
    return number


def _plain_row(cells: list[tuple[str, str]]) -> tuple[Value, ...]:
    values: list[Value] = []
    for letters, raw in cells:
        column = _COLUMN_INDEX.get(letters)
        if column is None:
            column = _column(letters)
        if column > len(values):
            values.extend([None] * (column - len(values)))
        text = _text(raw) if ("&" in raw or "_x" in raw) else raw
        if column == len(values):
            values.append(text)
        else:
            values[column] = text
    return tuple(values)


def iter_rows(
    xml: str, strings: list[str], dates: set[int], date1904: bool = False
) -> Iterator[tuple[Value, ...]]:
    """Rows from row 1 on (missing rows come out empty), each a tuple of values."""
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    expected = 1
    data = _SHEET_DATA.search(xml)
    if data is None or data.group(1) is None:
        return
    for row in _ROW.finditer(data.group(1)):
        number_text = _attr(row.group(1), ' r="')
        number = int(number_text) if number_text else expected
        while expected < number:
            yield ()
            expected += 1
        content = row.group(2) or ""
        plain = _PLAIN_CELL.findall(content)
        if plain and len(plain) == content.count("<c "):
            yield _plain_row(plain)
            expected = number + 1
            continue
        values: list[Value] = []
        position = 0
        for cell in _CELL.finditer(content):
            attrs, inner = cell.group(1), cell.group(2)
            ref = _attr(attrs, ' r="')
            column = _column(ref.rstrip("0123456789")) if ref else position
            if column > len(values):
                values.extend([None] * (column - len(values)))
            value = _value(attrs, inner, strings, dates, epoch)
            if column == len(values):
                values.append(value)
            else:
                values[column] = value
            position = column + 1
        while values and values[-1] is None:
            values.pop()
        yield tuple(values)
        expected = number + 1


__all__ = ["date_styles", "iter_rows", "shared_strings"]
