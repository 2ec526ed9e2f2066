"""The cells of a ``heluo qualify`` file (the command: ``qualify_csv``): ``parse_cell`` gives the typed value of
one cell or a bilingual reason (the file reader ``qualify_read`` settles plain cells column-wise and leaves the
rest to it; the what-if page uses it too), ``polars_type`` the type the engine reads, ``format_score`` the
score as written out.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

import polars as pl

from heluo.cultivation.engine.rules import STANDARD_INPUTS, InputSpec, RuleSet, extra_input_catalogue

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
# Columns
# ---------------------------------------------------------------------------------------------------
def input_specs(rs: RuleSet) -> dict[str, InputSpec]:
    """Columns understood for this rule set: the standard ones plus every catalogued optional one."""
    return {**STANDARD_INPUTS, **extra_input_catalogue(), **rs.extra_inputs}


def to_frame(rows: list[dict], rs: RuleSet) -> pl.DataFrame:
    specs = input_specs(rs)
    schema = {c: polars_type(specs[c]) for c in rows[0] if c != "_row"}
    names = list(schema)
    return pl.DataFrame([{c: r.get(c) for c in names} for r in rows], schema=schema, orient="row")


def polars_type(spec: InputSpec):
    """The Polars type of a column, as the engine reads it."""
    return {"code": pl.Utf8, "year": pl.Int64, "date": pl.Date, "bool": pl.Boolean}.get(spec.type, pl.Float64)


# ---------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------
def format_score(score) -> str:
    if score is None or score == (None, None):
        return ""
    lo, hi = (_fmt(v) for v in score)
    return lo if lo == hi else f"{lo}-{hi}"
