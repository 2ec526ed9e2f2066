"""The per-row reader ``heluo qualify`` used before issue 11, kept as the oracle the Polars path is compared with:
the csv module, ``parse_cell`` and ``check_uscc`` per cell, the checks across rows, and the detail JSON built
per enterprise from ``Evaluation.detail``. Test code only (tests and bench/qualify.py)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import unicodedata
from pathlib import Path

from heluo.core.cells import RowError, write_csv_atomically
from heluo.core.codes import check_uscc
from heluo.cultivation.engine.frames import evaluate_frame, frame_evaluations
from heluo.cultivation.engine.qualify import CellError, format_score, input_specs, parse_cell, to_frame
from heluo.cultivation.engine.rules import STANDARD_INPUTS, RuleSet

OUTPUT_COLUMNS = ("credit_code", "ruleset", "result", "score", "failed", "detail")


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
