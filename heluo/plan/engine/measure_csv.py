"""Stateless progress measure of a CSV file: `heluo plan measure INPUT.csv OUTPUT.csv`.

Reads the columns ``series, base_year, base_value, current_year, current_value, target_year, target,
direction`` (``target`` may be empty; ``direction`` is 1 or -1 as in Statistics Canada's published file, or
a word such as increase/decrease), and writes every row back with ``progress_value`` and ``status`` added.
An optional ``limit`` column (natural limit, e.g. 100 for a percentage) is used when present, as
Statistics Canada does for series without a target. Other columns are kept as they are.

``progress_value`` is written as Python's shortest round-trip repr of the double (``0.9010899546976208``,
``-0.0``), which is how the published file writes it; empty when not computable. ``status`` uses the
published words (``substantial_progress`` …). A missing base or current observation is not an error: the
row is ``not_available``, as published. A malformed cell is an error: every error is reported with its
row number (the header is row 1, as in a spreadsheet), column and reason in Chinese and English, and no
output file is written.

Method: Statistics Canada / Open SDG progress measurement methodology — see ``heluo.plan.engine.measures``.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from heluo.core.cells import RowError, write_csv_atomically

from .measures import (
    DEFAULT_CONFIG,
    ProgressConfig,
    ProgressInput,
    measure_progress,
    parse_direction,
)

REQUIRED_COLUMNS = ("series", "base_year", "base_value", "current_year", "current_value", "target_year", "target", "direction")
NUMBER_COLUMNS = ("base_year", "base_value", "current_year", "current_value", "target_year", "target", "limit")
OUTPUT_COLUMNS = ("progress_value", "status")


def format_value(value: float | None) -> str:
    """The published file's format: shortest round-trip repr of the double, empty for none."""
    return "" if value is None else repr(float(value))


def parse_number(raw: str | None) -> tuple[float | None, str | None]:
    """(value, None) or (None, error code). Empty → (None, None). Full-width digits are folded."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return None, None
    try:
        value = float(text)
    except ValueError:
        return None, "not_a_number"
    if not math.isfinite(value):
        return None, "not_finite"
    return value, None


_NUMBER_ERRORS = {
    "not_a_number": ("不是数字", "not a number"),
    "not_finite": ("必须是有限的数字", "must be a finite number"),
}


def parse_row(row: dict, rownum: int) -> tuple[ProgressInput | None, list[RowError]]:
    """One CSV record → ProgressInput, or the list of what is wrong with it."""
    errors: list[RowError] = []
    if None in row:
        errors.append(RowError(rownum, "", "字段数多于表头", "more fields than the header"))
    short = [c for c in REQUIRED_COLUMNS if row.get(c) is None]
    if short:
        errors.append(RowError(rownum, short[0], "字段数少于表头", "fewer fields than the header"))
        return None, errors
    if not row["series"].strip():
        errors.append(RowError(rownum, "series", "序列名称为空", "series is empty"))
    numbers: dict[str, float | None] = {}
    for column in NUMBER_COLUMNS:
        numbers[column], code = parse_number(row.get(column))
        if code:
            zh, en = _NUMBER_ERRORS[code]
            errors.append(RowError(rownum, column, zh, en, row.get(column) or ""))
    direction = parse_direction(row["direction"])
    if direction is None:
        errors.append(
            RowError(
                rownum,
                "direction",
                "方向必须是 1（越大越好）或 -1（越小越好）",
                "direction must be 1 (higher is better) or -1 (lower is better)",
                row["direction"],
            )
        )
    if numbers["target"] is not None and numbers["target_year"] is None and not errors:
        errors.append(RowError(rownum, "target_year", "有目标值但缺少目标年份", "target given without a target year"))
    if errors:
        return None, errors
    return ProgressInput(
        base_year=numbers["base_year"],
        base_value=numbers["base_value"],
        current_year=numbers["current_year"],
        current_value=numbers["current_value"],
        direction=direction,
        target_year=numbers["target_year"],
        target=numbers["target"],
        limit=numbers["limit"],
    ), []


def _header_errors(fieldnames: list[str] | None) -> list[RowError]:
    if not fieldnames:
        return [RowError(1, "", "文件为空或没有表头", "the file is empty or has no header")]
    errors = [RowError(1, c, "缺少必需的列", "required column is missing") for c in REQUIRED_COLUMNS if c not in fieldnames]
    dupes = sorted({c for c in fieldnames if fieldnames.count(c) > 1})
    errors += [RowError(1, c, "列名重复", "duplicate column name") for c in dupes]
    return errors


def read_csv(path: str | Path) -> tuple[list[str], list[dict], list[RowError]]:
    """Header, records and file-level errors. UTF-8 with or without BOM."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            fieldnames = [f.strip() for f in reader.fieldnames] if reader.fieldnames else []
            reader.fieldnames = fieldnames
            rows = list(reader)
    except FileNotFoundError:
        return [], [], [RowError(0, "", f"找不到文件 {path}", f"file not found: {path}")]
    except UnicodeDecodeError:
        return (
            [],
            [],
            [
                RowError(
                    0,
                    "",
                    "文件不是 UTF-8 编码（请在 Excel 中另存为“CSV UTF-8”）",
                    "the file is not UTF-8 (save it as 'CSV UTF-8' from Excel)",
                )
            ],
        )
    except csv.Error as exc:
        return [], [], [RowError(0, "", f"CSV 格式错误：{exc}", f"malformed CSV: {exc}")]
    return fieldnames, rows, _header_errors(fieldnames)


def measure_rows(fieldnames: list[str], rows: list[dict], config: ProgressConfig = DEFAULT_CONFIG):
    """(output header, output records, errors). Output records are only meaningful when errors is empty."""
    out_fields = list(fieldnames) + [c for c in OUTPUT_COLUMNS if c not in fieldnames]
    out_rows, errors = [], []
    for index, row in enumerate(rows):
        rownum = index + 2
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue  # a blank line in a spreadsheet export
        parsed, row_errors = parse_row(row, rownum)
        errors += row_errors
        if parsed is None:
            continue
        result = measure_progress(parsed, config)
        out = {k: v for k, v in row.items() if k is not None}
        out["progress_value"] = format_value(result.progress_value)
        out["status"] = result.status
        out_rows.append(out)
    return out_fields, out_rows, errors


def measure_file(input_path: str | Path, output_path: str | Path, config: ProgressConfig = DEFAULT_CONFIG) -> list[RowError]:
    """Measure every row of ``input_path`` into ``output_path``. Returns the errors; writes nothing if any."""
    fieldnames, rows, errors = read_csv(input_path)
    if errors:
        return errors
    out_fields, out_rows, errors = measure_rows(fieldnames, rows, config)
    if errors:
        return errors
    write_csv_atomically(output_path, out_fields, out_rows)
    return []


def main(argv: list[str] | None = None) -> int:
    """``python -m heluo.plan.engine.measure_csv IN OUT``: 0 on success, 1 on data errors, 2 on usage errors."""
    parser = argparse.ArgumentParser(
        prog="heluo plan measure",
        description="Statistics Canada / Open SDG progress measure for each row of a CSV file "
        "(按加拿大统计局进展评价方法逐行计算进展值与状态)",
    )
    parser.add_argument("input", help="CSV: series, base_year, base_value, current_year, current_value, target_year, target, direction")
    parser.add_argument("output", help="CSV written with progress_value and status added")
    parser.add_argument(
        "--zero-replacement",
        type=float,
        default=None,
        help="replace a zero base value or target by this (Open SDG uses 0.001); default: not computed",
    )
    args = parser.parse_args(argv)
    config = ProgressConfig(zero_replacement=args.zero_replacement)
    errors = measure_file(args.input, args.output, config)
    if errors:
        for error in errors:
            print(error, file=sys.stderr)
        print(f"{len(errors)} 处错误，未写出文件 / {len(errors)} error(s), nothing written", file=sys.stderr)
        return 1
    with open(args.output, newline="", encoding="utf-8") as fh:
        counts = Counter(r["status"] for r in csv.DictReader(fh))
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"{sum(counts.values())} rows → {args.output}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
