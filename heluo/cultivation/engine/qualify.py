"""Stateless qualification of a CSV file: ``heluo qualify --ruleset NAME --year Y INPUT.csv OUTPUT.csv``.

INPUT has one row per enterprise per accounting year with the columns of issue 4 (``credit_code, year,
registered_on, total_staff, …, led_standard_5y``): money in 元, counts as whole numbers, booleans as
true/false, dates as YYYY-MM-DD, ``hitech_field`` 1–8 or empty for none; any other empty cell is unknown.
Optional columns named in ``rulesets/_extra_inputs.json`` (expert scores, main-business revenue, …) are
used by the rule sets that read them. Y is the year of application/evaluation (HTE reads Y−3…Y−1,
科技型中小企业 reads Y−1).

OUTPUT has one row per enterprise: ``credit_code, ruleset, result`` (pass / fail / undetermined),
``score`` (a number, or ``lo-hi`` while expert inputs are missing; empty for rule sets without a score),
``failed`` (criterion codes joined by ``;``) and ``detail`` (JSON: each criterion's state, value, threshold,
points, gap with its Chinese and English wording, and the inputs it read).

The whole file is checked first. Every error is reported with its row (the header is row 1, as in a
spreadsheet), column and reason in Chinese and English; if there is any, nothing is written and the exit
code is 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
import unicodedata
from pathlib import Path

import polars as pl

from heluo.core.cells import RowError, write_csv_atomically
from heluo.core.codes import check_uscc
from heluo.cultivation.engine.frames import evaluate_frame, frame_evaluations
from heluo.cultivation.engine.rules import (
    STANDARD_INPUTS,
    InputSpec,
    RuleSet,
    extra_input_catalogue,
)

OUTPUT_COLUMNS = ("credit_code", "ruleset", "result", "score", "failed", "detail")


# ---------------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------------
_TRUE = {"true", "1", "是", "yes", "y", "t"}
_FALSE = {"false", "0", "否", "no", "n", "f"}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


class CellError(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def _number(text: str) -> float:
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        raise CellError("不是数字", "not a number") from None
    if not math.isfinite(value):
        raise CellError("必须是有限的数字", "must be a finite number")
    return value


def parse_cell(spec: InputSpec, raw: str | None):
    """The typed value of one cell (None = unknown), or CellError with a bilingual reason."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if spec.type == "field":  # 国家重点支持的高新技术领域 1–8; empty = none
        if not text:
            return 0.0
        value = _number(text)
        if not value.is_integer() or not 0 <= value <= 8:
            raise CellError("应为1–8的整数（八大领域之一），不属于任何领域时留空", "must be a whole number 1–8, or empty for none")
        return value
    if not text:
        return None
    if spec.type == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise CellError("应为 true 或 false", "must be true or false")
    if spec.type == "date":
        try:
            if re.match(r"^\d{4}-\d\d-\d\d$", text):
                return dt.date.fromisoformat(text)
        except ValueError:
            pass
        raise CellError("日期无效，应为 YYYY-MM-DD", "not a valid date (YYYY-MM-DD)")
    value = _number(text)
    if value < 0 and not spec.negative_ok:
        raise CellError("不能为负数", "must not be negative")
    if spec.type in ("count", "score", "year") and not value.is_integer():
        raise CellError("应为整数", "must be a whole number")
    if spec.range and not spec.range[0] <= value <= spec.range[1]:
        lo, hi = (_fmt(v) for v in spec.range)
        raise CellError(f"应在 {lo}–{hi} 之间", f"must be between {lo} and {hi}")
    return value


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


# ---------------------------------------------------------------------------------------------------
# The file
# ---------------------------------------------------------------------------------------------------
def input_specs(rs: RuleSet) -> dict[str, InputSpec]:
    """Columns understood for this rule set: the standard ones plus every catalogued optional one."""
    return {**STANDARD_INPUTS, **extra_input_catalogue(), **rs.extra_inputs}


def read_rows(path: str | Path, rs: RuleSet) -> tuple[list[dict], list[RowError], list[str]]:
    """Typed rows, errors and warnings (ignored columns). Rows are meaningful only without errors."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            records = list(reader)
    except FileNotFoundError:
        return [], [RowError(0, "", f"找不到文件 {path}", f"file not found: {path}")], []
    except UnicodeDecodeError:
        return (
            [],
            [
                RowError(
                    0,
                    "",
                    "文件不是 UTF-8 编码（请在 Excel 中另存为“CSV UTF-8”）",
                    "the file is not UTF-8 (save it as 'CSV UTF-8' from Excel)",
                )
            ],
            [],
        )
    except csv.Error as exc:
        return [], [RowError(0, "", f"CSV 格式错误：{exc}", f"malformed CSV: {exc}")], []
    if not header:
        return [], [RowError(1, "", "文件为空或没有表头", "the file is empty or has no header")], []
    header = [unicodedata.normalize("NFKC", h).strip() for h in header]
    specs = input_specs(rs)
    errors = [RowError(1, c, "缺少必需的列", "required column is missing") for c in STANDARD_INPUTS if c not in header]
    errors += [RowError(1, c, "列名重复", "duplicate column name") for c in sorted({h for h in header if header.count(h) > 1})]
    ignored = [h for h in header if h and h not in specs]
    warnings = [f"忽略未知列 / ignoring unknown column: {h}" for h in ignored]
    if errors:
        return [], errors, warnings
    used = [(i, h) for i, h in enumerate(header) if h in specs]
    rows: list[dict] = []
    keyed: list[dict] = []  # rows whose credit code and year could be read, for the checks across rows
    for n, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line in a spreadsheet export
        if len(record) != len(header):
            errors.append(
                RowError(
                    n, "", f"字段数（{len(record)}）与表头（{len(header)}）不一致", f"{len(record)} fields but the header has {len(header)}"
                )
            )
            continue
        row, row_errors = _parse_row(n, record, used, specs)
        errors += row_errors
        if not row_errors:
            rows.append(row)
        if row.get("year") is not None and not any(e.column in ("credit_code", "year") for e in row_errors):
            keyed.append(row)
    errors += _cross_row_errors(keyed)
    errors.sort(key=lambda e: e.row)
    return rows, errors, warnings


def _parse_row(n: int, record: list[str], used, specs) -> tuple[dict, list[RowError]]:
    row, errors = {"_row": n}, []
    for i, name in used:
        raw = record[i]
        if name == "credit_code":
            check = check_uscc(raw)
            if not check.valid:
                errors.append(RowError(n, name, f"统一社会信用代码无效：{check.reason_zh}", f"invalid credit code: {check.reason_en}", raw))
            row[name] = check.code
            continue
        if name == "year" and not raw.strip():
            errors.append(RowError(n, name, "年度不能为空", "the year is required"))
            continue
        try:
            row[name] = parse_cell(specs[name], raw)
        except CellError as exc:
            errors.append(RowError(n, name, exc.zh, exc.en, raw))
    if row.get("year") is not None and not 1900 <= row["year"] <= 2100:
        errors.append(RowError(n, "year", "年度应在1900–2100之间", "year must be between 1900 and 2100", str(int(row["year"]))))
    if not errors:
        if _gt(row, "st_staff", "total_staff"):
            errors.append(RowError(n, "st_staff", "科技人员数不能多于职工总数", "S&T staff exceed total staff"))
        if _gt(row, "rd_expense_domestic", "rd_expense"):
            errors.append(RowError(n, "rd_expense_domestic", "境内研发费用不能多于研发费用", "domestic R&D exceeds total R&D"))
    return row, errors


def _gt(row, a, b) -> bool:
    return row.get(a) is not None and row.get(b) is not None and row[a] > row[b]


def _cross_row_errors(rows: list[dict]) -> list[RowError]:
    errors, seen, registered = [], {}, {}
    for row in rows:
        key = (row["credit_code"], row["year"])
        if key in seen:
            errors.append(
                RowError(
                    row["_row"],
                    "year",
                    f"同一企业同一年度重复（首次出现在第{seen[key]}行）",
                    f"the same enterprise and year again (first on row {seen[key]})",
                    str(int(row["year"])),
                )
            )
        seen.setdefault(key, row["_row"])
        reg = row.get("registered_on")
        if reg is not None:
            first = registered.setdefault(row["credit_code"], (reg, row["_row"]))
            if first[0] != reg:
                errors.append(
                    RowError(
                        row["_row"],
                        "registered_on",
                        f"与第{first[1]}行的注册日期（{first[0]}）不一致",
                        f"differs from the date on row {first[1]} ({first[0]})",
                        reg.isoformat(),
                    )
                )
    return errors


def to_frame(rows: list[dict], rs: RuleSet) -> pl.DataFrame:
    specs = input_specs(rs)
    schema = {c: _polars_type(specs[c]) for c in rows[0] if c != "_row"}
    names = list(schema)
    return pl.DataFrame([{c: r.get(c) for c in names} for r in rows], schema=schema, orient="row")


def _polars_type(spec: InputSpec):
    return {"code": pl.Utf8, "year": pl.Int64, "date": pl.Date, "bool": pl.Boolean}.get(spec.type, pl.Float64)


# ---------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------
def format_score(score) -> str:
    if score is None or score == (None, None):
        return ""
    lo, hi = (_fmt(v) for v in score)
    return lo if lo == hi else f"{lo}-{hi}"


def qualify_rows(rs: RuleSet, rows: list[dict], year: int, as_of: dt.date | None = None) -> list[dict]:
    if not rows:
        return []
    frame = evaluate_frame(rs, to_frame(rows, rs), year, as_of)
    out = []
    for ev in frame_evaluations(rs, frame, year):
        out.append(
            {
                "credit_code": ev.credit_code,
                "ruleset": rs.name,
                "result": ev.result,
                "score": format_score(ev.score),
                "failed": ";".join(ev.failed),
                "detail": json.dumps(ev.detail(rs), ensure_ascii=False, separators=(",", ":")),
            }
        )
    return out


def qualify_file(rs: RuleSet, year: int, input_path, output_path, as_of: dt.date | None = None):
    """(errors, warnings). Writes ``output_path`` only when there is no error."""
    rows, errors, warnings = read_rows(input_path, rs)
    if errors:
        return errors, warnings
    write_csv_atomically(output_path, OUTPUT_COLUMNS, qualify_rows(rs, rows, year, as_of))
    return [], warnings
