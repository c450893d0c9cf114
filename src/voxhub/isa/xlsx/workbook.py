"""A spreadsheet package at the level of its zip parts.

Writing and updating work on parts, not through a full spreadsheet object
model: the sheets voxhub owns (a metadata sheet and one sheet per table) are
generated as XML straight from strings, and every other part of an existing
workbook (foreign sheets, styles, charts, drawings, pivot caches ...) is
copied byte for byte. That is what lets an update keep what the model does
not know, and it is much faster than building cell objects.

Cell values are scanned straight from the sheet parts (:mod:`.sheetdata`),
table objects from the table parts.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from openpyxl.utils import get_column_letter

from voxhub.isa.errors import IsaReadError
from voxhub.isa.xlsx.sheetdata import date_styles, iter_rows, shared_strings
from voxhub.storage.archives import read_all

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_WORKSHEET = f"{NS_REL}/worksheet"
REL_TABLE = f"{NS_REL}/table"
REL_STYLES = f"{NS_REL}/styles"
REL_STRINGS = f"{NS_REL}/sharedStrings"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"

_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_STYLES = (
    f'{_XML_DECL}<styleSheet xmlns="{NS_MAIN}"><fonts count="1"><font><sz val="11"/>'
    '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>'
    '</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border>'
    '<left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1">'
    '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def escape(text: str) -> str:
    """Text for an XML attribute (characters XML cannot hold are dropped)."""
    text = text.translate(_ESCAPE)
    return _ILLEGAL.sub("", text) if _ILLEGAL.search(text) else text


_OOXML_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def escape_cell(text: str) -> str:
    """Cell text for XML, losing nothing: characters XML cannot hold become ``_xHHHH_``
    (as Excel writes them), and a literal ``_xHHHH_`` keeps its underscore as ``_x005F_``."""
    if "_x" in text:
        text = _OOXML_ESCAPE.sub("_x005F_", text)
    text = text.translate(_ESCAPE)
    if "\r" in text:  # XML readers turn a raw CR into LF; Excel writes CR escaped
        text = text.replace("\r", "_x000D_")
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text


def cell_text(value: object) -> str:
    """A spreadsheet value as ISA text (numbers typed into Excel come back as numbers)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class TableRef:
    """An Excel table object: its name and the cell range it covers."""

    name: str
    ref: str
    part: str

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """(first column, first row, last column, last row), 1-based."""
        from openpyxl.utils.cell import range_boundaries

        return range_boundaries(self.ref)  # type: ignore[return-value]


@dataclass
class _Sheet:
    name: str
    rel_id: str
    part: str  # e.g. "xl/worksheets/sheet1.xml"


class Workbook:
    """An xlsx package as a dict of parts, with the few operations voxhub needs."""

    def __init__(self, parts: dict[str, bytes], source: str = "<workbook>") -> None:
        self.parts = parts
        self.source = source
        self._strings: tuple[list[str], set[int], bool] | None = None
        self._sheets = self._read_sheets()

    # -- opening --------------------------------------------------------------
    @classmethod
    def new(cls) -> Workbook:
        parts = {
            "[Content_Types].xml": b"",
            "_rels/.rels": (
                f'{_XML_DECL}<Relationships xmlns="{NS_PKG_REL}"><Relationship Id="rId1" '
                f'Type="{NS_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ).encode(),
            "xl/workbook.xml": (
                f'{_XML_DECL}<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><bookViews>'
                '<workbookView activeTab="0"/></bookViews><sheets></sheets></workbook>'
            ).encode(),
            "xl/_rels/workbook.xml.rels": (
                f'{_XML_DECL}<Relationships xmlns="{NS_PKG_REL}"><Relationship Id="rIdStyles" '
                f'Type="{REL_STYLES}" Target="styles.xml"/></Relationships>'
            ).encode(),
            "xl/styles.xml": _STYLES.encode(),
        }
        wb = cls(parts, "<new workbook>")
        wb._write_content_types()
        return wb

    @classmethod
    def read(cls, data: bytes, source: str) -> Workbook:
        try:
            parts = read_all(data)  # bounded: a small xlsx may inflate to gigabytes
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise IsaReadError(source, None, f"not a readable xlsx file ({exc})") from None
        if "xl/workbook.xml" not in parts:
            raise IsaReadError(source, None, "not an xlsx workbook (no xl/workbook.xml)")
        return cls(parts, source)

    # -- reading --------------------------------------------------------------
    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self._sheets]

    def tables(self, sheet: str) -> list[TableRef]:
        """Table objects on a sheet, in the order the sheet lists them."""
        info = self._sheet(sheet)
        found = []
        for target in self._rel_targets(info.part, REL_TABLE):
            data = self.parts.get(target)
            if data is None:
                continue
            root = self._xml(data, target)
            found.append(TableRef(root.get("name") or "", root.get("ref") or "", target))
        return found

    def rows(self, sheet: str) -> Iterator[tuple[object, ...]]:
        """Values of a sheet row by row, from row 1 (see :mod:`.sheetdata`)."""
        info = self._sheet(sheet)
        data = self.parts.get(info.part)
        if data is None:
            raise IsaReadError(self.source, f"sheet '{sheet}'", "its part is missing")
        try:
            xml = data.decode("utf-8")
        except UnicodeDecodeError:
            raise IsaReadError(self.source, f"sheet '{sheet}'", "not UTF-8 XML") from None
        if self._strings is None:
            self._strings = [], set(), False
            strings_part = next(iter(self._rel_targets("xl/workbook.xml", REL_STRINGS)), None)
            styles_part = next(iter(self._rel_targets("xl/workbook.xml", REL_STYLES)), None)
            strings = self.parts.get(strings_part or "", b"").decode("utf-8", "replace")
            styles = self.parts.get(styles_part or "", b"").decode("utf-8", "replace")
            date1904 = bool(
                re.search(rb'date1904="(1|true)"', self.parts.get("xl/workbook.xml", b""))
            )
            self._strings = shared_strings(strings), date_styles(styles), date1904
        strings, dates, date1904 = self._strings
        yield from iter_rows(xml, strings, dates, date1904)

    def close(self) -> None:
        """Nothing to release; kept so readers can close a workbook in ``finally``."""

    # -- writing --------------------------------------------------------------
    def set_sheet(
        self,
        name: str,
        rows: Iterable[Sequence[str]],
        table_name: str | None = None,
        width: int = 0,
    ) -> None:
        """Create or replace a sheet whose rows are text; ``table_name`` spans a table over it.

        The table covers ``width`` columns and all rows; its header texts are
        made unique the way ARCtrl does (trailing spaces). A sheet that exists
        is rewritten whole, keeping only how it is shown (tab colour, view,
        frozen panes, column widths).
        """
        existing = next((s for s in self._sheets if s.name == name), None)
        looks = ""
        if existing is None:
            part = self._free_name("xl/worksheets/sheet{}.xml")
            rel_id = self._add_rel("xl/workbook.xml", REL_WORKSHEET, part)
            existing = _Sheet(name, rel_id, part)
            self._sheets.append(existing)
        else:
            looks = _sheet_looks(self.parts.get(existing.part, b""))
            self._drop_sheet_parts(existing.part)
        xml, n_rows, header = _sheet_xml(rows, table_name is not None, looks)
        rels = f"_rels/{posixpath.basename(existing.part)}.rels"
        rels_part = posixpath.join(posixpath.dirname(existing.part), rels)
        if table_name is not None and width and n_rows:
            table_part = self._free_name("xl/tables/table{}.xml")
            ref = f"A1:{get_column_letter(width)}{n_rows}"
            self.parts[table_part] = _table_xml(
                table_name, ref, header[:width], self._free_table_id()
            ).encode()
            self.parts[rels_part] = (
                f'{_XML_DECL}<Relationships xmlns="{NS_PKG_REL}"><Relationship Id="rId1" '
                f'Type="{REL_TABLE}" Target="../tables/{posixpath.basename(table_part)}"/>'
                "</Relationships>"
            ).encode()
            xml += '<tableParts count="1"><tablePart r:id="rId1"/></tableParts>'
        self.parts[existing.part] = (xml + "</worksheet>").encode()
        self._write_sheets()

    def remove_sheet(self, name: str) -> None:
        info = self._sheet(name)
        before = list(self._sheets)
        self._drop_sheet_parts(info.part)
        self.parts.pop(info.part, None)
        self._remove_rel("xl/workbook.xml", info.rel_id)
        self._sheets.remove(info)
        self._write_sheets(before)

    def order_sheets(self, names: Sequence[str]) -> None:
        """Put the named sheets in this order among the places they hold; others stay put."""
        before = list(self._sheets)
        ours = [s for s in self._sheets if s.name in names]
        slots = [i for i, s in enumerate(self._sheets) if s.name in names]
        ranked = sorted(ours, key=lambda s: list(names).index(s.name))
        for slot, sheet in zip(slots, ranked, strict=True):
            self._sheets[slot] = sheet
        self._write_sheets(before)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            # The content-types part goes first, as Office itself writes it.
            for name in sorted(self.parts, key=lambda n: n != "[Content_Types].xml"):
                zf.writestr(name, self.parts[name])
        return out.getvalue()

    # -- package plumbing -----------------------------------------------------
    def _xml(self, data: bytes, part: str) -> ET.Element:
        try:
            return ET.fromstring(data)
        except ET.ParseError as exc:
            raise IsaReadError(self.source, part, f"broken XML ({exc})") from None

    def _sheet(self, name: str) -> _Sheet:
        for sheet in self._sheets:
            if sheet.name == name:
                return sheet
        raise IsaReadError(self.source, f"sheet '{name}'", "no such sheet")

    def _read_sheets(self) -> list[_Sheet]:
        root = self._xml(self.parts["xl/workbook.xml"], "xl/workbook.xml")
        targets = self._rels("xl/workbook.xml")
        sheets = []
        for el in root.iter(f"{{{NS_MAIN}}}sheet"):
            rel_id = el.get(f"{{{NS_REL}}}id") or ""
            if rel_id in targets:
                sheets.append(_Sheet(el.get("name") or "", rel_id, targets[rel_id][1]))
        return sheets

    @staticmethod
    def _rels_part(part: str) -> str:
        return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, resolved target part) for a part."""
        data = self.parts.get(self._rels_part(part))
        if data is None:
            return {}
        found = {}
        for el in self._xml(data, self._rels_part(part)):
            target = el.get("Target") or ""
            if el.get("TargetMode") != "External":
                if target.startswith("/"):
                    target = target[1:]
                else:
                    target = posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
            found[el.get("Id") or ""] = (el.get("Type") or "", target)
        return found

    def _rel_targets(self, part: str, rel_type: str) -> list[str]:
        return [t for kind, t in self._rels(part).values() if kind == rel_type]

    def _write_rels(self, part: str, rels: dict[str, tuple[str, str]]) -> None:
        base = posixpath.dirname(part)
        items = "".join(
            f'<Relationship Id="{escape(rid)}" Type="{escape(kind)}" '
            f'Target="{escape(posixpath.relpath(target, base) if base else target)}"/>'
            for rid, (kind, target) in rels.items()
        )
        self.parts[self._rels_part(part)] = (
            f'{_XML_DECL}<Relationships xmlns="{NS_PKG_REL}">{items}</Relationships>'
        ).encode()

    def _add_rel(self, part: str, kind: str, target: str) -> str:
        rels = self._rels(part)
        n = 1
        while f"rIdVx{n}" in rels:
            n += 1
        rels[f"rIdVx{n}"] = (kind, target)
        self._write_rels(part, rels)
        return f"rIdVx{n}"

    def _remove_rel(self, part: str, rel_id: str) -> None:
        rels = self._rels(part)
        rels.pop(rel_id, None)
        self._write_rels(part, rels)

    def _drop_sheet_parts(self, sheet_part: str) -> None:
        """Forget a sheet's table parts and its relationships (the sheet XML is rewritten)."""
        for target in self._rel_targets(sheet_part, REL_TABLE):
            self.parts.pop(target, None)
        self.parts.pop(self._rels_part(sheet_part), None)

    def _free_name(self, pattern: str) -> str:
        n = 1
        while pattern.format(n) in self.parts:
            n += 1
        return pattern.format(n)

    def _free_table_id(self) -> int:
        used = set()
        for name, data in self.parts.items():
            if name.startswith("xl/tables/"):
                match = re.search(rb'<table[^>]*\sid="(\d+)"', data)
                if match:
                    used.add(int(match.group(1)))
        n = 1
        while n in used:
            n += 1
        return n

    def _write_sheets(self, before: list[_Sheet] | None = None) -> None:
        """Rewrite the <sheets> list of workbook.xml as text, leaving the rest untouched.

        ``before`` is the sheet order the workbook had: names defined for one
        sheet (``localSheetId``, a position) follow their sheet, and names of a
        removed sheet go with it.
        """
        xml = self.parts["xl/workbook.xml"].decode("utf-8")
        if before is not None and before != self._sheets:
            xml = _renumber_local_names(xml, before, self._sheets)
        match = re.search(r"<(\w+:)?sheets\s*/>|<(\w+:)?sheets>.*?</(\w+:)?sheets>", xml, re.S)
        if match is None:
            raise IsaReadError(self.source, "xl/workbook.xml", "no <sheets> element")
        prefix = match.group(1) or match.group(2) or ""
        old_ids = {
            m.group(2): m.group(1)
            for m in re.finditer(r'<(?:\w+:)?sheet\b[^>]*?sheetId="(\d+)"[^>]*?id="([^"]+)"', xml)
        }
        next_id = max((int(i) for i in old_ids.values()), default=0) + 1
        items = []
        rel_prefix = _rel_prefix(xml)
        for sheet in self._sheets:
            sheet_id = old_ids.get(sheet.rel_id)
            if sheet_id is None:
                sheet_id, next_id = str(next_id), next_id + 1
            items.append(
                f'<{prefix}sheet name="{escape(sheet.name)}" sheetId="{sheet_id}" '
                f'{rel_prefix}:id="{escape(sheet.rel_id)}"/>'
            )
        block = f"<{prefix}sheets>{''.join(items)}</{prefix}sheets>"
        self.parts["xl/workbook.xml"] = (xml[: match.start()] + block + xml[match.end() :]).encode()
        self._write_content_types()

    def _write_content_types(self) -> None:
        data = self.parts.get("[Content_Types].xml") or b""
        defaults = {
            "rels": "application/vnd.openxmlformats-package.relationships+xml",
            "xml": "application/xml",
        }
        overrides: dict[str, str] = {}
        if data:
            for el in self._xml(data, "[Content_Types].xml"):
                tag = el.tag.rsplit("}", 1)[-1]
                if tag == "Default":
                    defaults[el.get("Extension") or ""] = el.get("ContentType") or ""
                elif tag == "Override":
                    overrides[(el.get("PartName") or "").lstrip("/")] = el.get("ContentType") or ""
        overrides = {p: c for p, c in overrides.items() if p in self.parts}
        overrides.setdefault("xl/workbook.xml", CT_WORKBOOK)
        if "xl/styles.xml" in self.parts:
            overrides.setdefault("xl/styles.xml", CT_STYLES)
        for name in self.parts:
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                overrides.setdefault(name, CT_WORKSHEET)
            elif name.startswith("xl/tables/") and name.endswith(".xml"):
                overrides.setdefault(name, CT_TABLE)
        body = "".join(
            f'<Default Extension="{escape(e)}" ContentType="{escape(c)}"/>'
            for e, c in defaults.items()
        ) + "".join(
            f'<Override PartName="/{escape(p)}" ContentType="{escape(c)}"/>'
            for p, c in overrides.items()
        )
        self.parts["[Content_Types].xml"] = (
            f'{_XML_DECL}<Types xmlns="{NS_CT}">{body}</Types>'
        ).encode()


_DEFINED_NAME = re.compile(r"<(\w+:)?definedName\b([^>]*?)(?:/>|>.*?</(?:\w+:)?definedName>)", re.S)


def _renumber_local_names(xml: str, before: list[_Sheet], after: list[_Sheet]) -> str:
    position = {id(s): i for i, s in enumerate(after)}

    def fix(match: re.Match[str]) -> str:
        local = re.search(r'localSheetId="(\d+)"', match.group(2))
        if local is None:
            return match.group(0)
        index = int(local.group(1))
        if index >= len(before) or id(before[index]) not in position:
            return ""  # the name belonged to a removed sheet
        new = position[id(before[index])]
        return match.group(0).replace(local.group(0), f'localSheetId="{new}"', 1)

    xml = _DEFINED_NAME.sub(fix, xml)
    # Excel refuses an active tab beyond the last sheet.
    return re.sub(
        r'activeTab="(\d+)"',
        lambda m: m.group(0) if int(m.group(1)) < len(after) else 'activeTab="0"',
        xml,
    )


def _rel_prefix(workbook_xml: str) -> str:
    match = re.search(rf'xmlns:(\w+)="{re.escape(NS_REL)}"', workbook_xml)
    return match.group(1) if match else "r"


_LETTERS: list[str] = []


def _letter(index: int) -> str:
    while len(_LETTERS) <= index:
        _LETTERS.append(get_column_letter(len(_LETTERS) + 1))
    return _LETTERS[index]


_LOOKS = [
    re.compile(p, re.S)
    for p in (
        r"<sheetPr\b[^>]*?(?:/>|>.*?</sheetPr>)",
        r"<sheetViews\b[^>]*?(?:/>|>.*?</sheetViews>)",
        r"<sheetFormatPr\b[^>]*?/>",
        r"<cols\b[^>]*?(?:/>|>.*?</cols>)",
    )
]


def _sheet_looks(old: bytes) -> str:
    """The presentation elements of a worksheet, in schema order, for its rewrite.

    Only unprefixed elements of the main namespace are taken, so they fit the new
    sheet's namespace declarations (all that Excel and openpyxl write).
    """
    text = old.decode("utf-8", "replace")
    head = text.split("<sheetData", 1)[0]
    if f'xmlns="{NS_MAIN}"' not in head:
        return ""
    found = []
    for pattern in _LOOKS:
        match = pattern.search(head)
        if match and ":" not in match.group(0).split(">", 1)[0].split()[0]:
            found.append(match.group(0))
    return "".join(found)


def _sheet_xml(
    rows: Iterable[Sequence[str]], unique_header: bool, looks: str = ""
) -> tuple[str, int, list[str]]:
    """The worksheet XML without its closing tag; the row count; the (unique) header row."""
    parts = [
        f'{_XML_DECL}<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">{looks}<sheetData>',
    ]
    header: list[str] = []
    n = 0
    cache: dict[str, str] = {}
    for n, row in enumerate(rows, start=1):
        if n == 1 and unique_header:
            row = _unique_texts(row)
            header = list(row)
        cells = []
        for i, value in enumerate(row):
            if value:
                text = cache.get(value)
                if text is None:
                    text = escape_cell(value)
                    if value[0].isspace() or value[-1].isspace():
                        text = f'<t xml:space="preserve">{text}</t>'
                    else:
                        text = f"<t>{text}</t>"
                    if len(cache) < 100_000:
                        cache[value] = text
                cells.append(f'<c r="{_letter(i)}{n}" t="inlineStr"><is>{text}</is></c>')
        parts.append(f'<row r="{n}">{"".join(cells)}</row>')
    parts.append("</sheetData>")
    return "".join(parts), n, header


def _unique_texts(row: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in row:
        text = value
        while text in seen:
            text += " "
        seen.add(text)
        out.append(text)
    return out


def _table_xml(name: str, ref: str, header: Sequence[str], table_id: int) -> str:
    columns = "".join(
        f'<tableColumn id="{i}" name="{escape(text)}"/>' for i, text in enumerate(header, start=1)
    )
    return (
        f'{_XML_DECL}<table xmlns="{NS_MAIN}" id="{table_id}" name="{escape(name)}" '
        f'displayName="{escape(name)}" ref="{ref}" headerRowCount="1">'
        f'<autoFilter ref="{ref}"/><tableColumns count="{len(header)}">{columns}</tableColumns>'
        '<tableStyleInfo name="TableStyleMedium9" showFirstColumn="0" showLastColumn="0" '
        'showRowStripes="1" showColumnStripes="1"/></table>'
    )


__all__ = ["TableRef", "Workbook", "cell_text", "escape"]
