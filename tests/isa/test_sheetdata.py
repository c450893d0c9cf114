"""Sheet cells as Excel and other writers spell them, read through :class:`Workbook`."""

import datetime as dt
import io
import re
import zipfile

import pytest

from voxhub.isa import IsaReadError
from voxhub.isa.xlsx import Workbook
from voxhub.isa.xlsx.workbook import cell_text

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = f'xmlns="{MAIN}"'
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def package(sheet: str, sst: str | None = None, styles: str | None = None) -> bytes:
    """A minimal xlsx holding one sheet 'S' with this XML (and shared strings, styles)."""
    rels = f'<Relationship Id="rId1" Type="{R}/worksheet" Target="worksheets/sheet1.xml"/>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{R}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f"<workbook {NS}><sheets>"
            f'<sheet xmlns:r="{R}" name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        if sst is not None:
            rels += f'<Relationship Id="rId2" Type="{R}/sharedStrings" Target="sharedStrings.xml"/>'
            z.writestr("xl/sharedStrings.xml", sst)
        if styles is not None:
            rels += f'<Relationship Id="rId3" Type="{R}/styles" Target="styles.xml"/>'
            z.writestr("xl/styles.xml", styles)
        z.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{rels}</Relationships>'
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def rows(sheet: str, sst: str | None = None, styles: str | None = None) -> list[list[str]]:
    """The sheet's rows as ISA text, trailing empty cells dropped."""
    found = []
    for row in Workbook.read(package(sheet, sst, styles), "t.xlsx").rows("S"):
        texts = [cell_text(v) for v in row]
        while texts and not texts[-1]:
            texts.pop()
        found.append(texts)
    return found


def sheet(body: str, prefix: str = "") -> str:
    if not prefix:
        return f"<worksheet {NS}><sheetData>{body}</sheetData></worksheet>"
    body = re.sub(r"<(/?)(row|c|v|is|t|r|f)\b", rf"<\1{prefix}:\2", body)
    return (
        f'<{prefix}:worksheet xmlns:{prefix}="{MAIN}"><{prefix}:sheetData>{body}'
        f"</{prefix}:sheetData></{prefix}:worksheet>"
    )


SST = (
    f"<sst {NS}><si><t>plain</t></si>"
    "<si><r><rPr><b/></rPr><t>bo</t></r><r><t xml:space='preserve'>ld </t></r></si>"
    '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></si>'
    "<si><t>a &amp; b_x000D_</t></si><si><t/></si></sst>"
)


def test_shared_strings_with_rich_runs_phonetics_and_escapes():
    body = "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCDE"))
    assert rows(sheet(f'<row r="1">{body}</row>'), SST) == [["plain", "bold ", "漢字", "a & b\r"]]


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="A1" t = "s"><v>1</v></c>',  # spaces around '='
        "<c r='A1' t='s'><v>1</v></c>",  # single quotes
        '<c t="s" s="0" r="A1"><v>1</v></c>',  # another attribute order
        '<c\n  r="A1"\n  t="s"\n><v>1</v></c>',  # line breaks inside the tag
    ],
)
def test_any_valid_spelling_of_a_cell_reads_the_same(cell):
    assert rows(sheet(f'<row r="1">{cell}</row>'), SST) == [["bold "]]


def test_value_kinds():
    xml = sheet(
        '<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1"><v>42</v></c>'
        '<c r="C1"><v>0.25</v></c><c r="D1" t="b"><v>1</v></c>'
        '<c r="E1" t="str"><f>A1&amp;"x"</f><v>bx</v></c>'
        '<c r="F1" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c>'
        '<c r="G1" s="1"><v>45413</v></c><c r="H1" s="0"/></row>'
    )
    styles = (
        f'<styleSheet {NS}><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
        "</styleSheet>"
    )
    assert rows(xml, SST, styles) == [["bold ", "42", "0.25", "TRUE", "bx", "inline", "2024-05-01"]]


def test_gaps_missing_rows_and_missing_references():
    xml = sheet(
        '<row r="2"><c r="C2" t="inlineStr"><is><t>c</t></is></c></row>'
        '<row r="4"><c r="B4" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    assert rows(xml) == [[], ["", "", "c"], [], ["", "x"]]


def test_namespace_prefixes_and_custom_date_formats():
    xml = sheet('<row r="1"><c r="A1" s="1"><v>1</v></c></row>', prefix="x")
    styles = (
        f'<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="170" formatCode="yyyy/mm/dd"/>'
        '</numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="170"/></cellXfs></styleSheet>'
    )
    assert rows(xml, None, styles) == [["1900-01-01"]]


def test_inline_strings_with_escapes_and_spaces():
    xml = sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a &lt;b&gt;</t></is></c>'
        '<c r="D1" t="inlineStr"><is><t xml:space="preserve"> d </t></is></c>'
        '<c r="E1" t="inlineStr"><is><t>lit _x005F_x0041_ cr_x000D_</t></is></c></row>'
    )
    assert rows(xml) == [["a <b>", "", "", " d ", "lit _x0041_ cr\r"]]


def test_empty_sheet():
    assert rows(f"<worksheet {NS}><sheetData/></worksheet>") == []


def test_broken_sheet_xml_names_the_sheet():
    with pytest.raises(IsaReadError, match="t.xlsx"):
        rows(f"<worksheet {NS}><sheetData><row r='1'><c></row></sheetData></worksheet>")


def test_a_date_typed_into_excel_reads_as_an_iso_date():
    assert cell_text(dt.date(2024, 5, 1)) == "2024-05-01"
