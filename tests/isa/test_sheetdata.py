"""The cell scanner on the kinds of sheet XML Excel and other writers produce."""

import datetime as dt

from voxhub.isa.xlsx.sheetdata import date_styles, iter_rows, shared_strings

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet(rows: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    ns = NS.replace("xmlns=", f"xmlns:{prefix}=") if prefix else NS
    return f"<{p}worksheet {ns}><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>"


def test_shared_strings_with_rich_runs_phonetics_and_escapes():
    sst = (
        f"<sst {NS}><si><t>plain</t></si>"
        '<si><r><rPr><b/></rPr><t>bo</t></r><r><t xml:space="preserve">ld </t></r></si>'
        '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></si>'
        "<si><t>a &amp; b_x000D_</t></si><si><t/></si></sst>"
    )
    assert shared_strings(sst) == ["plain", "bold ", "漢字", "a & b\r", ""]


def test_value_kinds():
    xml = sheet(
        '<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1"><v>42</v></c>'
        '<c r="C1"><v>0.25</v></c><c r="D1" t="b"><v>1</v></c>'
        '<c r="E1" t="str"><f>A1&amp;"x"</f><v>bx</v></c><c r="F1" t="e"><v>#N/A</v></c>'
        '<c r="G1" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c>'
        '<c r="H1" s="1"><v>45413</v></c><c r="I1" s="0"/></row>'
    )
    styles = (
        f'<styleSheet {NS}><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
        "</styleSheet>"
    )
    (row,) = iter_rows(xml, ["a", "b"], date_styles(styles))
    assert row == ("b", 42, 0.25, True, "bx", "#N/A", "inline", dt.datetime(2024, 5, 1))


def test_gaps_missing_rows_and_missing_references():
    xml = sheet(
        '<row r="2"><c r="C2" t="inlineStr"><is><t>c</t></is></c></row>'
        '<row><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t></is></c></row>'
        '<row r="5"/>'
    )
    assert list(iter_rows(xml, [], set())) == [(), (None, None, "c"), ("x", "y"), (), ()]


def test_namespace_prefixes_and_custom_date_formats():
    xml = sheet('<x:row r="1"><x:c r="A1" s="1"><x:v>1</x:v></x:c></x:row>', prefix="x")
    styles = (
        f'<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="170" formatCode="yyyy/mm/dd"/>'
        '</numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="170"/></cellXfs></styleSheet>'
    )
    assert list(iter_rows(xml, [], date_styles(styles))) == [(dt.datetime(1900, 1, 1),)]


def test_plain_inline_rows_take_the_fast_path_with_escapes():
    xml = sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a &lt;b&gt;</t></is></c>'
        '<c r="D1" t="inlineStr"><is><t xml:space="preserve"> d </t></is></c></row>'
    )
    assert list(iter_rows(xml, [], set())) == [("a <b>", None, None, " d ")]


def test_empty_sheet():
    assert list(iter_rows(f"<worksheet {NS}><sheetData/></worksheet>", [], set())) == []
