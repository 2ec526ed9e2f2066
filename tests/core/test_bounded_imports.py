"""Bounded imports: a zip bomb is refused from the zip directory before anything is decompressed; rows, cells and
cell lengths are counted while the sheet streams and the reading stops at the first one over its limit. Memory is
measured (tracemalloc), never time."""

import io
import tracemalloc
import zipfile

import openpyxl
import pytest

from heluo.core.imports import run_import
from heluo.core.models import ImportJob
from heluo.core.permissions import SYSTEM
from heluo.core.sheets import MB, FileRejected, Limits, _scan_sheet_xml, read_table
from heluo.orgs.models import Organization

HEADERS = {"name", "机构名称", "uscc"}
SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
SHEET_TAIL = b"</sheetData></worksheet>"


def streamed_xlsx(path, rows, *, level=1, dimension=b'<dimension ref="A1"/>'):
    """A real workbook (openpyxl's parts) whose first sheet is written row by row from `rows` (XML bytes), so that
    a sheet of hundreds of MB costs the test only the time to compress it, never the memory to hold it."""
    wb = openpyxl.Workbook()
    wb.active.append(["name"])
    skeleton = io.BytesIO()
    wb.save(skeleton)
    with zipfile.ZipFile(skeleton) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zf.writestr(info.filename, src.read(info.filename))
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD + dimension + b"<sheetData>")
            for chunk in rows:
                sheet.write(chunk)
            sheet.write(SHEET_TAIL)
    return path


def inline_row(n, text):
    return f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{text}</t></is></c></row>'.encode()


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """≈ 220 MB of sheet XML (the same row again and again, as a bomb is made) compressed to under 1 MB."""
    block = b'<row><c t="inlineStr"><is><t>' + b"x" * 1000 + b"</t></is></c></row>"
    block *= 1000
    return streamed_xlsx(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", (block for _ in range(210)), level=6)


def peak_memory(fn):
    """(result or exception, peak bytes allocated by Python while fn ran)."""
    tracemalloc.start()
    try:
        outcome = fn()
    except FileRejected as exc:
        outcome = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return outcome, peak


def test_zip_bomb_is_refused_from_the_zip_directory_in_bounded_memory(bomb):
    assert bomb.stat().st_size < 1 * MB
    with zipfile.ZipFile(bomb) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 200 * MB
    outcome, peak = peak_memory(lambda: read_table(bomb, HEADERS, limits=Limits()))
    assert isinstance(outcome, FileRejected)
    assert "解压后" in outcome.zh and "expands to" in outcome.en and "200 MB" in outcome.en
    assert peak < 2 * MB  # only the zip's directory was read


def test_zip_bomb_is_refused_by_its_ratio_under_a_generous_size_limit(bomb):
    outcome, peak = peak_memory(lambda: read_table(bomb, HEADERS, limits=Limits(uncompressed_bytes=1024 * MB)))
    assert isinstance(outcome, FileRejected)
    assert "压缩炸弹" in outcome.zh and "zip bomb" in outcome.en and "sheet1.xml" in outcome.en
    assert peak < 2 * MB


def test_rows_are_counted_while_streaming_and_reading_stops_at_the_limit(tmp_path):
    # a million rows (≈ 70 MB of XML); with the size checks out of the way only the row limit can stop it
    path = streamed_xlsx(
        tmp_path / "long.xlsx",
        (b"".join(inline_row(n, "企业") for n in range(start, start + 10_000)) for start in range(2, 1_000_002, 10_000)),
    )
    limits = Limits(uncompressed_bytes=1024 * MB, ratio=10**6, rows=1_000)
    outcome, peak = peak_memory(lambda: read_table(path, HEADERS, limits=limits))
    assert isinstance(outcome, FileRejected)
    assert "超过 1000 行" in outcome.zh and "more than 1000 rows" in outcome.en
    assert peak < 8 * MB  # a thousand rows were held, not a million


def test_a_large_sheet_without_its_dimension_record_is_refused_before_openpyxl_reads_it(tmp_path):
    # openpyxl would parse such a sheet in full when the workbook opens, keeping an element per row
    rows = (b"".join(inline_row(n, "企业") for n in range(start, start + 10_000)) for start in range(2, 200_002, 10_000))
    path = streamed_xlsx(tmp_path / "unsized.xlsx", rows, dimension=b"")
    outcome, peak = peak_memory(lambda: read_table(path, HEADERS, limits=Limits(ratio=10**6)))
    assert isinstance(outcome, FileRejected) and "dimension" in outcome.en
    assert peak < 2 * MB


def test_too_many_cells_and_too_long_a_cell(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "uscc", "note"])
    for n in range(50):
        ws.append([f"企业{n}", "x", "y"])
    ws.append(["长", "x", "字" * 500])
    wb.save(tmp_path / "wide.xlsx")
    with pytest.raises(FileRejected, match="more than 100 cells"):
        read_table(tmp_path / "wide.xlsx", HEADERS, limits=Limits(cells=100))
    with pytest.raises(FileRejected) as exc:
        read_table(tmp_path / "wide.xlsx", HEADERS, limits=Limits(cell_chars=200))
    assert "C52" in exc.value.zh and "500 characters" in exc.value.en
    assert read_table(tmp_path / "wide.xlsx", HEADERS, limits=Limits()).headers == ["name", "uscc", "note"]


def test_csv_is_bounded_too(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("name,uscc\n" + "".join(f"企业{n},x\n" for n in range(100)), encoding="utf-8")
    with pytest.raises(FileRejected, match="more than 50 rows"):
        read_table(path, HEADERS, limits=Limits(rows=50))
    with pytest.raises(FileRejected, match="CSV file is"):
        read_table(path, HEADERS, limits=Limits(uncompressed_bytes=100))
    path.write_text("name,uscc\n企业," + "x" * 200_000 + "\n", encoding="utf-8")  # over the csv module's own field limit
    with pytest.raises(FileRejected):
        read_table(path, HEADERS, limits=Limits())


def test_formula_and_merge_scan_reads_in_chunks_without_splitting_a_cell(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "uscc", "n"])
    for n in range(2, 200):
        ws.append([f"企业{n}", "x", f"={n}+1"])
    ws.merge_cells("A200:B200")
    wb.save(tmp_path / "f.xlsx")
    with zipfile.ZipFile(tmp_path / "f.xlsx") as zf:
        whole = _scan_sheet_xml(zf, "xl/worksheets/sheet1.xml", chunk_size=100 * MB)
        for size in (200, 333, 1024):
            assert _scan_sheet_xml(zf, "xl/worksheets/sheet1.xml", chunk_size=size) == whole
    merged, formulas = whole
    assert merged == ["A200:B200"] and len(formulas) == 198 and formulas["C2"] == "2+1"


def test_an_import_over_a_limit_is_refused_with_the_reason_and_writes_nothing(world, tmp_path, settings):
    settings.HELUO_IMPORT_MAX_ROWS = 3
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["机构名称", "统一社会信用代码", "所在区划"])
    for n in range(5):
        ws.append([f"限额企业{n}", "", "涧西区"])
    wb.save(tmp_path / "orgs.xlsx")
    before = Organization.objects.count()
    result = run_import("organizations", tmp_path / "orgs.xlsx", SYSTEM)
    assert not result.ok and Organization.objects.count() == before
    assert "超过 3 行的上限" in result.errors[0]["message_zh"] and "more than 3 rows" in result.errors[0]["message_en"]
    assert not ImportJob.objects.exists()
