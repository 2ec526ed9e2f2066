"""The input rows of the R&D incentives: money read exactly as Decimal (to the 分), rates, flags,
one record per enterprise and year, and the typed Polars frames the results are returned in."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl

from heluo.cultivation.engine.incentive_config import (
    FEN,
    ROUNDING_MODES,
    YUAN,
    IncentiveInputError,
    to_decimal,
)


# Input rows
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IncentiveRecord:
    org: Any
    year: int
    rd: Decimal | None
    sales: Decimal | None = None
    rd_eligible: Decimal | None = None
    is_hte: bool | None = None
    is_tech_sme: bool | None = None
    industry_code: str | None = None
    capitalised: Decimal | None = None
    special_120: bool | None = None
    tax_rate: Decimal | None = None


LIST_COLUMNS = ("organization_id", "year", "rd_expense", "sales_revenue")
DEDUCTION_COLUMNS = ("organization_id", "year", "rd_expense")


def read_money(value, col: str, where: str, negative_ok: bool = False) -> Decimal | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and not value.strip()):
        return None
    d = to_decimal(value)
    if d is None:
        raise IncentiveInputError(f"{where}: {col} 不是金额 / is not an amount: {value!r}")
    if d < 0 and not negative_ok:
        raise IncentiveInputError(f"{where}: {col} 不能为负 / may not be negative: {value}")
    return d.quantize(FEN, rounding=ROUND_HALF_UP)


def read_rate(value, col: str, where: str) -> Decimal | None:
    """A rate from 0 to 1, kept with every decimal (not rounded like money); None/NaN/empty = not given."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and not value.strip()):
        return None
    d = to_decimal(value)
    if d is None or not Decimal(0) <= d <= Decimal(1):
        raise IncentiveInputError(f"{where}: {col} 须为0到1之间的数 / must be a number from 0 to 1: {value!r}")
    return d


def read_flag(value, col: str, where: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise IncentiveInputError(f"{where}: {col} 须为 true/false/空 / must be true, false or empty: {value!r}")


def read_org(value, where: str):
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise IncentiveInputError(f"{where}: 缺少 organization_id / organization_id is missing")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return value.strip()
    raise IncentiveInputError(f"{where}: organization_id 须为整数或字符串 / must be a whole number or text: {value!r}")


def read_year(value, where: str) -> int:
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int):
        raise IncentiveInputError(f"{where}: year 须为整数年份 / year must be a whole number: {value!r}")
    return value


def read_records(data, required: tuple[str, ...]) -> dict[tuple[Any, int], IncentiveRecord]:
    """Read the input rows; missing optional columns are unknown. Duplicate (organization, year) is an error."""
    if isinstance(data, pl.DataFrame):
        missing = [c for c in required if c not in data.columns]
        if missing:
            raise IncentiveInputError(f"缺少列 / missing columns: {', '.join(missing)}")
        rows: Iterable[Mapping] = data.iter_rows(named=True)
    elif isinstance(data, Iterable) and not isinstance(data, (str, bytes, Mapping)):
        rows = list(data)
        for i, r in enumerate(rows):
            if not isinstance(r, Mapping):
                raise IncentiveInputError(f"第{i + 1}行不是字典 / row {i + 1} is not a dict")
            missing = [c for c in required if c not in r]
            if missing:
                raise IncentiveInputError(f"第{i + 1}行缺少列 / row {i + 1} lacks columns: {', '.join(missing)}")
    else:
        raise IncentiveInputError("输入须为 Polars DataFrame 或字典列表 / input must be a Polars DataFrame or a list of dicts")
    out: dict[tuple[Any, int], IncentiveRecord] = {}
    for i, r in enumerate(rows):
        where = f"第{i + 1}行 / row {i + 1}"
        org, year = read_org(r.get("organization_id"), where), read_year(r.get("year"), where)
        where = f"organization_id={org}, year={year}"
        if (org, year) in out:
            raise IncentiveInputError(f"{where}: 重复的企业年度行 / duplicate row for this enterprise and year")
        tax_rate = read_rate(r.get("tax_rate"), "tax_rate", where)
        code = r.get("industry_code")
        out[(org, year)] = IncentiveRecord(
            org=org,
            year=year,
            rd=read_money(r.get("rd_expense"), "rd_expense", where),
            sales=read_money(r.get("sales_revenue"), "sales_revenue", where, negative_ok=True),
            rd_eligible=read_money(r.get("rd_expense_eligible"), "rd_expense_eligible", where),
            is_hte=read_flag(r.get("is_hte"), "is_hte", where),
            is_tech_sme=read_flag(r.get("is_tech_sme"), "is_tech_sme", where),
            industry_code=None if code is None or not str(code).strip() else str(code).strip(),
            capitalised=read_money(r.get("capitalised"), "capitalised", where),
            special_120=read_flag(r.get("special_120"), "special_120", where),
            tax_rate=tax_rate,
        )
    return out


def org_sort_key(org) -> tuple:
    return (0, org, "") if isinstance(org, int) else (1, 0, org)  # ints before text, both in natural order


def org_dtype(orgs) -> pl.DataType:
    return pl.Int64 if all(isinstance(o, int) for o in orgs) else pl.String


MONEY = pl.Decimal(38, 2)
RATE = pl.Decimal(38, 6)
RAW = pl.Decimal(38, 8)  # rate (≤ 6 decimals) × money (2 decimals): exact before capping and rounding
PROVENANCE = {"config_name": pl.String, "config_version": pl.String, "config_fingerprint": pl.String}


def typed_frame(rows: list[dict], schema: dict) -> pl.DataFrame:
    schema = {"organization_id": org_dtype([r["organization_id"] for r in rows]), **schema}
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema, orient="row")


# ---------------------------------------------------------------------------------------------------
# 十强: largest R&D expense
# ---------------------------------------------------------------------------------------------------
def round_yuan(amount: Decimal, mode: str) -> int:
    return int(amount.quantize(YUAN, rounding=ROUNDING_MODES[mode]))
