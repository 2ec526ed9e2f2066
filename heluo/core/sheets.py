"""Reading an uploaded table (XLSX or CSV) into header + rows, rejecting what cannot be read safely.

openpyxl's read-only mode streams large sheets but hides merged ranges and formulas, so both are found by
scanning the sheet's XML directly; formulas are accepted only where Excel stored a computed value.

Everything is bounded (`Limits`, from the settings): an XLSX's zip directory is checked before anything is
decompressed (total size, compression ratio: a "zip bomb" is refused at once), and rows, cells and cell
lengths are counted while the sheet streams, stopping at the first one over the limit.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .cells import clean_text

MB = 1024 * 1024


class FileRejected(Exception):
    """The file as a whole cannot be imported (not a spreadsheet, no recognisable header …)."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Limits:
    """What one import file may hold; the defaults are the settings' defaults (HELUO_IMPORT_MAX_*)."""

    uncompressed_bytes: int = 200 * MB  # an XLSX's members added up; a CSV's own size
    ratio: int = 100  # uncompressed / compressed, for zip members over RATIO_FLOOR
    rows: int = 200_000
    cells: int = 5_000_000
    cell_chars: int = 32_767  # Excel's own limit for one cell
    members: int = 1_000

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(
            uncompressed_bytes=settings.HELUO_IMPORT_MAX_UNCOMPRESSED_BYTES,
            ratio=settings.HELUO_IMPORT_MAX_RATIO,
            rows=settings.HELUO_IMPORT_MAX_ROWS,
            cells=settings.HELUO_IMPORT_MAX_CELLS,
            cell_chars=settings.HELUO_IMPORT_MAX_CELL_CHARS,
        )


RATIO_FLOOR = 4 * MB  # small members (styles, a few rows) compress very well and prove nothing
# openpyxl reads a sheet that lacks its <dimension> record once in full when the workbook opens (to look for it),
# holding an element per row: tolerated up to this size, refused above it.
UNSIZED_SHEET_MAX = 8 * MB
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")


def _mb(n: int) -> str:
    return f"{n / MB:.1f}".rstrip("0").rstrip(".")


def check_upload_size(size: int | None, max_bytes: int) -> None:
    """An upload over the configured size is refused before it is read (the web form, the import view)."""
    if size is not None and size > max_bytes:
        raise FileRejected(
            f"文件大小 {_mb(size)} MB，超过上传上限 {_mb(max_bytes)} MB，请拆分后分批导入",
            f"the file is {_mb(size)} MB, over the upload limit of {_mb(max_bytes)} MB; split it and import the parts",
        )


def check_zip(zf: zipfile.ZipFile, limits: Limits) -> None:
    """From the zip's central directory only, before anything is decompressed. zipfile itself stops each member at
    its declared size (and fails the CRC beyond it), so the declared sizes are the sizes that will be read."""
    infos = zf.infolist()
    if len(infos) > limits.members:
        raise FileRejected(
            f"工作簿包含 {len(infos)} 个内部文件，超过上限 {limits.members}",
            f"the workbook holds {len(infos)} internal files, over the limit of {limits.members}",
        )
    total = sum(i.file_size for i in infos)
    if total > limits.uncompressed_bytes:
        raise FileRejected(
            f"工作簿解压后为 {_mb(total)} MB，超过上限 {_mb(limits.uncompressed_bytes)} MB，请拆分后分批导入",
            f"the workbook expands to {_mb(total)} MB, over the limit of {_mb(limits.uncompressed_bytes)} MB; split it and import the parts",
        )
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > limits.ratio * max(i.compress_size, 1):
            raise FileRejected(
                f"工作簿中的“{i.filename}”压缩比异常（{i.file_size // max(i.compress_size, 1)} 倍，上限 {limits.ratio} 倍），疑似压缩炸弹，已拒绝",
                f"'{i.filename}' in the workbook is compressed {i.file_size // max(i.compress_size, 1)} times (limit {limits.ratio}): "
                "refused as a possible zip bomb",
            )
    for i in infos:
        if _WORKSHEET.fullmatch(i.filename) and i.file_size > UNSIZED_SHEET_MAX:
            with zf.open(i) as fh:
                head = fh.read(64 * 1024)  # the sheet's opening elements: the dimension comes before the data
            dimension, data = _DIMENSION.search(head), _SHEET_DATA.search(head)
            if dimension is None or (data is not None and data.start() < dimension.start()):
                raise FileRejected(
                    f"工作表“{i.filename}”缺少尺寸记录（dimension），请在 Excel 或 WPS 中打开并另存后再导入",
                    f"sheet '{i.filename}' has no dimension record; open and save it in Excel or WPS, then import it",
                )


class _Budget:
    """Rows, cells and cell lengths, counted as the rows stream in: the first one over the limit stops the reading."""

    def __init__(self, limits: Limits, sheet: str):
        self.limits, self.sheet, self.cells = limits, sheet, 0

    def row(self, row_no: int, values) -> None:
        limits = self.limits
        if row_no > limits.rows:
            raise FileRejected(
                f"工作表“{self.sheet}”超过 {limits.rows} 行的上限，请拆分后分批导入",
                f"sheet '{self.sheet}' has more than {limits.rows} rows, the limit; split it and import the parts",
            )
        self.cells += len(values)
        if self.cells > limits.cells:
            raise FileRejected(
                f"工作表“{self.sheet}”超过 {limits.cells} 个单元格的上限（至第 {row_no} 行），请拆分后分批导入",
                f"sheet '{self.sheet}' has more than {limits.cells} cells, the limit (at row {row_no}); split it and import the parts",
            )
        for index, v in enumerate(values):
            if isinstance(v, str) and len(v) > limits.cell_chars:
                ref = f"{column_letter(index)}{row_no}"
                raise FileRejected(
                    f"工作表“{self.sheet}”单元格 {ref} 有 {len(v)} 个字符，超过上限 {limits.cell_chars}",
                    f"cell {ref} of sheet '{self.sheet}' holds {len(v)} characters, over the limit of {limits.cell_chars}",
                )


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


def read_table(path: str | Path, header_candidates: set[str], max_header_scan: int = 10, limits: Limits | None = None) -> Table:
    """Read the first sheet whose header row matches at least one known column name."""
    path = Path(path)
    limits = limits or Limits.from_settings()
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK"):
        return _read_xlsx(path, header_candidates, max_header_scan, limits)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(
            "这是旧版 Excel（.xls）文件，请另存为 .xlsx 后再导入", "this is a legacy Excel (.xls) file; save it as .xlsx and import again"
        )
    return _read_csv(path, header_candidates, max_header_scan, limits)


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


def _read_xlsx(path, header_candidates, max_scan, limits: Limits) -> Table:
    import openpyxl

    invalid = ("文件不是有效的 Excel（.xlsx）工作簿", "the file is not a valid Excel (.xlsx) workbook")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected(invalid[0], f"{invalid[1]} ({exc.__class__.__name__})") from None
    try:
        check_zip(zf, limits)  # before openpyxl decompresses anything
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        zf.close()
        raise FileRejected(invalid[0], f"{invalid[1]} ({exc.__class__.__name__})") from None
    except FileRejected:
        zf.close()
        raise
    try:
        for index, ws in enumerate(wb.worksheets):
            # the rows as they are, not as the dimension record claims: it neither pads every row to a claimed width
            # (up to 16,384 columns) nor cuts the rows beyond a claimed last row
            ws.reset_dimensions()
            rows = []
            budget = _Budget(limits, ws.title)
            for row_no, values in enumerate(ws.iter_rows(values_only=True), start=1):
                budget.row(row_no, values)
                values = _trim(list(values))
                if values:
                    rows.append((row_no, values))
            found = _find_header(rows, header_candidates, max_scan)
            if not found:
                continue
            _, i, header_row, headers = found
            xml_path = _sheet_xml_path(zf, index)
            merged, formulas = _scan_sheet_xml(zf, xml_path) if xml_path else ([], {})
            if merged:
                raise FileRejected(
                    f"工作表“{ws.title}”含有合并单元格（{'、'.join(merged[:10])}{'…' if len(merged) > 10 else ''}），请取消合并并在每个单元格填入数值",
                    f"sheet '{ws.title}' has merged cells ({', '.join(merged[:10])}); unmerge them and fill every cell",
                )
            return Table(ws.title, header_row, headers, [r for r in rows[i + 1 :]], formula_cells=formulas)
    finally:
        wb.close()
        zf.close()
    raise FileRejected(
        "找不到表头：第一行应为模板中的列名（可下载模板对照）",
        "no header row found: the first row must hold the template's column names (download the template)",
    )


def _scan_sheet_xml(zf: zipfile.ZipFile, xml_path: str, chunk_size: int = MB) -> tuple[list[str], dict[str, str]]:
    """Merged ranges and formula cells, from the sheet's XML read in chunks (never the whole sheet in memory).
    Each chunk is cut after its last complete cell, so that no cell is split between two chunks."""
    merged, formulas = [], {}
    tail = b""
    with zf.open(xml_path) as fh:
        while True:
            chunk = fh.read(chunk_size)
            buf = tail + chunk
            if chunk:
                cut = buf.rfind(b"</c>")
                cut = cut + 4 if cut >= 0 else (buf.rfind(b">") + 1 if len(buf) > chunk_size else 0)
                buf, tail = buf[:cut], buf[cut:]
            merged += [m.decode() for m in _MERGE.findall(buf)]
            for ref, body in _FORMULA_CELL.findall(buf):
                formulas[ref.decode()] = (body or b"").decode(errors="replace")
            if not chunk:
                return merged, formulas


def _read_csv(path, header_candidates, max_scan, limits: Limits) -> Table:
    size = Path(path).stat().st_size
    if size > limits.uncompressed_bytes:
        raise FileRejected(
            f"CSV 文件为 {_mb(size)} MB，超过上限 {_mb(limits.uncompressed_bytes)} MB，请拆分后分批导入",
            f"the CSV file is {_mb(size)} MB, over the limit of {_mb(limits.uncompressed_bytes)} MB; split it and import the parts",
        )
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
    budget = _Budget(limits, "CSV")
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for row_no, values in enumerate(reader, start=1):
            budget.row(row_no, values)
            values = _trim(values)
            if values:
                rows.append((row_no, values))
    except csv.Error as exc:  # e.g. a field over the csv module's own limit
        raise FileRejected(
            f"CSV 文件第 {reader.line_num} 行无法读取", f"line {reader.line_num} of the CSV file cannot be read ({exc})"
        ) from None
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
