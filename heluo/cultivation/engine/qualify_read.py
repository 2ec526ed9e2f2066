"""Reading and checking a ``heluo qualify`` input file in Polars, whole columns at a time.

The rules are those of ``qualify.parse_cell`` and ``codes.check_uscc``, with the same errors (row, column and
bilingual reason) in the same order. Polars settles only the cells it can settle exactly: plain ASCII that
Polars reads as a number (it accepts a subset of what Python's ``float`` does, giving the same value), a
canonical date, true/false, a credit code that passes every test of ``check_uscc`` — and that passes its
column's checks. Every other cell (an empty year, thousands separators, full-width digits, 是/否, anything
wrong) goes through ``parse_cell`` / ``check_uscc`` themselves, once per distinct text, so that each error
reads as it always did.

A file without quote characters is split by Polars, a line being a record (as for Python's csv module then).
A file with quotes, NUL bytes or lone carriage returns is split by the csv module, in chunks: slower, but the
same records by construction.
"""

from __future__ import annotations

import codecs
import csv
import unicodedata
from pathlib import Path

import polars as pl

from heluo.core.cells import RowError
from heluo.core.codes import check_uscc
from heluo.core.codes_frame import uscc_valid
from heluo.cultivation.engine.qualify import CellError, input_specs, parse_cell, polars_type
from heluo.cultivation.engine.rules import STANDARD_INPUTS, InputSpec, RuleSet

WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())  # str.strip()'s: none lies above U+3000
ASCII_WHITESPACE = "".join(c for c in WHITESPACE if c.isascii())  # with \x1c–\x1f, which Rust's strip keeps
_LINE = "\x1f"  # a separator that splits no line: a file holding it takes the csv module's path
_CHUNK = 100_000  # records per chunk on the csv module's path
_LINES = dict(has_header=False, skip_rows=1, quote_char=None, empty_string_is_null=False)  # records after the header
_NOT_UTF8 = ("文件不是 UTF-8 编码（请在 Excel 中另存为“CSV UTF-8”）", "the file is not UTF-8 (save it as 'CSV UTF-8' from Excel)")


def read_frame(path: str | Path, rs: RuleSet) -> tuple[pl.DataFrame | None, list[RowError], list[str]]:
    """(typed frame, errors, warnings). The frame holds the known columns in file order, one row per non-blank
    record, typed as ``qualify.to_frame`` types them; it is None when there is any error."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None, [RowError(0, "", f"找不到文件 {path}", f"file not found: {path}")], []
    lines = None
    try:
        if not any(b in data for b in (b'"', b"\x00", _LINE.encode())):
            header = _header(data)
            lines = None if header is _CSV_MODULE else _lines(data, header)
        if lines is None:
            header, cells, irregular = _split_csv(path)
    except UnicodeDecodeError:
        return None, [RowError(0, "", *_NOT_UTF8)], []
    except csv.Error as exc:
        return None, [RowError(0, "", f"CSV 格式错误：{exc}", f"malformed CSV: {exc}")], []
    if not header:
        return None, [RowError(1, "", "文件为空或没有表头", "the file is empty or has no header")], []
    header = [unicodedata.normalize("NFKC", h).strip() for h in header]
    specs = input_specs(rs)
    errors = [RowError(1, c, "缺少必需的列", "required column is missing") for c in STANDARD_INPUTS if c not in header]
    errors += [RowError(1, c, "列名重复", "duplicate column name") for c in sorted({h for h in header if header.count(h) > 1})]
    warnings = [f"忽略未知列 / ignoring unknown column: {h}" for h in header if h and h not in specs]
    if errors:
        return None, errors, warnings
    fast = lines is not None
    if fast:
        cells, irregular = _split_lines(data, lines, len(header))
        fast = cells is not None
        if not fast:
            _, cells, irregular = _split_csv(path)
    used = {h: specs[h] for h in header if h in specs}
    cells = cells.select("_row", *[pl.col(f"c{i}").alias(h) for i, h in enumerate(header) if h in specs])
    spaced = not fast or any(c.encode() in data for c in ASCII_WHITESPACE if c not in "\r\n")
    typed, found = _check(cells, used, ascii_only=fast and data.isascii(), spaced=spaced)
    n = len(header)
    found += [(k, -1, RowError(k, "", f"字段数（{m}）与表头（{n}）不一致", f"{m} fields but the header has {n}")) for k, m in irregular]
    if found:
        found.sort(key=lambda e: e[:2])  # by row; within a row, in the order the checks always ran
        return None, [e for _, _, e in found], warnings
    return typed.select(pl.col(h).cast(polars_type(spec)) for h, spec in used.items()), [], warnings


# ---------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------
_CSV_MODULE = []  # _header's answer when a carriage return alone ends a record: only the csv module reads that


def _header(data: bytes) -> list[str] | None:
    if not data.isascii():  # the whole file, as the csv module decoded it all before anything else
        decoder = codecs.getincrementaldecoder("utf-8")()
        step = 1 << 24
        for start in range(0, len(data), step):
            decoder.decode(data[start : start + step], final=start + step >= len(data))
    text = data.removeprefix(codecs.BOM_UTF8)
    if not text:
        return None
    end = text.find(b"\n")
    first = text[: end if end >= 0 else len(text)].removesuffix(b"\r").decode()
    if "\r" in first:
        return _CSV_MODULE
    return first.split(",") if first else []


def _lines(data: bytes, header) -> pl.Series | None:
    """The lines after the header, or None where the csv module would not take a line for a record: a carriage
    return that does not end the line, a line longer than its field size limit (it reports that)."""
    if not header:
        return pl.Series("line", [], dtype=pl.String)
    lines = pl.read_csv(data, separator=_LINE, schema={"line": pl.String}, **_LINES)["line"]
    if b"\r" in data and lines.str.contains("\r", literal=True).any():
        return None
    limit = csv.field_size_limit()
    return None if len(",".join(header)) > limit or (lines.str.len_bytes().max() or 0) > limit else lines


def _split_lines(data: bytes, lines: pl.Series, n: int) -> tuple[pl.DataFrame | None, list[tuple[int, int]]]:
    """(cells, irregular) of a file with no quote, record k being line k: the cells ``_row``, ``c0``… of the
    non-blank records with n fields, and (row, number of fields) of the other non-blank ones."""
    names = [f"c{i}" for i in range(n)]
    # A short record reads as empty strings after its last field, a long one loses what lies past field n;
    # so the n fields and their n − 1 commas are the whole line exactly when the record has n fields.
    parts = pl.read_csv(
        data, schema=dict.fromkeys(names, pl.String), truncate_ragged_lines=True, missing_columns="insert", extra_columns="ignore", **_LINES
    )
    if parts.height != lines.len():  # not seen: one record per line is what the reading rests on
        return None, []
    width = pl.sum_horizontal(pl.col(c).str.len_bytes().cast(pl.Int64) for c in names) + (n - 1)
    short = parts.select(width - lines.str.len_bytes().cast(pl.Int64)).to_series()
    parts = parts.with_columns(pl.int_range(2, pl.len() + 2).alias("_row"))
    skip = lines.str.strip_chars(WHITESPACE + ",") == ""
    odd = ~skip & (short != 0)
    irregular = []
    if odd.any():
        found = pl.DataFrame([parts["_row"], short.alias("short"), lines.alias("line")]).filter(odd)
        fields = pl.when(pl.col("short") > 0).then(n - pl.col("short")).otherwise(pl.col("line").str.count_matches(",", literal=True) + 1)
        irregular = found.select("_row", fields).rows()
        skip |= odd
    return (parts.filter(~skip) if skip.any() else parts), irregular


def _split_csv(path):
    """(header, cells, irregular) read by the csv module, as ``heluo qualify`` always read files."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if not header:
            for _ in reader:  # the whole file is read first: a later decoding or CSV error is what gets reported
                pass
            return header, None, []
        n = len(header)
        schema = {"_row": pl.Int64, **{f"c{i}": pl.String for i in range(n)}}
        frames, irregular, rows, records = [pl.DataFrame(schema=schema)], [], [], []
        for k, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue  # a blank line in a spreadsheet export
            if len(record) != n:
                irregular.append((k, len(record)))
                continue
            rows.append(k)
            records.append(record)
            if len(records) == _CHUNK:
                frames.append(pl.DataFrame([rows, *zip(*records)], schema=schema, orient="col"))
                rows, records = [], []
        if records:
            frames.append(pl.DataFrame([rows, *zip(*records)], schema=schema, orient="col"))
    return header, pl.concat(frames), irregular


# ---------------------------------------------------------------------------------------------------
# Cells and rows
# ---------------------------------------------------------------------------------------------------
def _check(cells: pl.DataFrame, specs: dict[str, InputSpec], ascii_only: bool, spaced: bool) -> tuple[pl.DataFrame, list]:
    """(``_row`` and the typed columns, [(row, order, RowError)]); order sorts the errors of a row the way the
    per-row reader appended them: its cells left to right (0, 1, …), then the checks of ``_row_errors``."""
    names = list(specs)
    text = cells.select(pl.col(h).str.strip_chars(ASCII_WHITESPACE) for h in names) if spaced else cells.select(names)
    values = text.select(_fast_value(pl.col(h), spec, h).alias(h) for h, spec in specs.items())
    both = text.hstack([v.alias(f"{v.name}\x00") for v in values.get_columns()])
    oks = both.select(_fast_ok(pl.col(h), pl.col(f"{h}\x00"), spec, h).alias(h) for h, spec in specs.items())
    if "credit_code" in specs:
        oks = oks.with_columns(pl.col("credit_code") & _valid_codes(values["credit_code"]))
    if not ascii_only:
        oks = oks.with_columns(pl.col(h) & (cells[h].str.len_bytes() == cells[h].str.len_chars()) for h in names)
    columns, found, bad_cells = {"_row": cells["_row"]}, [], {}
    slow_columns = {h for h, any_slow in oks.select(pl.all().not_().any()).row(0, named=True).items() if any_slow}
    for pos, (h, spec) in enumerate(specs.items()):
        if h not in slow_columns:
            columns[h] = values[h]
            continue
        ok, raw = oks[h], cells[h]
        settled, bad = {}, {}
        for r in raw.filter(~ok).unique().to_list():
            value, error = _cell(h, spec, r)
            if error:
                bad[r] = error
            else:
                settled[r] = value
        patched = raw.replace_strict(list(settled), list(settled.values()), default=None, return_dtype=values[h].dtype)
        columns[h] = values[h].zip_with(ok, patched)
        bad_cells[h] = ~ok & raw.is_in(list(bad))
        for k, r in pl.DataFrame([cells["_row"], raw]).filter(bad_cells[h]).iter_rows():
            found.append((k, pos, RowError(k, h, *bad[r])))
    typed = pl.DataFrame(columns)
    return typed, found + _row_errors(typed, bad_cells, len(names))


def _valid_codes(codes: pl.Series) -> pl.Series:
    """``uscc_valid`` once per run of equal codes: an enterprise's years usually stand together."""
    starts = codes.ne_missing(codes.shift(1))
    return uscc_valid(codes.filter(starts)).gather(starts.cum_sum() - 1)


def _cell(name: str, spec: InputSpec, raw: str):
    """(value, None) or (None, (zh, en, value shown)) for one cell, the way the per-row reader read it."""
    if name == "credit_code":
        check = check_uscc(raw)
        if not check.valid:
            return None, (f"统一社会信用代码无效：{check.reason_zh}", f"invalid credit code: {check.reason_en}", raw)
        return check.code, None
    if name == "year" and not raw.strip():
        return None, ("年度不能为空", "the year is required", "")
    try:
        return parse_cell(spec, raw), None
    except CellError as exc:
        return None, (exc.zh, exc.en, raw)


def _fast_value(text: pl.Expr, spec: InputSpec, name: str) -> pl.Expr:
    if name == "credit_code":
        return text  # a valid code as written is its normal form; any other goes to check_uscc
    if spec.type == "date":
        return text.str.to_date("%Y-%m-%d", strict=False)
    if spec.type == "bool":  # other spellings (TRUE, yes, 是…) are few distinct texts, read by parse_cell
        return pl.when(text == "true").then(True).when(text == "false").then(False)
    value = text.cast(pl.Float64, strict=False)
    return pl.when(text == "").then(0.0).otherwise(value) if spec.type == "field" else value


def _fast_ok(text: pl.Expr, value: pl.Expr, spec: InputSpec, name: str) -> pl.Expr:
    """Where ``value`` is certain. An empty cell is unknown (None; 0 for the field); an empty code or year is an
    error, left to ``_cell`` like every other cell not settled here."""
    empty = text == ""
    if name == "credit_code":
        return ~empty  # and uscc_valid, on the whole column
    if spec.type == "date":
        ok = text.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$") & (value.dt.year() >= 1)
    elif spec.type == "bool":
        ok = value.is_not_null()
    else:
        ok = value.is_finite()
        if not spec.negative_ok:
            ok &= value >= 0
        if spec.type in ("count", "score", "year", "field"):
            ok &= value.floor() == value
        bounds = (0, 8) if spec.type == "field" else spec.range
        if bounds:
            ok &= value.is_between(*bounds)
    ok = ok.fill_null(False)
    return ok & ~empty if name == "year" else empty | ok


def _row_errors(typed: pl.DataFrame, bad_cells: dict[str, pl.Series], width: int) -> list:
    """The year's range and the checks across a row's cells (on rows with no other error), then the checks
    across rows (on rows whose code and year are good): the same enterprise and year twice, and registration
    dates that differ."""
    found = []
    none = pl.repeat(False, typed.height, eager=True)
    bad_any = pl.select(pl.any_horizontal(pl.lit(s) for s in bad_cells.values())).to_series() if bad_cells else none
    year = typed["year"]
    year_bad = year.is_not_null() & ~year.is_between(1900, 2100)
    for k, y in typed.filter(year_bad).select("_row", "year").iter_rows():
        found.append((k, width, RowError(k, "year", "年度应在1900–2100之间", "year must be between 1900 and 2100", str(int(y)))))
    row_bad = bad_any | year_bad
    clean = typed.filter(~row_bad) if row_bad.any() else typed
    checks = [
        ("st_staff", "total_staff", "科技人员数不能多于职工总数", "S&T staff exceed total staff"),
        ("rd_expense_domestic", "rd_expense", "境内研发费用不能多于研发费用", "domestic R&D exceeds total R&D"),
    ]
    for order, (a, b, zh, en) in enumerate(checks, start=width + 1):
        found += [(k, order, RowError(k, a, zh, en)) for k in clean.filter(pl.col(a) > pl.col(b))["_row"]]
    keyed = year.is_not_null() & ~bad_cells.get("credit_code", none) & ~bad_cells.get("year", none) & ~year_bad
    keyed = typed.select("_row", "credit_code", "year", "registered_on").filter(keyed)
    return found if _plainly_consistent(keyed) else found + _across_rows(keyed, width)


def _plainly_consistent(keyed: pl.DataFrame) -> bool:
    """A shortcut for files sorted by code and year: no pair repeats, and each date equals the one before it
    of the same enterprise. False means "look closely", not "wrong"."""
    code, year, reg = pl.col("credit_code"), pl.col("year"), pl.col("registered_on")
    before = code.shift(1)
    ordered = ((code > before) | ((code == before) & (year > year.shift(1)))).fill_null(True).all()
    dated_before = pl.when(reg.is_not_null()).then(code).forward_fill().shift(1)
    differs = (reg.is_not_null() & (dated_before == code) & (reg != reg.forward_fill().shift(1))).fill_null(False).any()
    return keyed.select(ordered & ~differs).item()


def _across_rows(keyed: pl.DataFrame, width: int) -> list:
    found = []
    first, reg = pl.col("_row").first(), pl.col("registered_on")
    pairs = keyed.with_columns(first.over("credit_code", "year").alias("first")).filter(pl.col("_row") != pl.col("first"))
    for k, first_k, y in pairs.select("_row", "first", "year").iter_rows():
        zh, en = f"同一企业同一年度重复（首次出现在第{first_k}行）", f"the same enterprise and year again (first on row {first_k})"
        found.append((k, width + 3, RowError(k, "year", zh, en, str(int(y)))))
    dated = keyed.filter(reg.is_not_null())
    dated = dated.with_columns(first.over("credit_code").alias("first"), reg.first().over("credit_code").alias("first_reg"))
    for k, d, first_k, first_d in dated.filter(reg != pl.col("first_reg")).select("_row", reg, "first", "first_reg").iter_rows():
        zh, en = f"与第{first_k}行的注册日期（{first_d}）不一致", f"differs from the date on row {first_k} ({first_d})"
        found.append((k, width + 4, RowError(k, "registered_on", zh, en, d.isoformat())))
    return found
