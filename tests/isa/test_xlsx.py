import io
import zipfile
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table

from voxhub.isa import ArcAssay, IsaReadError
from voxhub.isa.xlsx import Workbook, read_assay, read_investigation, write_assay
from voxhub.isa.xlsx.investigation import write_investigation

from .sample import measure_table, sample_investigation
from .strategies import tables


def assay_with(*tables_):
    return ArcAssay("A1", tables=tables_)


def test_assay_round_trip_keeps_every_cell():
    inv = sample_investigation()
    assay = inv.get_assay("imaging")
    assay.datamap = None  # a file of its own (test_datamap.py)
    back = read_assay(write_assay(assay), "isa.assay.xlsx")
    assert back == assay


def test_growth_table_round_trip_keeps_unitized_empty_and_comment_cells():
    study = sample_investigation().get_study("growth")
    assay = assay_with(study.tables.get("Growth"))
    back = read_assay(write_assay(assay), "x.xlsx")
    assert back.tables.get("Growth") == study.tables.get("Growth")
    assert back.tables.get("Growth").headers[5].has_unit  # the all-empty unit column


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(name="T"))
def test_random_tables_round_trip(table):
    assay = assay_with(table)
    back = read_assay(write_assay(assay), "x.xlsx")
    if table.column_count == 0:
        assert back.tables.names == []  # an empty table has no Excel table to read back
    else:
        assert back.tables.get("T") == table


def test_investigation_round_trip_keeps_its_fields():
    inv = sample_investigation()
    parsed = read_investigation(write_investigation(inv), "isa.investigation.xlsx")
    back = parsed.investigation
    for field in ("identifier", "title", "description", "submission_date", "public_release_date"):
        assert getattr(back, field) == getattr(inv, field)
    assert back.contacts == inv.contacts
    assert back.publications == inv.publications
    assert back.comments == inv.comments
    assert back.ontology_source_references == inv.ontology_source_references
    assert [b.study.identifier for b in parsed.studies] == ["growth", "empty-study"]
    assert [a.identifier for a in parsed.studies[0].assays] == ["imaging"]
    assert parsed.studies[0].assays[0].measurement_type == inv.get_assay("imaging").measurement_type


def test_tables_are_real_excel_tables_with_arc_headers():
    data = write_assay(assay_with(measure_table()))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["isa_assay", "Measurement"]
    sheet = book["Measurement"]
    (table,) = sheet.tables.values()
    assert table.name.startswith("annotationTable")
    assert table.ref == "A1:S3"
    header = [c.value for c in sheet[1]]
    assert header[5:9] == [
        "Component [microscope]",
        "Term Source REF (OBI:0000001)",
        "Term Accession Number (OBI:0000001)",
        "Parameter [exposure]",
    ]
    assert header[9] == "Unit"


# -- updating keeps what voxhub does not own ----------------------------------------
def foreign_workbook() -> bytes:
    """An assay workbook a person edited in Excel: extra sheet, styles and a chart."""
    book = openpyxl.load_workbook(io.BytesIO(write_assay(assay_with(measure_table()))))
    extra = book.create_sheet("My plot")
    for row in [["x", "y"], [1, 2], [2, 4], [3, 9]]:
        extra.append(row)
    extra["A1"].font = Font(bold=True, color="FF0000")
    chart = BarChart()
    chart.add_data(Reference(extra, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    extra.add_chart(chart, "D2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_update_keeps_foreign_sheets_styles_and_charts():
    original = foreign_workbook()
    assay = read_assay(original, "a.xlsx")
    assay.title = "changed"
    assay.tables.get("Measurement").remove_row(0)
    assay.tables.add(measure_table().copy_and_rename("Second"))
    updated = write_assay(assay, existing=original, source="a.xlsx")

    before = zipfile.ZipFile(io.BytesIO(original))
    after = zipfile.ZipFile(io.BytesIO(updated))
    charts = [n for n in before.namelist() if n.startswith("xl/charts/")]
    assert charts
    for name in charts + ["xl/styles.xml"]:
        assert after.read(name) == before.read(name)
    book = openpyxl.load_workbook(io.BytesIO(updated))
    assert book.sheetnames == ["isa_assay", "Measurement", "My plot", "Second"]
    assert book["My plot"]["A1"].font.bold
    assert book["My plot"]["B4"].value == 9
    back = read_assay(updated, "a.xlsx")
    assert back == assay


def test_update_drops_sheets_of_removed_tables_only():
    original = foreign_workbook()
    assay = read_assay(original, "a.xlsx")
    assay.tables.remove("Measurement")
    updated = write_assay(assay, existing=original, source="a.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(updated))
    assert book.sheetnames == ["isa_assay", "My plot"]


def test_numbers_and_dates_typed_into_excel_read_as_text():
    book = openpyxl.load_workbook(io.BytesIO(write_assay(assay_with(measure_table()))))
    sheet = book["Measurement"]
    sheet["I2"] = 0.25  # the exposure value
    sheet["I3"] = 7
    import datetime

    sheet["C2"] = datetime.datetime(2024, 5, 1)
    out = io.BytesIO()
    book.save(out)
    table = read_assay(out.getvalue(), "a.xlsx").tables.get("Measurement")
    assert table.get_cell(6, 0).value == "0.25"
    assert table.get_cell(6, 1).value == "7"
    assert table.get_cell(2, 0).value == "2024-05-01"


# -- broken input names the file and the cell ---------------------------------------
def sheet_with_header(header, rows=(("x",),)):
    book = openpyxl.Workbook()
    meta = book.active
    meta.title = "isa_assay"
    meta.append(["ASSAY"])
    meta.append(["Assay Identifier", "A1"])
    sheet = book.create_sheet("T")
    sheet.append(header)
    for row in rows:
        sheet.append(list(row) + [""] * (len(header) - len(row)))
    end = openpyxl.utils.get_column_letter(len(header))
    sheet.add_table(Table(displayName="annotationTable0", ref=f"A1:{end}{len(rows) + 1}"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_truncated_xlsx_names_the_file():
    data = write_assay(assay_with(measure_table()))
    with pytest.raises(IsaReadError, match=r"^assays/A1/isa.assay.xlsx: not a readable xlsx"):
        read_assay(data[: len(data) // 2], "assays/A1/isa.assay.xlsx")


def test_not_a_zip_at_all():
    with pytest.raises(IsaReadError, match="f.xlsx"):
        read_assay(b"hello", "f.xlsx")


def test_duplicate_input_column_names_both_cells():
    data = sheet_with_header(["Input [Source Name]", "Protocol REF", "Input [Sample Name]"])
    with pytest.raises(IsaReadError) as err:
        read_assay(data, "assays/A1/isa.assay.xlsx")
    message = str(err.value)
    assert "assays/A1/isa.assay.xlsx" in message
    assert "sheet 'T' cell C1" in message
    assert "first at sheet 'T' cell A1" in message
    assert err.value.file == "assays/A1/isa.assay.xlsx"


def test_unknown_header_names_the_cell():
    data = sheet_with_header(["Input [Source Name]", "Parameter [x]", "Wizardry [y]"])
    with pytest.raises(IsaReadError, match=r"sheet 'T' cell C1: unknown header 'Wizardry \[y\]'"):
        read_assay(data, "a.xlsx")


def test_unit_without_a_term_column_names_the_cell():
    data = sheet_with_header(["Input [Source Name]", "Unit"])
    with pytest.raises(IsaReadError, match=r"cell B1: 'Unit' follows no term column"):
        read_assay(data, "a.xlsx")


def test_plain_unknown_headers_are_free_text_columns():
    data = sheet_with_header(["Input [Source Name]", "Notes"], rows=[("a", "hello")])
    table = read_assay(data, "a.xlsx").tables.get("T")
    assert table.headers[1].label == "Notes"
    assert table.get_cell(1, 0).value == "hello"


def test_bad_identifier_in_metadata_names_the_cell():
    book = openpyxl.Workbook()
    book.active.title = "isa_assay"
    book.active.append(["ASSAY"])
    book.active.append(["Assay Identifier", "a/b"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(IsaReadError, match=r"a.xlsx, cell B2: invalid assay identifier"):
        read_assay(out.getvalue(), "a.xlsx")


def test_workbook_parts_survive_a_no_op_update():
    data = foreign_workbook()
    wb = Workbook.read(data, "x")
    assert wb.sheet_names == ["isa_assay", "Measurement", "My plot"]
    assert [t.name for t in wb.tables("Measurement")] == ["annotationTable0"]


def test_names_scoped_to_a_foreign_sheet_follow_it_when_a_table_sheet_goes():
    from openpyxl.workbook.defined_name import DefinedName

    book = openpyxl.load_workbook(io.BytesIO(foreign_workbook()))
    book["My plot"].defined_names["peak"] = DefinedName("peak", attr_text="'My plot'!$B$4")
    book.active = 2
    out = io.BytesIO()
    book.save(out)
    assay = read_assay(out.getvalue(), "a.xlsx")
    assay.tables.remove("Measurement")
    updated = openpyxl.load_workbook(io.BytesIO(write_assay(assay, out.getvalue(), "a.xlsx")))
    assert updated.sheetnames == ["isa_assay", "My plot"]
    assert "peak" in updated["My plot"].defined_names
    assert updated.active.title in updated.sheetnames


def test_control_characters_and_literal_escapes_survive():
    from voxhub.isa import ArcTable, CompositeCell, CompositeHeader, IOType

    odd = ["bell\x07", "tab\there", "lit _x0041_", "crlf\r\n", "  padded  ", "a & <b>"]
    table = ArcTable("T")
    table.add_column(
        CompositeHeader.input(IOType.source()), [CompositeCell.create_free_text(v) for v in odd]
    )
    back = read_assay(write_assay(assay_with(table)), "x.xlsx").tables.get("T")
    assert [c.value for c in back.columns[0].cells] == odd


def test_two_tables_with_one_name_are_refused_not_overwritten():
    from voxhub.isa import IsaConflict

    assay = assay_with(measure_table(), measure_table().copy_and_rename("Other"))
    with pytest.raises(IsaConflict, match="a table named 'Measurement' already exists"):
        assay.tables.get("Other").rename("Measurement")  # a direct rename is checked too
    assert assay.tables.names == ["Measurement", "Other"]
    assay.tables._tables[1]._name = "Measurement"  # behind every check
    with pytest.raises(IsaConflict, match="two tables are named 'Measurement'"):
        write_assay(assay)


def test_update_keeps_column_widths_and_frozen_panes_of_table_sheets():
    book = openpyxl.load_workbook(io.BytesIO(write_assay(assay_with(measure_table()))))
    sheet = book["Measurement"]
    sheet.column_dimensions["A"].width = 42
    sheet.freeze_panes = "B2"
    sheet.sheet_properties.tabColor = "FF0000"
    out = io.BytesIO()
    book.save(out)
    assay = read_assay(out.getvalue(), "a.xlsx")
    assay.tables.get("Measurement").remove_row(1)
    updated = openpyxl.load_workbook(io.BytesIO(write_assay(assay, out.getvalue(), "a.xlsx")))
    sheet = updated["Measurement"]
    assert sheet.column_dimensions["A"].width == 42
    assert sheet.freeze_panes == "B2"
    assert sheet.sheet_properties.tabColor.rgb.endswith("FF0000")
    assert sheet.max_row == 2


def _with_workbook_xml(data: bytes, change) -> bytes:
    """The package with xl/workbook.xml passed through ``change(text) -> text``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            body = src.read(name)
            if name == "xl/workbook.xml":
                body = change(body.decode()).encode()
            dst.writestr(name, body)
    return out.getvalue()


def test_update_keeps_namespaces_declared_on_each_sheet_element():
    """openpyxl with lxml (as ARCtrl 3.2 writes) declares ``xmlns:r`` on every ``<sheet>``,
    not on ``<workbook>``; an update must keep a readable, namespace-correct workbook."""
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    def per_sheet(text):
        text = text.replace(f' xmlns:r="{ns}"', "")
        return text.replace("<sheet ", f'<sheet xmlns:r="{ns}" ')

    original = _with_workbook_xml(foreign_workbook(), per_sheet)
    assert (
        f'<sheet xmlns:r="{ns}"'
        in zipfile.ZipFile(io.BytesIO(original)).read("xl/workbook.xml").decode()
    )
    assay = read_assay(original, "a.xlsx")
    assay.tables.add(measure_table().copy_and_rename("Second"))
    updated = write_assay(assay, existing=original, source="a.xlsx")
    ET.fromstring(zipfile.ZipFile(io.BytesIO(updated)).read("xl/workbook.xml"))  # well-formed
    book = openpyxl.load_workbook(io.BytesIO(updated))
    assert book.sheetnames == ["isa_assay", "Measurement", "My plot", "Second"]
    assert read_assay(updated, "a.xlsx") == assay


def test_hidden_sheets_stay_hidden_after_an_update():
    book = openpyxl.load_workbook(io.BytesIO(foreign_workbook()))
    book["My plot"].sheet_state = "hidden"
    book["Measurement"].sheet_state = "veryHidden"
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    assay = read_assay(out.getvalue(), "a.xlsx")
    assay.tables.get("Measurement").remove_row(0)
    updated = openpyxl.load_workbook(io.BytesIO(write_assay(assay, out.getvalue(), "a.xlsx")))
    assert updated["My plot"].sheet_state == "hidden"
    assert updated["Measurement"].sheet_state == "veryHidden"


def test_free_text_columns_of_one_name_may_repeat_as_in_arctrl():
    from voxhub.isa import ArcTable, CompositeCell, CompositeHeader, IOType

    table = ArcTable("T")
    table.add_column(CompositeHeader.input(IOType.source()), [CompositeCell.create_free_text("s")])
    table.add_column(CompositeHeader.free_text("Notes"), [CompositeCell.create_free_text("n1")])
    table.add_column(CompositeHeader.free_text("Notes"), [CompositeCell.create_free_text("n2")])
    back = read_assay(write_assay(assay_with(table)), "x.xlsx").tables.get("T")
    assert [h.label for h in back.headers] == ["Input [Source Name]", "Notes", "Notes"]
    assert [c.cells[0].value for c in back.columns[1:]] == ["n1", "n2"]
    with pytest.raises(Exception, match="duplicate|already"):
        table.add_column(CompositeHeader.comment("c"), [CompositeCell.create_free_text("1")])
        table.add_column(CompositeHeader.comment("c"), [CompositeCell.create_free_text("2")])


def test_new_workbooks_share_strings_and_existing_shared_strings_stay_as_they_are():
    written = write_assay(assay_with(measure_table()))
    fresh = zipfile.ZipFile(io.BytesIO(written))
    sheet = next(n for n in fresh.namelist() if n.startswith("xl/worksheets/sheet"))
    assert b't="s"' in fresh.read(sheet) and b"inlineStr" not in fresh.read(sheet)
    assert "xl/sharedStrings.xml" in fresh.namelist()

    # Sheets an update does not rewrite may refer to the existing shared strings by
    # position: the part is kept byte for byte and rewritten sheets hold inline strings.
    assay = read_assay(written, "a.xlsx")
    assay.tables.add(measure_table().copy_and_rename("Second"))
    updated = write_assay(assay, existing=written, source="a.xlsx")
    after = zipfile.ZipFile(io.BytesIO(updated))
    assert after.read("xl/sharedStrings.xml") == fresh.read("xl/sharedStrings.xml")
    assert b"inlineStr" in b"".join(
        after.read(n) for n in after.namelist() if n.startswith("xl/worksheets/sheet")
    )
    book = openpyxl.load_workbook(io.BytesIO(updated))
    assert book.sheetnames == ["isa_assay", "Measurement", "Second"]
    assert read_assay(updated, "a.xlsx") == assay
