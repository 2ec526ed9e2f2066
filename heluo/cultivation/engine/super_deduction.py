"""The 研发费用加计扣除 (R&D super deduction) ESTIMATE and the income tax it may save; not a tax assessment.

The money arithmetic follows ``incentives`` (exact Decimal, rounded to the 分); see its module docstring."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from heluo.cultivation.engine.incentive_config import (
    ESTIMATE_DISCLAIMER_EN,
    ESTIMATE_DISCLAIMER_ZH,
    IncentiveConfig,
    industry_check,
)
from heluo.cultivation.engine.incentive_rows import (
    DEDUCTION_COLUMNS,
    MONEY,
    PROVENANCE,
    RATE,
    IncentiveRecord,
    org_sort_key,
    read_flag,
    read_money,
    read_rate,
    read_records,
    round_yuan,
    typed_frame,
)


# ---------------------------------------------------------------------------------------------------
# 研发费用加计扣除 estimate
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeductionEstimate:
    """An ESTIMATE of the R&D super deduction and the income tax it may save; not a tax assessment.

    extra_deduction = extra_on_expensed + extra_on_amortisation (each rounded to the 元), and
    estimated_tax_saving = extra_deduction × tax_rate (rounded to the 元). ``status``: estimated,
    excluded_industry (0), not_covered (year before the configured rule: nothing estimated) or unknown.
    """

    year: int | None
    rd_expense: Decimal | None
    capitalised: Decimal | None
    industry_code: str | None
    industry_check: str
    excluded_by: str | None
    special_120: bool
    special_applied: bool
    is_hte: bool | None
    status: str
    extra_rate: Decimal | None
    amortisation_rate: Decimal | None
    extra_on_expensed: int | None
    extra_on_amortisation: int | None
    extra_deduction: int | None
    tax_rate: Decimal | None
    tax_rate_basis: str | None
    estimated_tax_saving: int | None
    note_codes: str
    notes_zh: str
    notes_en: str
    rounding: str
    config_name: str
    config_version: str
    config_fingerprint: str
    disclaimer_zh: str = ESTIMATE_DISCLAIMER_ZH
    disclaimer_en: str = ESTIMATE_DISCLAIMER_EN

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _deduction_notes(cfg: IncentiveConfig) -> dict[str, tuple[str, str]]:
    ex = cfg.params["super_deduction.excluded_industries"]
    return {
        "rd_missing": ("缺少研发费用，未估算", "R&D expense missing: nothing estimated"),
        "not_covered": (
            "年度早于配置中加计扣除比例的起始年度（from_year），未估算",
            "year before the configured rule's first year (from_year): nothing estimated",
        ),
        "year_not_given": ("未给出年度，未核对比例的适用期间", "no year given: the rates' period was not checked"),
        "excluded_industry": (
            f"主营业务所属行业不适用加计扣除（{ex.number} {ex.article}）",
            f"main-business industry excluded from the super deduction ({ex.number} {ex.article})",
        ),
        "industry_not_given": ("未给出行业代码，未核对不适用行业清单", "no industry code: the excluded-industry list was not checked"),
        "industry_unrecognised": (
            "行业代码不是 GB/T 4754-2017 代码，未核对不适用行业清单",
            "industry code is not a GB/T 4754-2017 code: the excluded-industry list was not checked",
        ),
        "industry_ambiguous": (
            "行业代码过粗，清单只排除其中部分行业，按适用估算；请给出更细的代码",
            "industry code too coarse: the list excludes only part of it; estimated as eligible, give a finer code",
        ),
        "special_outside_period": (
            "集成电路/工业母机加计比例不适用于该年度，按一般比例估算",
            "the integrated-circuit / machine-tool rate does not cover this year: general rate used",
        ),
        "capitalised_missing": ("未给出无形资产摊销额，按0计", "no intangible-asset amortisation given: taken as 0"),
        "hte_unknown": ("高新技术企业资格不明，按一般税率估算", "HTE status unknown: the general tax rate is used"),
    }


def _deduction(rec: IncentiveRecord, year: int | None, cfg: IncentiveConfig, tax_rate: Decimal | None) -> DeductionEstimate:
    rules = cfg.deduction
    texts = _deduction_notes(cfg)
    notes: list[str] = []
    check, matched = industry_check(rec.industry_code, rules.excluded_industries)
    special = bool(rec.special_120)
    special_applied = special and (year is None or rules.special_from_year <= year <= rules.special_to_year)
    if year is None:
        notes.append("year_not_given")
    if special and not special_applied:
        notes.append("special_outside_period")
    notes += {"not_given": ["industry_not_given"], "unrecognised": ["industry_unrecognised"], "ambiguous": ["industry_ambiguous"]}.get(
        check, []
    )
    extra_rate = rules.special_extra_rate if special_applied else rules.extra_rate
    amort_rate = rules.special_amortisation_rate if special_applied else rules.amortisation_rate
    capitalised = rec.capitalised
    if capitalised is None:
        notes.append("capitalised_missing")
        capitalised = Decimal(0)
    if tax_rate is not None:
        rate, basis = tax_rate, "given"
    elif rec.is_hte:
        rate, basis = rules.hte_tax_rate, "hte"
    else:
        rate, basis = rules.general_tax_rate, "general"
        if rec.is_hte is None:
            notes.append("hte_unknown")
    values: dict[str, Any] = {
        "extra_on_expensed": None,
        "extra_on_amortisation": None,
        "extra_deduction": None,
        "estimated_tax_saving": None,
    }
    if rec.rd is None:
        status = "unknown"
        notes.insert(0, "rd_missing")
    elif year is not None and year < rules.from_year:
        status = "not_covered"
        notes.insert(0, "not_covered")
        extra_rate = amort_rate = None
    elif check == "excluded":
        status = "excluded_industry"
        notes.insert(0, "excluded_industry")
        values = dict.fromkeys(values, 0)
    else:
        status = "estimated"
        expensed = round_yuan(extra_rate * rec.rd, rules.rounding)
        amortised = round_yuan((amort_rate - 1) * capitalised, rules.rounding)  # the cost itself is not extra
        extra = expensed + amortised
        values = {
            "extra_on_expensed": expensed,
            "extra_on_amortisation": amortised,
            "extra_deduction": extra,
            "estimated_tax_saving": round_yuan(extra * rate, rules.rounding),
        }
    return DeductionEstimate(
        year=year,
        rd_expense=rec.rd,
        capitalised=capitalised,
        industry_code=rec.industry_code,
        industry_check=check,
        excluded_by=matched,
        special_120=special,
        special_applied=special_applied,
        is_hte=rec.is_hte,
        status=status,
        extra_rate=extra_rate,
        amortisation_rate=amort_rate,
        tax_rate=rate,
        tax_rate_basis=basis,
        **values,
        note_codes=",".join(notes),
        notes_zh="；".join(texts[n][0] for n in notes),
        notes_en="; ".join(texts[n][1] for n in notes),
        rounding=rules.rounding,
        **cfg.provenance(),
    )


def super_deduction_estimate(
    rd_expense,
    cfg: IncentiveConfig,
    *,
    capitalised=0,
    industry_code=None,
    special_120: bool = False,
    tax_rate=None,
    is_hte: bool | None = False,
    year: int | None = None,
) -> DeductionEstimate:
    """ESTIMATE (not a tax assessment) of one enterprise-year's 研发费用加计扣除 and the tax it may save.

    * ``rd_expense``: R&D expensed in the year (未形成无形资产、计入当期损益), in 元. Extra deduction =
      ``extra_rate`` × it (100%, 财政部 税务总局公告2023年第7号, [C]).
    * ``capitalised``: the year's amortisation of intangible assets formed by R&D, in 元. Amortised at
      ``amortisation_rate`` (200%) of cost, so the extra part is (200% − 100%) × the amortisation.
    * ``special_120``: integrated-circuit or machine-tool (工业母机) enterprise: ``special_extra_rate``
      (120%) and ``special_amortisation_rate`` (220%) within their years (公告2023年第44号, [M]).
    * ``industry_code``: main-business GB/T 4754-2017 code; an industry on ``excluded_industries``
      (财税〔2015〕119号 第四条, [M]) gets 0. Not given or not recognised: estimated, with a note.
    * ``tax_rate``: an applicable income-tax rate (e.g. a small low-profit enterprise's); else
      ``hte_tax_rate`` (15%, 企业所得税法 第二十八条) when ``is_hte``, otherwise ``general_tax_rate``
      (25%, 第四条). estimated_tax_saving = extra_deduction × rate, assuming taxable income suffices.
    * ``year``: checks the rates' period (before ``from_year`` nothing is estimated); None skips the check.

    Amounts are rounded to the 元 per ``super_deduction.rounding``. Returns a ``DeductionEstimate``.
    """
    where = "super_deduction_estimate"
    rate = read_rate(tax_rate, "tax_rate", where)
    rec = IncentiveRecord(
        org=0,
        year=year if year is not None else 0,
        rd=read_money(rd_expense, "rd_expense", where),
        capitalised=read_money(capitalised, "capitalised", where),
        industry_code=None if industry_code is None or not str(industry_code).strip() else str(industry_code).strip(),
        special_120=read_flag(special_120, "special_120", where),
        is_hte=read_flag(is_hte, "is_hte", where),
    )
    return _deduction(rec, year, cfg, rate)


_DEDUCTION_SCHEMA = {
    "year": pl.Int64,
    "status": pl.String,
    "rd_expense": MONEY,
    "capitalised": MONEY,
    "industry_code": pl.String,
    "industry_check": pl.String,
    "excluded_by": pl.String,
    "special_120": pl.Boolean,
    "special_applied": pl.Boolean,
    "extra_rate": RATE,
    "amortisation_rate": RATE,
    "extra_on_expensed": pl.Int64,
    "extra_on_amortisation": pl.Int64,
    "extra_deduction": pl.Int64,
    "is_hte": pl.Boolean,
    "tax_rate": RATE,
    "tax_rate_basis": pl.String,
    "estimated_tax_saving": pl.Int64,
    "note_codes": pl.String,
    "notes_zh": pl.String,
    "notes_en": pl.String,
    "rounding": pl.String,
    **PROVENANCE,
}


def super_deduction_frame(frame, cfg: IncentiveConfig, *, year: int | None = None) -> pl.DataFrame:
    """``super_deduction_estimate`` for every row (or only the rows of ``year``): an ESTIMATE, not a tax
    assessment. Reads ``organization_id, year, rd_expense`` and optionally ``capitalised``, ``industry_code``,
    ``special_120``, ``is_hte``, ``tax_rate`` (a row's own applicable rate). Each row's own year checks the
    rates' period. Columns: those of ``DeductionEstimate`` (without the disclaimer) plus organization_id.
    """
    rows = []
    for (org, y), rec in sorted(read_records(frame, DEDUCTION_COLUMNS).items(), key=lambda kv: (org_sort_key(kv[0][0]), kv[0][1])):
        if year is not None and y != year:
            continue
        est = _deduction(rec, y, cfg, rec.tax_rate)
        rows.append({"organization_id": org, **est.as_dict()})
    return typed_frame(rows, _DEDUCTION_SCHEMA)
