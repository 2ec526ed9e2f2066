"""Reading an uploaded table (XLSX or CSV) into header + rows, rejecting what cannot be read safely.

python-calamine reads the cells (in Rust, several times faster than openpyxl); merged ranges and formulas, which it
does not show, are found by scanning the sheet's XML directly; formulas are accepted only where Excel stored a
computed value.

Everything is bounded (`Limits`, from the settings): an XLSX's zip directory is checked before anything is
decompressed (total size, compression ratio: a "zip bomb" is refused at once), and rows, cells and cell
lengths are counted while the sheet's XML streams, stopping at the first one over the limit before the sheet is loaded.
"""

from __future__ import annotations

import csv
import functools
import io
import posixpath
import re
import string
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

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
# openpyxl read a sheet that lacks its <dimension> record once in full when the workbook opened (to look for it),
# holding an element per row: tolerated up to this size, refused above it. Still refused (such files came only from
# odd writers), so that what an import accepts did not change with the reader.
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
        self.count(row_no, len(values))
        self.text(row_no, values)

    def count(self, row_no: int, width: int) -> None:
        limits = self.limits
        if row_no > limits.rows:
            raise FileRejected(
                f"工作表“{self.sheet}”超过 {limits.rows} 行的上限，请拆分后分批导入",
                f"sheet '{self.sheet}' has more than {limits.rows} rows, the limit; split it and import the parts",
            )
        self.cells += width
        if self.cells > limits.cells:
            self.too_many_cells(row_no)

    def grid(self, rows: int, width: int) -> None:
        """The cells of a rectangle `rows` × `width`, as the reader holds them: the limit is passed at the row where
        that rectangle first holds more cells than it allows (if that comes before the row limit)."""
        limits = self.limits
        over_at = limits.cells // width + 1 if width else rows + 1
        if rows >= over_at and over_at <= limits.rows:
            self.too_many_cells(over_at)
        if rows > limits.rows:
            self.count(rows, 0)

    def too_many_cells(self, row_no: int):
        raise FileRejected(
            f"工作表“{self.sheet}”超过 {self.limits.cells} 个单元格的上限（至第 {row_no} 行），请拆分后分批导入",
            f"sheet '{self.sheet}' has more than {self.limits.cells} cells, the limit (at row {row_no}); split it and import the parts",
        )

    def text(self, row_no: int, values) -> None:
        for index, v in enumerate(values):
            if isinstance(v, str) and len(v) > self.limits.cell_chars:
                ref = f"{column_letter(index)}{row_no}"
                raise FileRejected(
                    f"工作表“{self.sheet}”单元格 {ref} 有 {len(v)} 个字符，超过上限 {self.limits.cell_chars}",
                    f"cell {ref} of sheet '{self.sheet}' holds {len(v)} characters, over the limit of {self.limits.cell_chars}",
                )


@dataclass
class Table:
    sheet: str
    header_row: int  # 1-based row number of the header
    headers: list[str]
    rows: list[tuple[int, list]]  # (1-based row number, cell values); an empty cell is None or ""
    formula_cells: dict[str, str] = field(default_factory=dict)  # "C5" -> formula, cached value used
    warnings: list[dict] = field(default_factory=list)


_MERGE = re.compile(rb'<mergeCell[^>]*ref="([A-Z]+\d+:[A-Z]+\d+)"')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*>\s*<f[^>]*?(?:/>|>(.*?)</f>)', re.S)
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _workbook_parts(zf: zipfile.ZipFile) -> tuple[list[tuple[str, str]], str | None]:
    """((name, part) of each worksheet in workbook order, the shared strings part), as the workbook names them:
    the limits are measured on the very part the reader then loads."""
    workbook = next(
        (r.get("Target") for r in ET.fromstring(zf.read("_rels/.rels")) if r.get("Type", "").endswith("/officeDocument")),
        "xl/workbook.xml",
    ).lstrip("/")
    folder, name = posixpath.split(workbook)
    rels = {}
    for r in ET.fromstring(zf.read(posixpath.join(folder, "_rels", name + ".rels"))):
        target = r.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        rels[r.get("Id")] = (r.get("Type", "").rsplit("/", 1)[-1], target)
    sheets = []
    for el in ET.fromstring(zf.read(workbook)).iter():
        if el.tag.rsplit("}", 1)[-1] == "sheet":
            kind, target = rels.get(el.get(f"{{{_RELATIONSHIPS}}}id"), ("", ""))
            if kind == "worksheet":
                sheets.append((el.get("name"), target))
    shared = next((target for kind, target in rels.values() if kind == "sharedStrings"), None)
    return sheets, shared


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


def _blank(values) -> bool:
    """No value at all (a row of empty or whitespace cells): the first non-empty cell usually answers."""
    first = next(filter(None, values), None)
    if first is None:
        return not any(v is not None and v != "" for v in values)  # 0 and False are values
    return isinstance(first, str) and not first.strip() and not any(not isinstance(v, str) or v.strip() for v in values if v)


def _excel(exc: Exception) -> FileRejected:
    return FileRejected("文件不是有效的 Excel（.xlsx）工作簿", f"the file is not a valid Excel (.xlsx) workbook ({exc.__class__.__name__})")


def _read_xlsx(path, header_candidates, max_scan, limits: Limits) -> Table:
    """python-calamine reads the cells; what it does not show (merged ranges, formulas) and what bounds the reading
    (rows, cells, cell lengths) come from one streaming pass over the sheet's XML before calamine loads it."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _excel(exc) from None
    with zf:
        try:
            check_zip(zf, limits)  # before anything is decompressed
            sheets, shared = _workbook_parts(zf)
            long_strings = shared is not None and shared in zf.NameToInfo and _longest_element(zf, shared, b"</si>") > limits.cell_chars
            wb = CalamineWorkbook.from_path(str(path))
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, ET.ParseError, CalamineError) as exc:
            raise _excel(exc) from None
        with wb:
            for name, part in sheets:
                budget = _Budget(limits, name)
                try:
                    meter = _SheetMeter(budget)
                    merged, formulas = _scan_sheet_xml(zf, part, meter=meter)
                    grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                except (zipfile.BadZipFile, KeyError, OSError, ValueError, CalamineError) as exc:
                    raise _excel(exc) from None
                for ref, value in meter.errors.items():  # as openpyxl read them: the error's text
                    column, row_no = _split_ref(ref)
                    grid.extend([] for _ in range(row_no - len(grid)))  # calamine's grid ends at its last value
                    row = grid[row_no - 1]
                    row.extend("" for _ in range(column - len(row)))
                    row[column - 1] = value
                for row_no in range(1, len(grid) + 1) if long_strings else meter.long_rows:
                    if row_no <= len(grid):
                        budget.text(row_no, grid[row_no - 1])
                rows = [
                    (row_no, values)
                    for row_no, values in enumerate(grid, start=1)
                    if ((first := next(filter(None, values), None)) is not None and not (isinstance(first, str) and first.isspace()))
                    or not _blank(values)
                ]
                found = _find_header(rows, header_candidates, max_scan)
                if not found:
                    continue
                _, i, header_row, headers = found
                if merged:
                    raise FileRejected(
                        f"工作表“{name}”含有合并单元格（{'、'.join(merged[:10])}{'…' if len(merged) > 10 else ''}），请取消合并并在每个单元格填入数值",
                        f"sheet '{name}' has merged cells ({', '.join(merged[:10])}); unmerge them and fill every cell",
                    )
                return Table(name, header_row, headers[: len(_trim(rows[i][1]))], rows[i + 1 :], formula_cells=formulas)
    raise FileRejected(
        "找不到表头：第一行应为模板中的列名（可下载模板对照）",
        "no header row found: the first row must hold the template's column names (download the template)",
    )


class _SheetMeter:
    """The rectangle calamine will hold for a sheet (its last row × its widest column, over every cell reference),
    measured while the XML streams, so that the limits refuse a sheet before it is loaded. Cheap where the XML is
    regular (rows in order, a cell's reference its first attribute): one search per chunk for a reference beyond
    what is known so far; a chunk that is not regular, or holds such a reference, is read tag by tag. Rows longer
    (in bytes) than a cell may be (in characters) are noted: their text is checked once the sheet is read."""

    def __init__(self, budget: _Budget):
        self.budget = budget
        self.rows = self.width = self.row = self.col = 0
        self.long_rows: list[int] = []
        self.errors: dict[str, str] = {}  # "C5" -> "#DIV/0!": calamine reads an error cell as empty
        self.prefix: bytes | None = None

    def _tags(self, buf: bytes) -> None:
        found = re.search(rb"<(\w+:)?worksheet\b", buf)
        prefix = (found.group(1) or b"") if found else b""
        self.prefix, p = prefix, re.escape(prefix)
        self.row_end, self.row_open, self.cell_open = b"</" + prefix + b"row>", b"<" + prefix + b"row", b"<" + prefix + b"c"
        self.row_r, self.cell_r = self.row_open + b' r="', self.cell_open + b' r="'
        self.tag = re.compile(rb"<" + p + rb"(row|c)\b([^>]*)>")
        self.letters = re.compile(re.escape(self.cell_r) + rb"([A-Z]{1,3})")

    def feed(self, buf: bytes) -> None:
        if self.prefix is None:
            self._tags(buf)
        pieces = buf.split(self.row_end)
        if max(map(len, pieces)) > self.budget.limits.cell_chars:
            self._long(pieces)
        if b't="e"' in buf:
            self.errors.update((ref.decode(), value.decode(errors="replace")) for ref, value in _ERROR_CELL.findall(buf))
        at = buf.rfind(self.row_r)
        last = _ROW_NUMBER.match(buf, at + len(self.row_r) - 3) if at >= 0 else None
        # regular: every tag that opens with "<c" is a cell whose reference comes first (<cols>, <cfRule> … are not)
        if last is not None and buf.count(self.cell_open) == buf.count(self.cell_r):
            rows = max(self.rows, int(last.group(1)))
            width = self.width or max(map(_column_number, self.letters.findall(buf)), default=0)
            if not _beyond(self.prefix, rows, width).search(buf):
                self.rows, self.width, self.row = rows, width, int(last.group(1))
                self.budget.grid(self.rows, self.width)
                return
        self._read_tags(buf)
        self.budget.grid(self.rows, self.width)

    def _read_tags(self, buf: bytes) -> None:
        """Every row and cell, as a reader places them: by their reference, or after the one before."""
        for name, attrs in self.tag.findall(buf):
            if name == b"row":
                r = _ROW_NUMBER.search(attrs)
                self.row, self.col = (int(r.group(1)) if r else self.row + 1), 0
                self.rows = max(self.rows, self.row)
                continue
            r = _CELL_REF.search(attrs)
            if r:
                self.col = _column_number(r.group(1))
                self.rows = max(self.rows, int(r.group(2)))
            else:
                self.col += 1
            self.width = max(self.width, self.col)

    def _long(self, pieces: list[bytes]) -> None:
        for piece in pieces:
            if len(piece) > self.budget.limits.cell_chars:
                at = piece.rfind(self.row_open)
                r = _ROW_NUMBER.search(piece, at) if at >= 0 else None
                self.long_rows.append(int(r.group(1)) if r else self.row + 1)


_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+\d+)"[^>]*?\bt="e"[^>]*>(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?v>([^<]*)<', re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')


def _split_ref(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789")
    return _column_number(letters.encode()), int(ref[len(letters) :])


@functools.cache
def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _greater(n: str, digits: str) -> str:
    """A pattern for the numerals in `digits` (no leading zero) that are greater than the numeral n."""
    low, high = digits[0], digits[-1]
    alternatives = [f"[{digits[1] if low == '0' else low}-{high}][{low}-{high}]{{{len(n)},}}"]  # more characters
    for i, ch in enumerate(n):
        if ch != high:
            rest = f"[{low}-{high}]{{{len(n) - i - 1}}}"
            alternatives.append(f"{n[:i]}[{digits[digits.index(ch) + 1]}-{high}]{rest}")
    return "|".join(alternatives)


@functools.lru_cache(maxsize=64)
def _beyond(prefix: bytes, rows: int, width: int) -> re.Pattern:
    """A cell reference beyond `rows` rows or `width` columns (led by a literal, which the engine finds fast). Row
    tags are not looked at: calamine places cells by their own reference."""
    letters = ""
    while width:
        width, rest = divmod(width - 1, 26)
        letters = chr(65 + rest) + letters
    p = re.escape(prefix).decode()
    column = _greater(letters, string.ascii_uppercase) if letters else "[A-Z]+"
    row = _greater(str(rows), string.digits)
    return re.compile(f'<{p}c r="(?:(?:{column})[0-9]|[A-Z]+(?:{row})")'.encode())


def _longest_element(zf: zipfile.ZipFile, part: str, end_tag: bytes, chunk_size: int = MB) -> int:
    """Bytes of the longest element of a part (a shared string: its text cannot have more characters than that)."""
    longest, tail = 0, b""
    with zf.open(part) as fh:
        while chunk := fh.read(chunk_size):
            pieces = (tail + chunk).split(end_tag)
            tail = pieces.pop()
            longest = max(longest, len(tail), *map(len, pieces))
    return longest


def _scan_sheet_xml(
    zf: zipfile.ZipFile, xml_path: str, chunk_size: int = MB, meter: _SheetMeter | None = None
) -> tuple[list[str], dict[str, str]]:
    """Merged ranges and formula cells, from the sheet's XML read in chunks (never the whole sheet in memory); with a
    meter, the rows and cells are counted in the same pass. Each chunk is cut after its last complete cell, so that
    no cell is split between two chunks."""
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
            if b"<mergeCell" in buf:
                merged += [m.decode() for m in _MERGE.findall(buf)]
            if b"<f" in buf:
                for ref, body in _FORMULA_CELL.findall(buf):
                    formulas[ref.decode()] = (body or b"").decode(errors="replace")
            if meter is not None:
                meter.feed(buf)
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
