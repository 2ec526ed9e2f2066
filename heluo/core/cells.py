"""Turning spreadsheet cells into values, the way bureau spreadsheets actually arrive: full-width digits,
thousands separators, dates typed as text or stored as Excel serial numbers. Pure functions, no Django.

A parser returns the value (None for an empty cell) or raises CellError with a Chinese and an English reason.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row: header = 1, first data row = 2; 0 for file-level errors
    column: str
    reason_zh: str
    reason_en: str
    value: str = ""

    def __str__(self) -> str:
        where_zh = f"第{self.row}行" + (f"“{self.column}”列" if self.column else "")
        where_en = f"row {self.row}" + (f", column '{self.column}'" if self.column else "")
        shown = f"（{self.value!r}）" if self.value else ""
        return f"{where_zh}{shown}：{self.reason_zh} / {where_en}: {self.reason_en}"


def write_csv_atomically(path, fieldnames, rows) -> None:
    """Write a CSV so that a reader never sees half a file and a failure leaves nothing behind."""
    import csv

    with replacing(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@contextmanager
def replacing(path):
    """A temporary path beside ``path`` to write to; it replaces ``path`` at once when the block succeeds and is
    removed when it fails."""
    import os
    import tempfile
    from pathlib import Path

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix or ".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class CellError(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


EMPTY_MARKERS = {"", "-", "—", "–", "/", "无", "n/a", "N/A", "NA", "null", "None"}
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's fictitious 1900-02-29


def clean_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return text.replace("\u00a0", " ").replace("\u3000", " ").strip()


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) in EMPTY_MARKERS)


def parse_text(value, max_length: int | None = None):
    if is_empty(value):
        return None
    text = clean_text(value)
    if max_length and len(text) > max_length:
        raise CellError(f"文字过长（最多{max_length}个字符）", f"text too long (at most {max_length} characters)")
    return text


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_decimal(value, *, allow_negative=False) -> Decimal | None:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise CellError("应为数字，实为逻辑值", "expected a number, got a boolean")
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        text = clean_text(value)
        negative = text.startswith("(") and text.endswith(")")  # accountants' negatives
        text = text.strip("()").replace(",", "").replace(" ", "").replace("'", "")
        if text.endswith("元") or text.endswith("¥") or text.startswith("¥"):
            text = text.strip("元¥")
        if not _NUMBER.match(text):
            raise CellError(f"“{clean_text(value)}”不是有效的数字", f"'{clean_text(value)}' is not a valid number")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(f"“{clean_text(value)}”不是有效的数字", f"'{clean_text(value)}' is not a valid number") from None
        if negative:
            number = -number
    if not number.is_finite():
        raise CellError("不是有效的数字", "not a valid number")
    if number < 0 and not allow_negative:
        raise CellError(f"不能为负数（{number}）", f"must not be negative ({number})")
    return number


def parse_int(value) -> int | None:
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(f"应为整数，实为{number}", f"expected a whole number, got {number}")
    return int(number)


def parse_year(value) -> int | None:
    year = parse_int(value)
    if year is not None and not 1900 <= year <= 2100:
        raise CellError(f"年份{year}超出范围", f"year {year} out of range")
    return year


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def excel_serial_to_date(serial: float) -> dt.date:
    if not 1 <= serial < 2958466:
        raise CellError(f"日期序号{serial}超出范围", f"date serial {serial} out of range")
    if serial < 61:  # before Excel's fictitious 1900-02-29
        serial += 1
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_date(value) -> dt.date | None:
    if is_empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial_to_date(value)
    text = clean_text(value).replace(" ", "")
    if re.fullmatch(r"\d{5}(\.\d+)?", text):  # a serial number that arrived as text
        return excel_serial_to_date(float(text))
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    raise CellError(
        f"“{clean_text(value)}”不是有效的日期（请用 2024-03-31 格式）", f"'{clean_text(value)}' is not a valid date (use 2024-03-31)"
    )


_TRUE = {"是", "true", "yes", "y", "1", "√", "✓", "t", "有"}
_FALSE = {"否", "false", "no", "n", "0", "×", "✗", "f", "无"}


def parse_bool(value) -> bool | None:
    if value is None or (isinstance(value, str) and clean_text(value) == ""):
        return None
    if isinstance(value, bool):
        return value
    text = clean_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"“{clean_text(value)}”应为“是”或“否”", f"'{clean_text(value)}' must be yes or no")


def make_choice_parser(choices):
    """choices: iterable of (value, label...) — matches the stored value or any label, case-insensitively."""
    lookup = {}
    for value, *labels in choices:
        for key in (value, *labels):
            lookup[clean_text(str(key)).lower()] = value
    shown = "、".join(str(c[1] if len(c) > 1 else c[0]) for c in choices)

    def parse(value):
        if is_empty(value):
            return None
        found = lookup.get(clean_text(value).lower())
        if found is None:
            raise CellError(f"“{clean_text(value)}”不是可选值（{shown}）", f"'{clean_text(value)}' is not one of the allowed values")
        return found

    return parse


def split_list(value) -> list[str]:
    """Several values in one cell: separated by ；;，,、 or newlines."""
    if is_empty(value):
        return []
    return [p for p in (s.strip() for s in re.split(r"[;；,，、\n]+", clean_text(value))) if p]


def parse_checked_code(value, check, what_zh: str, what_en: str):
    """A code with a check character (统一社会信用代码, 身份证号码): normalised, or a CellError saying what is wrong."""
    text = parse_text(value)
    if text is None:
        return None
    result = check(text)
    if not result.valid:
        raise CellError(f"{what_zh}无效：{result.reason_zh}", f"invalid {what_en}: {result.reason_en}")
    return result.code


# --- whole columns: a spreadsheet's column is parsed at once, equal cells once, numbers by a shortcut ---------

_MISSING = MISSING = object()
_EXACT_FLOAT = 2.0**53


def column_shortcut(parse, shortcut):
    """Give parse a whole-column shortcut: shortcut(values) gives each cell's value, or MISSING where parse must
    see the cell itself. The shortcut must give the values parse would (a test compares them)."""
    parse.many = lambda values: _each(parse, values, shortcut(values))
    return parse


def parse_many(parse, values: list) -> list:
    """parse(v) for every cell of a column: the value, or the CellError it raised. The same answers as calling
    parse cell by cell (numbers as openpyxl read them: a whole number is an int); a parser may declare a faster
    way for a whole column as its attribute `many`."""
    many = getattr(parse, "many", None)
    return many(values) if many is not None else _each(parse, values)


def _each(parse, values: list, out: list | None = None) -> list:
    """parse for each cell, equal cells once (out: the results so far, _MISSING where still to be parsed)."""
    cache: dict = {}
    results = out if out is not None else [_MISSING] * len(values)
    for i in [i for i, r in enumerate(results) if r is _MISSING] if out is not None else range(len(values)):
        v = values[i]
        if v.__class__ is float and v.is_integer() and -_EXACT_FLOAT < v < _EXACT_FLOAT:
            v = int(v)  # calamine reads every number as a float; openpyxl read "5" as 5 …
        elif v.__class__ is dt.date:
            v = dt.datetime(v.year, v.month, v.day)  # … and a date cell as a datetime
        key = v if v.__class__ is str else (v.__class__, v)  # 1, 1.0 and True are equal, not the same cell
        result = cache.get(key, _MISSING)
        if result is _MISSING:
            try:
                result = parse(v)
            except CellError as exc:
                result = exc
            cache[key] = result
        results[i] = result
    return results


def _whole_numbers(low: int, high: int, parse):
    """A column shortcut for whole-number parsers: a float that is a whole number within [low, high] is that int."""

    def many(values: list) -> list:
        out = [int(v) if v.__class__ is float and low <= v <= high and v.is_integer() else _MISSING for v in values]
        return _each(parse, values, out)

    return many


parse_int.many = _whole_numbers(0, _EXACT_FLOAT, parse_int)
parse_year.many = _whole_numbers(1900, 2100, parse_year)


def money_many(values: list, factor: int, quantum: Decimal) -> list:
    """(parse_decimal(v) * factor).quantize(quantum) for every cell, or the CellError. A float is taken at its
    shortest decimal form (as str() writes it); where that form has no more decimals than the quantum keeps after
    the factor, the result is exact in binary too (below 2**52 units of the quantum, only one such decimal rounds
    to the float), so it is computed as a whole number of quanta without decimal arithmetic."""
    scale = int(factor / quantum)
    bound = 2.0**52 / scale
    # int(x + 0.5) rounds as round() does but at a tie, where the float is not such a decimal and the check fails anyway
    units = [int(v * scale + 0.5) if v.__class__ is float and 0.0 < v < bound else 0 for v in values]
    exact = [n > 0 and n / scale == v for n, v in zip(units, values)]
    out = [d if ok else _MISSING for d, ok in zip(map(quantum.__mul__, map(Decimal, units)), exact)]
    if all(exact):  # (not `_MISSING in out`: that compares every Decimal with it, slowly)
        return out

    def slow(v):
        number = parse_decimal(v)
        return None if number is None else (number * factor).quantize(quantum)

    return _each(slow, values, out)
