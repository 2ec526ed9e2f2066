"""The one spreadsheet writer: text that would start a formula stays text, sheet names are valid and unique."""

import io

from openpyxl import load_workbook

from heluo.core.spreadsheets import Sheet, sheet_name, table_xlsx, workbook_bytes, xlsx_response

HOSTILE = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_formula_like_text_is_written_as_text():
    wb = load_workbook(io.BytesIO(table_xlsx("t", ["name", "n"], [[v, -5] for v in HOSTILE])))
    ws = wb.active
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == HOSTILE
    assert all(c.data_type == "s" for c in cells)
    assert [row[1].value for row in ws.iter_rows(min_row=2)] == [-5] * len(HOSTILE)  # numbers stay numbers


def test_sheet_names_are_valid_and_unique():
    used = set()
    assert sheet_name("a/b:c", used) == "a b c"
    assert sheet_name("a/b:c", used) == "a b c 2"
    assert len(sheet_name("x" * 40, used)) <= 31


def test_preamble_header_and_widths():
    content = workbook_bytes([Sheet("s", ["甲", "乙"], [[1, 2]], preamble=["标题"], required=[True, False], widths=[20, 10])])
    ws = load_workbook(io.BytesIO(content))["s"]
    assert ws["A1"].value == "标题" and ws["A2"].value == "甲" and ws["A3"].value == 1
    assert ws.freeze_panes == "A3" and ws["A2"].font.color.rgb.endswith("C00000") and ws.column_dimensions["A"].width == 20


def test_download_name_keeps_chinese(db):  # a download is recorded in the audit log
    response = xlsx_response(b"x", "培育库-2024.xlsx")
    assert "filename*=UTF-8''%E5%9F%B9" in response["Content-Disposition"] and response["Content-Disposition"].startswith("attachment")
