"""Reading and checking a ``heluo qualify`` input file in Polars, whole columns at a time.

The rules are those of ``qualify.parse_cell`` and ``codes.check_uscc``, with the same errors (row, column and
bilingual reason) in the same order. Polars settles only the cells it can settle exactly: plain ASCII that
Polars reads as a number (it accepts a subset of what Python's ``float`` does, giving the same value), a
canonical date, true/false, a credit code that passes every test of ``check_uscc`` — and that passes its
column's checks. Every other cell (an empty year, thousands separators, full-width digits, 是/否, anything
wrong) goes through ``parse_cell`` / ``check_uscc`` themselves, once per distinct text, so that each error
reads as it always did.

Records are found one of three ways, the first that applies:
1. a file whose every record is one line with as many fields as the header (no quote character, no carriage
   return but in \\r\\n): Polars reads it once, the number columns as numbers (``_read_numbers``); a number
   it cannot read, or one that fails its column's checks, sends the file to the next way;
2. any other file without quote characters: Polars reads every cell as text and each line's length tells
   whether its record has the header's number of fields (``_split_lines``);
3. a file with quotes, NUL bytes or lone carriage returns: the csv module splits it (``_split_csv``), then
   Polars reads the records it found — slower, but the same records by construction.
"""

from __future__ import annotations

import codecs
import csv
import gc
import unicodedata
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl

from heluo.core.cells import RowError
from heluo.core.codes import check_uscc
from heluo.core.codes_frame import uscc_valid
from heluo.cultivation.engine.qualify import CellError, input_specs, parse_cell, polars_type
from heluo.cultivation.engine.rules import STANDARD_INPUTS, InputSpec, RuleSet

WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())  # str.strip()'s: none lies above U+3000
ASCII_WHITESPACE = "".join(c for c in WHITESPACE if c.isascii())  # with \x1c–\x1f, which Rust's strip keeps
_LINE = _FIELD = "\x1f"  # a separator that splits no line: a file holding it takes the csv module's path
_RECORD = "\x1e"  # with _FIELD, what the csv module's records are joined by to hand them to Polars
# records after the header, a missing field read as an empty string
_LINES = dict(has_header=False, skip_rows=1, quote_char=None, empty_string_is_null=False, missing_columns="insert")
_NOT_UTF8 = ("文件不是 UTF-8 编码（请在 Excel 中另存为“CSV UTF-8”）", "the file is not UTF-8 (save it as 'CSV UTF-8' from Excel)")


def read_frame(path: str | Path, rs: RuleSet) -> tuple[pl.DataFrame | None, list[RowError], list[str]]:
    """(typed frame, errors, warnings). The frame holds the known columns in file order, one row per non-blank
    record, typed as ``qualify.to_frame`` types them; it is None when there is any error."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None, [RowError(0, "", f"找不到文件 {path}", f"file not found: {path}")], []
    specs, checked, numbers = input_specs(rs), None, True
    pool = ThreadPoolExecutor(1)  # the bytes are counted while Polars reads them
    scan = pool.submit(_scan, data)
    pool.shutdown(wait=False)
    while checked is None:  # twice when a number Polars read is not certain: then the text of every cell is read
        try:
            raw_header, split, by_csv = _split(path, data, specs, numbers, scan)
        except UnicodeDecodeError:
            return None, [RowError(0, "", *_NOT_UTF8)], []
        except csv.Error as exc:
            return None, [RowError(0, "", f"CSV 格式错误：{exc}", f"malformed CSV: {exc}")], []
        if not raw_header:
            return None, [RowError(1, "", "文件为空或没有表头", "the file is empty or has no header")], []
        header = [unicodedata.normalize("NFKC", h).strip() for h in raw_header]
        errors = [RowError(1, c, "缺少必需的列", "required column is missing") for c in STANDARD_INPUTS if c not in header]
        errors += [RowError(1, c, "列名重复", "duplicate column name") for c in sorted({h for h in header if header.count(h) > 1})]
        warnings = [f"忽略未知列 / ignoring unknown column: {h}" for h in header if h and h not in specs]
        if errors:
            return None, errors, warnings
        used = {h: specs[h] for h in header if h in specs}
        # \r\n ends lines on the Polars paths; the csv module's path checks every cell
        spaced = by_csv or scan.result()[1]
        checked, numbers = _check_split(split, header, used, not by_csv and data.isascii(), spaced), False
        del split
    del data
    typed, found = checked
    if found:
        found.sort(key=lambda e: e[:2])  # by row; within a row, in the order the checks always ran
        return None, [e for _, _, e in found], warnings
    return typed.select(pl.col(h).cast(polars_type(spec)) for h, spec in used.items()), [], warnings


def _scan(data: bytes) -> tuple[int, bool]:
    """(commas, whether any whitespace but \\r\\n, which ends lines on the Polars paths)."""
    return data.count(b","), any(c.encode() in data for c in ASCII_WHITESPACE if c not in "\r\n")


def _split(path, data: bytes, specs: dict[str, InputSpec], numbers: bool, scan: Future):
    """(header as written, (cells, rows, irregular), read by the csv module)."""
    if not any(b in data for b in (b'"', b"\x00", _LINE.encode())):
        header = _header(data, data.isascii())  # the whole file is decoded first, as the csv module did
        if header is not _CSV_MODULE:
            split = (numbers and header and _read_numbers(data, header, specs, scan)) or _split_lines(data, header)
            if split is not None:
                return header, split, False
    header, *split = _split_csv(path, data)
    return header, split, True


def _check_split(split, header: list[str], used: dict[str, InputSpec], ascii_only: bool, spaced: bool):
    """``_check`` of the known columns, with the records of the wrong length; None as ``_check`` gives it."""
    cells, rows, irregular = split
    # the row numbers stay apart: next to the cells' many chunks, a column of another shape costs them a copy
    cells = cells.select(pl.col(f"c{i}").alias(h) for i, h in enumerate(header) if h in used)
    checked = _check(cells, rows, used, ascii_only, spaced)
    if checked is None:
        return None
    n = len(header)
    errors = [(k, -1, RowError(k, "", f"字段数（{m}）与表头（{n}）不一致", f"{m} fields but the header has {n}")) for k, m in irregular]
    return checked[0], checked[1] + errors


# ---------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------
_CSV_MODULE = []  # _header's answer when a carriage return alone ends a record: only the csv module reads that


def _header(data: bytes, plain: bool) -> list[str] | None:
    if not plain:
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


def _read_numbers(data: bytes, header: list[str], specs: dict[str, InputSpec], scan: Future):
    """(cells, rows, []) with the number columns read as numbers by Polars, as ``pl.read_csv`` reads them: for a
    file whose every record is one line with as many fields as the header, none of them blank, none longer than
    the csv module allows. None otherwise, or when Polars cannot read a number (it stops there): the other
    paths read such files. Polars reads a subset of what Python's ``float`` reads, to the same value (tests)."""
    names = [unicodedata.normalize("NFKC", h).strip() for h in header]
    if len(set(names)) != len(names) or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return None
    n, limit = len(header), csv.field_size_limit()
    numbers = {f"c{i}" for i, h in enumerate(names) if h in specs and specs[h].type not in ("code", "date", "bool")}
    schema = {f"c{i}": pl.Float64 if f"c{i}" in numbers else pl.String for i in range(n)}
    try:  # stops at a number it cannot read, and at a record with too many fields
        parts = pl.read_csv(data, schema=schema, **_LINES)
    except pl.exceptions.PolarsError:
        return None
    if scan.result()[0] != (parts.height + 1) * (n - 1):  # a record with fewer fields, or a blank line
        return None
    lines = pl.read_csv(data, separator=_LINE, schema={"line": pl.String}, **_LINES)["line"]
    if len(",".join(header)) > limit or (lines.str.len_bytes().max() or 0) > limit:
        return None
    empty = {c: pl.col(c).is_null() if c in numbers else pl.col(c).str.strip_chars(WHITESPACE) == "" for c in schema}
    probe = [e for c, e in empty.items() if c not in numbers][:1]  # a blank record has this cell empty too
    if (
        parts.select(pl.all_horizontal(probe or [pl.lit(True)]).any()).item()
        and parts.select(pl.all_horizontal(empty.values()).any()).item()
    ):
        return None  # a blank record: left to the next way, which skips it
    return parts, pl.int_range(2, parts.height + 2, eager=True).alias("_row"), []


def _split_lines(data: bytes, header: list[str]) -> tuple[pl.DataFrame, pl.Series, list[tuple[int, int]]] | None:
    """(cells, rows, irregular) of a file with no quote, record k being line k: the cells ``c0``… of the
    non-blank records with as many fields as the header, their row numbers, and (row, number of fields) of the
    other non-blank ones. None where the csv module would not take a line for a record (a carriage return that
    does not end it) or would stop at a field longer than its limit: it reads such files itself."""
    if not header:
        return pl.DataFrame(), pl.Series("_row", [], dtype=pl.Int64), []  # reported as such
    n, limit = len(header), csv.field_size_limit()
    if len(",".join(header)) > limit:
        return None
    names = [f"c{i}" for i in range(n)]
    if b"\r" not in data:
        try:  # a record with too many fields makes Polars stop here
            parts = pl.read_csv(data, schema=dict.fromkeys(names, pl.String), **_LINES)
        except pl.exceptions.PolarsError:
            parts = None
        if parts is not None and _regular(parts, data, n, limit):
            rows = pl.int_range(2, parts.height + 2, eager=True).alias("_row")
            if (parts["c0"].str.strip_chars(WHITESPACE) == "").any():
                blank = parts.select(pl.all_horizontal(pl.col(c).str.strip_chars(WHITESPACE) == "" for c in names)).to_series()
                parts, rows = parts.filter(~blank), rows.filter(~blank)
            return parts, rows, []
    lines = pl.read_csv(data, separator=_LINE, schema={"line": pl.String}, **_LINES)["line"]
    if lines.str.contains("\r", literal=True).any() or (lines.str.len_bytes().max() or 0) > limit:
        return None
    # A short record reads as empty strings after its last field, a long one loses what lies past field n;
    # so the n fields and their n − 1 commas are the whole line exactly when the record has n fields.
    parts = pl.read_csv(data, schema=dict.fromkeys(names, pl.String), truncate_ragged_lines=True, extra_columns="ignore", **_LINES)
    if parts.height != lines.len():  # not seen: one record per line is what the reading rests on
        return None
    width = pl.sum_horizontal(pl.col(c).str.len_bytes().cast(pl.Int64) for c in names) + (n - 1)
    short = parts.select(width - lines.str.len_bytes().cast(pl.Int64)).to_series()
    rows = pl.int_range(2, parts.height + 2, eager=True).alias("_row")
    skip = lines.str.strip_chars(WHITESPACE + ",") == ""
    odd = ~skip & (short != 0)
    irregular = []
    if odd.any():
        found = pl.DataFrame([rows, short.alias("short"), lines.alias("line")]).filter(odd)
        fields = pl.when(pl.col("short") > 0).then(n - pl.col("short")).otherwise(pl.col("line").str.count_matches(",", literal=True) + 1)
        irregular = found.select("_row", fields).rows()
        skip |= odd
    if skip.any():
        parts, rows = parts.filter(~skip), rows.filter(~skip)
    return parts, rows, irregular


def _regular(parts: pl.DataFrame, data: bytes, n: int, limit: int) -> bool:
    """Whether every line of a file with only \\n line ends held n fields, none longer than the csv module's
    limit. Polars read no line with more fields (it stops at one); a shorter one reads as empty strings after
    its last field, so the fields and commas of all rows add up to the body of the file only when none is short."""
    start = data.find(b"\n") + 1
    body = len(data) - start if start else 0
    ends = parts.height if data.endswith(b"\n") else max(parts.height - 1, 0)
    lengths = [pl.col(c).str.len_bytes().cast(pl.Int64) for c in parts.columns]
    total, longest = parts.select(
        pl.sum_horizontal(x.sum() for x in lengths).alias("total"), pl.max_horizontal(x.max() for x in lengths).alias("longest")
    ).row(0)
    return (total or 0) + parts.height * (n - 1) + ends == body and (longest or 0) <= limit


def _split_csv(path, data: bytes):
    """(header, cells, rows, irregular) read by the csv module, as ``heluo qualify`` always read files. The kept
    records go to Polars joined by two separators that the file does not hold (so none of their fields does),
    which it splits at once; else, or when a field holds a carriage return (Polars might drop one before a line
    end), as Python lists, slower."""
    joined = not any(b in data for b in (b"\x00", _FIELD.encode(), _RECORD.encode()))
    collecting = gc.isenabled()
    gc.disable()  # a million lists kept alive make each collection longer than the last
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header:
                for _ in reader:  # the whole file is read first: a later decoding or CSV error is what gets reported
                    pass
                return header, None, None, []
            n, irregular, rows, kept = len(header), [], [], []
            for k, record in enumerate(reader, start=2):
                if not "".join(record).strip():  # all its cells are blank: a blank line in a spreadsheet export
                    continue
                if len(record) != n:
                    irregular.append((k, len(record)))
                    continue
                rows.append(k)
                kept.append(_FIELD.join(record) if joined else record)
    finally:
        if collecting:
            gc.enable()
    rows, schema = pl.Series("_row", rows, dtype=pl.Int64), {f"c{i}": pl.String for i in range(n)}
    if joined and kept:
        text = _RECORD.join(kept)
        if "\r" not in text:
            del kept
            options = dict(separator=_FIELD, eol_char=_RECORD, quote_char=None, empty_string_is_null=False)
            return header, pl.read_csv(text.encode(), has_header=False, schema=schema, **options), rows, irregular
        kept = [r.split(_FIELD) for r in kept]
    columns = zip(*kept) if kept else [[]] * n
    return header, pl.DataFrame(dict(zip(schema, columns)), schema=schema), rows, irregular


# ---------------------------------------------------------------------------------------------------
# Cells and rows
# ---------------------------------------------------------------------------------------------------
def _check(
    cells: pl.DataFrame, rows: pl.Series, specs: dict[str, InputSpec], ascii_only: bool, spaced: bool
) -> tuple[pl.DataFrame, list] | None:
    """(``_row`` and the typed columns, [(row, order, RowError)]); order sorts the errors of a row the way the
    per-row reader appended them: its cells left to right (0, 1, …), then the checks of ``_row_errors``.
    Columns Polars read as numbers (``_read_numbers``) have no text to fall back on: None if any such cell is
    not certain."""
    names = list(specs)
    read = {h for h in names if cells.schema[h] == pl.Float64}
    text = cells.select(pl.col(h) if h in read or not spaced else pl.col(h).str.strip_chars(ASCII_WHITESPACE) for h in names)
    values = text.select(_fast_value(pl.col(h), spec, h, h in read).alias(h) for h, spec in specs.items())
    both = text.hstack([v.alias(f"{v.name}\x00") for v in values.get_columns()])
    oks = both.select(_fast_ok(pl.col(h), pl.col(f"{h}\x00"), spec, h, h in read).alias(h) for h, spec in specs.items())
    if "credit_code" in specs:
        oks = oks.with_columns(pl.col("credit_code") & _valid_codes(values["credit_code"]))
    if not ascii_only:
        oks = oks.with_columns(pl.col(h) & (cells[h].str.len_bytes() == cells[h].str.len_chars()) for h in names if h not in read)
    columns, found, bad_cells = {"_row": rows}, [], {}
    slow_columns = {h for h, any_slow in oks.select(pl.all().not_().any()).row(0, named=True).items() if any_slow}
    if slow_columns & read:
        return None
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
        for k, r in pl.DataFrame([rows, raw]).filter(bad_cells[h]).iter_rows():
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


def _fast_value(text: pl.Expr, spec: InputSpec, name: str, read: bool) -> pl.Expr:
    """The value of a cell where ``_fast_ok`` holds; ``read``: Polars read the column as numbers (null: empty)."""
    if read:
        return text.fill_null(0.0) if spec.type == "field" else text
    if name == "credit_code":
        return text  # a valid code as written is its normal form; any other goes to check_uscc
    if spec.type == "date":
        return text.str.to_date("%Y-%m-%d", strict=False)
    if spec.type == "bool":  # other spellings (TRUE, yes, 是…) are few distinct texts, read by parse_cell
        return pl.when(text == "true").then(True).when(text == "false").then(False)
    value = text.cast(pl.Float64, strict=False)
    return pl.when(text == "").then(0.0).otherwise(value) if spec.type == "field" else value


def _fast_ok(text: pl.Expr, value: pl.Expr, spec: InputSpec, name: str, read: bool) -> pl.Expr:
    """Where ``value`` is certain. An empty cell is unknown (None; 0 for the field); an empty code or year is an
    error, left to ``_cell`` like every other cell not settled here."""
    empty = text.is_null() if read else text == ""
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
