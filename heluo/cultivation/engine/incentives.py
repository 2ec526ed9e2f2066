"""R&D incentives: the yearly 十强十快 lists, the 基础+增量 R&D subsidy and the 研发费用加计扣除 estimate.

Plain Python and Polars, no Django: services, the CLI and the tests call these functions with a Polars
DataFrame (or a list of dicts) and get a Polars DataFrame back.

Inputs
    One row per enterprise and accounting year: ``organization_id, year, rd_expense, sales_revenue``
    (money in 元; ``None`` = unknown), optionally ``is_hte``, ``is_tech_sme`` (qualifications held that
    year; ``None`` = unknown), ``industry_code`` (GB/T 4754-2017, main business), ``rd_expense_eligible``
    (R&D accepted for the super deduction, when the subsidy is computed on it), and for the deduction
    ``capitalised`` (the year's amortisation of intangible assets formed by R&D), ``special_120``
    (integrated-circuit / machine-tool enterprise) and ``tax_rate`` (an applicable rate, overriding the
    configured ones). ``year`` is always the accounting year of the R&D expense, not the year of selection
    or payment; growth and increment read ``year − 1``.

Parameters
    Every rate, minimum, cap, list size and tie rule is data: ``config/<name>.json``, loaded and validated by
    ``load_incentive_config``. Each parameter cites a document, an article and a confidence tag (C/S/M/NF,
    as in policy-rules.md). The shipped ``rd-incentives-example`` is an EXAMPLE: its 十强十快 and 基础+增量
    values are not official figures and must be set from the bureau's own documents.

Arithmetic
    Money is exact: every amount is read as a Decimal (a float through its shortest repr, so 0.1 is 0.1)
    and rounded half up to the 分 (0.01 元) on input. Ratios (R&D intensity, growth) are exact fractions;
    the float columns in the output are for display only. Polars carries the tables in and out but does
    no money arithmetic: its Decimal products are cut to the operand's scale and it rounds half to even
    (checked on Polars 2.1), which would shift a subsidy by a 分 or a 元.

Traceability
    Every output row carries the inputs it used, the parameters applied and the configuration's name,
    version and fingerprint (a hash of the effective parameter values, so an overridden parameter shows).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl

from heluo.cultivation.engine.incentive_config import (
    IncentiveConfig,
)
from heluo.cultivation.engine.incentive_rows import (
    LIST_COLUMNS,
    MONEY,
    PROVENANCE,
    RATE,
    RAW,
    IncentiveRecord,
    org_sort_key,
    read_records,
    round_yuan,
    typed_frame,
)

# ---------------------------------------------------------------------------------------------------
# Shared pieces of the lists and the subsidy
# ---------------------------------------------------------------------------------------------------
REASONS: dict[str, tuple[str, str]] = {
    "missing_rd": ("缺少当年研发费用", "the year's R&D expense is missing"),
    "missing_eligible_rd": ("缺少当年可加计扣除研发费用（奖补基数）", "the year's eligible R&D expense (the subsidy base) is missing"),
    "rd_below_min": ("当年研发费用低于下限", "the year's R&D expense is below the minimum"),
    "missing_sales": ("缺少销售收入，研发投入强度未知", "sales revenue missing: R&D intensity unknown"),
    "intensity_undefined": ("销售收入不为正，研发投入强度无定义", "sales revenue not positive: R&D intensity undefined"),
    "intensity_below_min": ("研发投入强度低于下限", "R&D intensity below the minimum"),
    "qualification_missing": ("不具备所要求的资格", "holds none of the required qualifications"),
    "qualification_unknown": ("所要求的资格情况不明", "the required qualifications are unknown"),
    "missing_prior": ("缺少上年研发费用", "the prior year's R&D expense is missing"),
    "prior_zero": ("上年研发费用为零，增速无定义", "prior-year R&D expense is zero: growth undefined"),
    "prior_below_min": ("上年研发费用基数低于下限", "the prior-year R&D base is below the minimum"),
    "growth_below_min": ("研发费用增速低于下限", "R&D growth below the minimum"),
    "on_top_list": ("已入选研发投入“十强”", "already on the largest-R&D list"),
    "beyond_size": ("排名在名额之外", "ranked beyond the number of places"),
}


def _reason(code: str | None) -> dict:
    zh, en = REASONS[code] if code else (None, None)
    return {"reason_code": code, "reason_zh": zh, "reason_en": en}


def _qualification(rec: IncentiveRecord, require: tuple[str, ...]) -> str | None:
    """None when eligible; any required flag true is enough, all false fails, otherwise unknown."""
    if not require:
        return None
    values = [getattr(rec, f) for f in require]
    if any(v is True for v in values):
        return None
    return "qualification_missing" if all(v is False for v in values) else "qualification_unknown"


def _intensity(rec: IncentiveRecord) -> Fraction | None:
    if rec.rd is None or rec.sales is None or rec.sales <= 0:
        return None
    return Fraction(rec.rd) / Fraction(rec.sales)


def _intensity_reason(rec: IncentiveRecord, minimum: Decimal | None) -> str | None:
    if minimum is None:
        return None
    if rec.sales is None:
        return "missing_sales"
    if rec.sales <= 0:
        return "intensity_undefined"
    return "intensity_below_min" if _intensity(rec) < Fraction(minimum) else None


def _rank(items: list[dict], primary: str, secondary, size: int, ties: str) -> None:
    """Rank in place: ``rank`` (1.. after tie-breaks), ``shared_rank`` (ties on ``primary`` share a place,
    competition style 1, 2, 2, 4) and ``listed``. Order: primary descending, then ``secondary(item)``
    ascending, then organization id (integers ascending, then text ascending), so the result never depends
    on input order. ``ties="break"`` lists exactly the first ``size``; ``"include_all"`` lists everyone whose
    shared rank is within ``size`` (the list may then be longer)."""
    items.sort(key=lambda it: (-it[primary], secondary(it), org_sort_key(it["rec"].org)))
    for i, it in enumerate(items):
        prev = items[i - 1] if i else None
        it["rank"] = i + 1
        it["shared_rank"] = prev["shared_rank"] if prev is not None and prev[primary] == it[primary] else i + 1
        it["listed"] = (it["rank"] if ties == "break" else it["shared_rank"]) <= size


def _float(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


_TOP_SCHEMA = {
    "rank": pl.Int64,
    "shared_rank": pl.Int64,
    "year": pl.Int64,
    "rd_expense": MONEY,
    "sales_revenue": MONEY,
    "rd_intensity": pl.Float64,
    "is_hte": pl.Boolean,
    "is_tech_sme": pl.Boolean,
    "listed": pl.Boolean,
    "reason_code": pl.String,
    "reason_zh": pl.String,
    "reason_en": pl.String,
    "list_size": pl.Int64,
    "min_rd_expense": MONEY,
    "min_rd_intensity": RATE,
    "require_any_of": pl.String,
    "ties": pl.String,
    **PROVENANCE,
}


def _top_items(recs: dict, year: int, cfg: IncentiveConfig) -> list[dict]:
    rules = cfg.top
    items = []
    for (_, y), rec in recs.items():
        if y != year:
            continue
        if rec.rd is None:
            reason = "missing_rd"
        elif rules.min_rd_expense is not None and rec.rd < rules.min_rd_expense:
            reason = "rd_below_min"
        else:
            reason = _intensity_reason(rec, rules.min_rd_intensity) or _qualification(rec, rules.require_any_of)
        items.append({"rec": rec, "rd": rec.rd, "intensity": _intensity(rec), "reason": reason})
    ranked = [it for it in items if it["reason"] is None]
    # Equal R&D: higher intensity first (unknown intensity last), then organization id.
    _rank(ranked, "rd", lambda it: (it["intensity"] is None, -(it["intensity"] or 0)), rules.size, rules.ties)
    for it in ranked:
        if not it["listed"]:
            it["reason"] = "beyond_size"
    return items


def _top_rows(items: list[dict], cfg: IncentiveConfig, include_excluded: bool) -> list[dict]:
    rules = cfg.top
    common = {
        "list_size": rules.size,
        "min_rd_expense": rules.min_rd_expense,
        "min_rd_intensity": rules.min_rd_intensity,
        "require_any_of": ",".join(rules.require_any_of),
        "ties": rules.ties,
        **cfg.provenance(),
    }
    rows = []
    for it in _ordered(items):
        if not include_excluded and not it.get("listed"):
            continue
        rec = it["rec"]
        rows.append(
            {
                "rank": it.get("rank"),
                "shared_rank": it.get("shared_rank"),
                "organization_id": rec.org,
                "year": rec.year,
                "rd_expense": rec.rd,
                "sales_revenue": rec.sales,
                "rd_intensity": _float(it["intensity"]),
                "is_hte": rec.is_hte,
                "is_tech_sme": rec.is_tech_sme,
                "listed": bool(it.get("listed")),
                **_reason(it["reason"]),
                **common,
            }
        )
    return rows


def _ordered(items: list[dict]) -> list[dict]:
    """Ranked items by rank, then the excluded ones by organization id."""
    return sorted(items, key=lambda it: (it.get("rank") is None, it.get("rank") or 0, org_sort_key(it["rec"].org)))


def top_rd_expense(frame, year: int, cfg: IncentiveConfig, *, include_excluded: bool = False) -> pl.DataFrame:
    """The 十强 list of ``year``: enterprises ranked by that year's R&D expense, the first ``size``.

    Only enterprises meeting the configured minimums take part: R&D expense ≥ ``min_rd_expense``, R&D
    intensity (R&D expense / sales revenue) ≥ ``min_rd_intensity`` (unknown or non-positive sales fail it),
    and one of ``require_any_of`` held (unknown fails). All minimums are inclusive.

    Ties: equal R&D expense share ``shared_rank``; ``rank`` orders them by R&D intensity (higher first,
    unknown last) and then by organization id, so the result never depends on row order. With
    ``ties="include_all"`` everyone tied at the last place is listed (the list may exceed ``size``).

    Columns: rank, shared_rank, organization_id, year, rd_expense, sales_revenue, rd_intensity (float, for
    display), is_hte, is_tech_sme, listed, reason_code/zh/en, the parameters applied (list_size,
    min_rd_expense, min_rd_intensity, require_any_of, ties) and config_name/version/fingerprint.
    ``include_excluded=True`` also returns the year's other enterprises with the reason they are not listed.
    """
    items = _top_items(read_records(frame, LIST_COLUMNS), year, cfg)
    return typed_frame(_top_rows(items, cfg, include_excluded), _TOP_SCHEMA)


# ---------------------------------------------------------------------------------------------------
# 十快: fastest R&D growth
# ---------------------------------------------------------------------------------------------------
_GROWTH_SCHEMA = {
    "rank": pl.Int64,
    "shared_rank": pl.Int64,
    "year": pl.Int64,
    "rd_expense": MONEY,
    "rd_expense_prior": MONEY,
    "rd_increase": MONEY,
    "rd_growth": pl.Float64,
    "sales_revenue": MONEY,
    "rd_intensity": pl.Float64,
    "is_hte": pl.Boolean,
    "is_tech_sme": pl.Boolean,
    "on_top_list": pl.Boolean,
    "listed": pl.Boolean,
    "reason_code": pl.String,
    "reason_zh": pl.String,
    "reason_en": pl.String,
    "list_size": pl.Int64,
    "min_prior_rd_expense": MONEY,
    "min_rd_expense": MONEY,
    "min_rd_intensity": RATE,
    "min_growth": RATE,
    "exclude_top_list": pl.Boolean,
    "require_any_of": pl.String,
    "ties": pl.String,
    **PROVENANCE,
}


def fastest_rd_growth(frame, year: int, cfg: IncentiveConfig, *, include_excluded: bool = False) -> pl.DataFrame:
    """The 十快 list of ``year``: enterprises ranked by R&D growth rd[year] / rd[year − 1] − 1, the first ``size``.

    Only where the prior-year base is at least ``min_prior_rd_expense`` (always above 0, so a tiny base
    cannot top the list and growth is defined), the year's R&D expense ≥ ``min_rd_expense``, growth ≥
    ``min_growth``, the optional intensity minimum and ``require_any_of`` (all inclusive). A missing prior
    year or prior R&D excludes the enterprise. With ``exclude_top_list`` the enterprises listed by
    ``top_rd_expense`` (same data, same configuration) are left out before the places are filled.

    Ties: equal growth (exact fractions) share ``shared_rank``; ``rank`` orders them by the increase in 元
    (larger first), then by organization id. ``ties`` as for ``top_rd_expense``.

    Columns: rank, shared_rank, organization_id, year, rd_expense, rd_expense_prior, rd_increase, rd_growth
    (float, for display), sales_revenue, rd_intensity, is_hte, is_tech_sme, on_top_list, listed,
    reason_code/zh/en, the parameters applied and config_name/version/fingerprint.
    """
    recs = read_records(frame, LIST_COLUMNS)
    rules = cfg.growth
    on_top = {it["rec"].org for it in _top_items(recs, year, cfg) if it.get("listed")}
    items = []
    for (org, y), rec in recs.items():
        if y != year:
            continue
        prior_rec = recs.get((org, year - 1))
        prior = prior_rec.rd if prior_rec is not None else None
        growth = None if rec.rd is None or not prior else Fraction(rec.rd) / Fraction(prior) - 1
        if rec.rd is None:
            reason = "missing_rd"
        elif prior is None:
            reason = "missing_prior"
        elif prior == 0:
            reason = "prior_zero"
        elif prior < rules.min_prior_rd_expense:
            reason = "prior_below_min"
        elif rules.min_rd_expense is not None and rec.rd < rules.min_rd_expense:
            reason = "rd_below_min"
        elif rules.min_growth is not None and growth < Fraction(rules.min_growth):
            reason = "growth_below_min"
        else:
            reason = _intensity_reason(rec, rules.min_rd_intensity) or _qualification(rec, rules.require_any_of)
        if reason is None and rules.exclude_top_list and org in on_top:
            reason = "on_top_list"
        items.append(
            {
                "rec": rec,
                "prior": prior,
                "growth": growth,
                "reason": reason,
                "increase": None if rec.rd is None or prior is None else rec.rd - prior,
            }
        )
    ranked = [it for it in items if it["reason"] is None]
    _rank(ranked, "growth", lambda it: -it["increase"], rules.size, rules.ties)
    common = {
        "list_size": rules.size,
        "min_prior_rd_expense": rules.min_prior_rd_expense,
        "min_rd_expense": rules.min_rd_expense,
        "min_rd_intensity": rules.min_rd_intensity,
        "min_growth": rules.min_growth,
        "exclude_top_list": rules.exclude_top_list,
        "require_any_of": ",".join(rules.require_any_of),
        "ties": rules.ties,
        **cfg.provenance(),
    }
    rows = []
    for it in _ordered(items):
        if it["reason"] is None and not it["listed"]:
            it["reason"] = "beyond_size"
        if not include_excluded and not it.get("listed"):
            continue
        rec = it["rec"]
        rows.append(
            {
                "rank": it.get("rank"),
                "shared_rank": it.get("shared_rank"),
                "organization_id": rec.org,
                "year": rec.year,
                "rd_expense": rec.rd,
                "rd_expense_prior": it["prior"],
                "rd_increase": it["increase"],
                "rd_growth": _float(it["growth"]),
                "sales_revenue": rec.sales,
                "rd_intensity": _float(_intensity(rec)),
                "is_hte": rec.is_hte,
                "is_tech_sme": rec.is_tech_sme,
                "on_top_list": rec.org in on_top,
                "listed": bool(it.get("listed")),
                **_reason(it["reason"]),
                **common,
            }
        )
    return typed_frame(rows, _GROWTH_SCHEMA)


# ---------------------------------------------------------------------------------------------------
# 基础+增量 subsidy
# ---------------------------------------------------------------------------------------------------
_SUBSIDY_SCHEMA = {
    "year": pl.Int64,
    "status": pl.String,
    "reason_code": pl.String,
    "reason_zh": pl.String,
    "reason_en": pl.String,
    "measure": pl.String,
    "base_amount": MONEY,
    "prior_amount": MONEY,
    "prior_basis": pl.String,
    "increase": MONEY,
    "base_rate": RATE,
    "base_part_uncapped": RAW,
    "base_cap": pl.Int64,
    "base_capped": pl.Boolean,
    "base_part": pl.Int64,
    "increment_rate": RATE,
    "increment_part_uncapped": RAW,
    "increment_cap": pl.Int64,
    "increment_capped": pl.Boolean,
    "increment_part": pl.Int64,
    "subtotal": pl.Int64,
    "total_cap": pl.Int64,
    "total_cap_reduction": pl.Int64,
    "after_caps": pl.Int64,
    "budget": pl.Int64,
    "budget_sum": pl.Int64,
    "budget_exceeded": pl.Boolean,
    "over_budget": pl.String,
    "scale_factor": pl.Float64,
    "budget_reduction": pl.Int64,
    "subsidy": pl.Int64,
    "rounding": pl.String,
    "is_hte": pl.Boolean,
    "is_tech_sme": pl.Boolean,
    **PROVENANCE,
}


def _capped(raw: Decimal, cap: int | None, mode: str) -> tuple[int, bool]:
    """Cap, then round to the 元. Caps are whole 元, so capping before or after rounding gives the same."""
    if cap is not None and raw > cap:
        return cap, True
    return round_yuan(raw, mode), False


def base_plus_increment_subsidy(frame, year: int, cfg: IncentiveConfig) -> pl.DataFrame:
    """The 基础+增量 R&D subsidy of ``year``, per enterprise, with every step shown.

    For each enterprise with a row for ``year`` (B = the configured ``measure``: R&D expense, or the eligible
    R&D accepted for the super deduction; P = the same for ``year − 1``):

    1. eligibility: B known, B ≥ ``min_rd_expense`` and one of ``require_any_of`` held, else ``ineligible``
       (subsidy 0) or ``unknown`` (subsidy null, when B or a required qualification is unknown);
    2. base_part = min(base_rate × B, base_cap), rounded to the 元 (``rounding``: half_up = 四舍五入, or down);
    3. increment_part = min(increment_rate × max(0, B − P), increment_cap), rounded the same way. When P is
       missing, ``prior_missing`` decides: no_increment (0), as_zero (P = 0) or unknown (row unknown);
    4. subtotal = base_part + increment_part; after_caps = min(subtotal, total_cap);
    5. budget: when the sum of after_caps over computed rows exceeds ``budget`` and ``over_budget`` is
       pro_rata, subsidy = floor(after_caps × budget / sum) — rounded down so the total never exceeds the
       budget; the few 元 left over stay unallocated. report_only keeps after_caps and flags the excess.

    So subsidy = base_part + increment_part − total_cap_reduction − budget_reduction, all in whole 元.
    Caps (whole 元) and rates are parameters; see the configuration for their citations.
    """
    recs = read_records(frame, LIST_COLUMNS)
    rules = cfg.subsidy
    eligible_col = rules.measure == "rd_expense_eligible"
    common = {
        "measure": rules.measure,
        "base_rate": rules.base_rate,
        "base_cap": rules.base_cap,
        "increment_rate": rules.increment_rate,
        "increment_cap": rules.increment_cap,
        "total_cap": rules.total_cap,
        "budget": rules.budget,
        "over_budget": rules.over_budget,
        "rounding": rules.rounding,
        **cfg.provenance(),
    }
    rows = []
    for (org, y), rec in sorted(recs.items(), key=lambda kv: org_sort_key(kv[0][0])):
        if y != year:
            continue
        row = {"organization_id": org, "year": y, "is_hte": rec.is_hte, "is_tech_sme": rec.is_tech_sme, **common}
        rows.append(row)
        amount = rec.rd_eligible if eligible_col else rec.rd
        prior_rec = recs.get((org, year - 1))
        prior = None if prior_rec is None else (prior_rec.rd_eligible if eligible_col else prior_rec.rd)
        row.update(base_amount=amount, prior_amount=prior)
        qual = _qualification(rec, rules.require_any_of)
        if amount is None:
            row.update(status="unknown", **_reason("missing_eligible_rd" if eligible_col else "missing_rd"))
            continue
        if rules.min_rd_expense is not None and amount < rules.min_rd_expense:
            row.update(status="ineligible", subsidy=0, **_reason("rd_below_min"))
            continue
        if qual is not None:
            row.update(
                status="ineligible" if qual == "qualification_missing" else "unknown",
                subsidy=0 if qual == "qualification_missing" else None,
                **_reason(qual),
            )
            continue
        if prior is None and rules.prior_missing == "unknown":
            row.update(status="unknown", prior_basis="missing", **_reason("missing_prior"))
            continue
        if prior is None:
            basis = "missing_no_increment" if rules.prior_missing == "no_increment" else "missing_as_zero"
            increase = Decimal(0) if rules.prior_missing == "no_increment" else amount
        else:
            basis, increase = "given", max(Decimal(0), amount - prior)
        base_raw = rules.base_rate * amount
        incr_raw = rules.increment_rate * increase
        base_part, base_capped = _capped(base_raw, rules.base_cap, rules.rounding)
        incr_part, incr_capped = _capped(incr_raw, rules.increment_cap, rules.rounding)
        subtotal = base_part + incr_part
        after = subtotal if rules.total_cap is None else min(subtotal, rules.total_cap)
        row.update(
            status="computed",
            **_reason(None),
            prior_basis=basis,
            increase=increase,
            base_part_uncapped=base_raw,
            base_capped=base_capped,
            base_part=base_part,
            increment_part_uncapped=incr_raw,
            increment_capped=incr_capped,
            increment_part=incr_part,
            subtotal=subtotal,
            total_cap_reduction=subtotal - after,
            after_caps=after,
        )

    computed = [r for r in rows if r["status"] == "computed"]
    total = sum(r["after_caps"] for r in computed)
    exceeded = rules.budget is not None and total > rules.budget
    scale = exceeded and rules.over_budget == "pro_rata"
    for r in computed:
        # Integer arithmetic: exact, and floor keeps the sum within the budget.
        paid = r["after_caps"] * rules.budget // total if scale else r["after_caps"]
        r.update(
            budget_sum=total,
            budget_exceeded=exceeded,
            subsidy=paid,
            budget_reduction=r["after_caps"] - paid,
            scale_factor=float(Fraction(rules.budget, total)) if scale else None,
        )
    return typed_frame(rows, _SUBSIDY_SCHEMA)
