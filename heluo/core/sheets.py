"""Reading an uploaded table (XLSX or CSV) into header + rows, rejecting what cannot be read safely.

openpyxl's read-only mode streams large sheets but hides merged ranges and formulas, so both are found by
scanning the sheet's XML directly; formulas are accepted only where Excel stored a computed value.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .cells import clean_text


class FileRejected(Exception):
    """The file as a whole cannot be imported (not a spreadsheet, no recognisable header …)."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass
class Table:
    sheet: str
    header_row: int  # 1-based row number of the header
    headers: list[str]
    rows: list[tuple[int, list]]  # (1-based row number, cell values)
    formula_cells: dict[str, str] = field(default_factory=dict)  # "C5" -> formula, cached value used
    warnings: list[dict] = field(default_factory=list)


_MERGE = re.compile(rb'<mergeCell[^>]*ref="([A-Z]+\d+:[A-Z]+\d+)"')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*>\s*<f[^>]*?(?:/>|>(.*?)</f>)', re.S)


def _sheet_xml_path(zf: zipfile.ZipFile, index: int) -> str | None:
    names = sorted(n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    names.sort(key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)))
    return names[index] if index < len(names) else None


def read_table(path: str | Path, header_candidates: set[str], max_header_scan: int = 10) -> Table:
    """Read the first sheet whose header row matches at least one known column name."""
    path = Path(path)
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK"):
        return _read_xlsx(path, header_candidates, max_header_scan)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(
            "这是旧版 Excel（.xls）文件，请另存为 .xlsx 后再导入", "this is a legacy Excel (.xls) file; save it as .xlsx and import again"
        )
    return _read_csv(path, header_candidates, max_header_scan)


def normalise_header(value) -> str:
    return re.sub(r"\s+", "", clean_text(value)).lstrip("*＊").rstrip("*＊")


def _find_header(rows, header_candidates, max_scan):
    """Bureau sheets often start with a title row; the header is the first row that names known columns."""
    best = None
    for i, (row_no, values) in enumerate(rows[:max_scan]):
        names = [normalise_header(v) for v in values]
        hits = sum(1 for n in names if n and header_base(n) in header_candidates)
        if hits and (best is None or hits > best[0]):
            best = (hits, i, row_no, names)
    return best


def header_base(header: str) -> str:
    """Header without its unit suffix: 营业收入（万元） -> 营业收入."""
    return re.sub(r"[（(][^）)]*[）)]$", "", header).lower().replace(" ", "")


def _trim(values):
    while values and (values[-1] is None or (isinstance(values[-1], str) and not values[-1].strip())):
        values = values[:-1]
    return list(values)


def _read_xlsx(path, header_candidates, max_scan) -> Table:
    import openpyxl

    try:
        zf = zipfile.ZipFile(path)
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRejected(
            "文件不是有效的 Excel（.xlsx）工作簿", f"the file is not a valid Excel (.xlsx) workbook ({exc.__class__.__name__})"
        ) from None
    try:
        for index, ws in enumerate(wb.worksheets):
            rows = []
            for row_no, values in enumerate(ws.iter_rows(values_only=True), start=1):
                values = _trim(list(values))
                if values:
                    rows.append((row_no, values))
            found = _find_header(rows, header_candidates, max_scan)
            if not found:
                continue
            _, i, header_row, headers = found
            xml_path = _sheet_xml_path(zf, index)
            xml = zf.read(xml_path) if xml_path else b""
            merged = [m.decode() for m in _MERGE.findall(xml)]
            if merged:
                raise FileRejected(
                    f"工作表“{ws.title}”含有合并单元格（{'、'.join(merged[:10])}{'…' if len(merged) > 10 else ''}），请取消合并并在每个单元格填入数值",
                    f"sheet '{ws.title}' has merged cells ({', '.join(merged[:10])}); unmerge them and fill every cell",
                )
            formulas = {ref.decode(): (body or b"").decode(errors="replace") for ref, body in _FORMULA_CELL.findall(xml)}
            return Table(ws.title, header_row, headers, [r for r in rows[i + 1 :]], formula_cells=formulas)
    finally:
        wb.close()
        zf.close()
    raise FileRejected(
        "找不到表头：第一行应为模板中的列名（可下载模板对照）",
        "no header row found: the first row must hold the template's column names (download the template)",
    )


def _read_csv(path, header_candidates, max_scan) -> Table:
    raw = Path(path).read_bytes()
    if b"\x00" in raw[:4096]:
        raise FileRejected("文件不是电子表格（既不是 .xlsx 也不是 CSV 文本）", "the file is not a spreadsheet (neither .xlsx nor CSV text)")
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRejected("无法识别 CSV 文件的字符编码（请用 UTF-8 或 GBK）", "cannot decode the CSV file (use UTF-8 or GBK)")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for row_no, values in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        values = _trim(values)
        if values:
            rows.append((row_no, values))
    found = _find_header(rows, header_candidates, max_scan)
    if not found:
        raise FileRejected(
            "找不到表头：第一行应为模板中的列名（可下载模板对照）",
            "no header row found: the first row must hold the template's column names (download the template)",
        )
    _, i, header_row, headers = found
    return Table("CSV", header_row, headers, rows[i + 1 :])


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
