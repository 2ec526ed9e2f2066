"""The registry rows the R&D incentives are computed from (the computation is ``engine.incentives``)."""

import datetime as dt

import polars as pl

from heluo.core.figures import kept
from heluo.cultivation.engine import incentives
from heluo.cultivation.engine.super_deduction import super_deduction_frame
from heluo.cultivation.selectors.enterprises import enterprises
from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification, QualificationKind
from heluo.taxonomy.models import Industry


def incentive_list(which: str, year: int, cfg, limit: int | None = None) -> tuple[pl.DataFrame, int]:
    """(rows, how many) of one of the incentive lists ("top", "fast", "subsidy", "deduction") for the year: every
    enterprise's row in order, or the first `limit`. Kept until the registry rows it is computed from change
    (heluo.core.figures)."""
    sources = {"audited": (EnterpriseAnnual, Qualification, Organization), "reference": (Industry,)}

    def compute():
        frame = _incentive_list(which, year, cfg)
        return (frame if limit is None else frame.head(limit)), frame.height

    return kept(("cultivation:incentives", which, year, limit, repr(cfg)), compute, **sources)


def _incentive_list(which, year, cfg) -> pl.DataFrame:
    data = incentive_frame(year)
    if which == "top":
        return incentives.top_rd_expense(data, year, cfg)
    if which == "fast":
        return incentives.fastest_rd_growth(data, year, cfg)
    if which == "subsidy":
        subsidy = incentives.base_plus_increment_subsidy(data, year, cfg)
        return subsidy.filter(pl.col("status") == "computed").sort("subsidy", descending=True)
    rows = [r for r in data if r["year"] == year]
    deduction = super_deduction_frame(rows, cfg, year=year)
    return deduction.filter(pl.col("status") == "estimated").sort("estimated_tax_saving", descending=True)


def incentive_frame(year: int) -> list[dict]:
    """Rows for years Y−1 and Y: R&D expense, sales revenue, industry and the qualifications held at year end."""
    rows = list(
        EnterpriseAnnual.objects.filter(year__in=[year - 1, year], organization__in=enterprises()).values(
            "organization_id", "year", "rd_expense", "sales_revenue", "organization__industry__code"
        )
    )
    held = {}
    for kind in (QualificationKind.HTE, QualificationKind.TECH_SME):
        for y in (year - 1, year):
            day = dt.date(y, 12, 31)
            held[(kind, y)] = set(
                Qualification.objects.filter(Qualification.valid_on_q(day), kind=kind).values_list("organization_id", flat=True)
            )
    data = [
        {
            "organization_id": r["organization_id"],
            "year": r["year"],
            "rd_expense": r["rd_expense"],
            "sales_revenue": r["sales_revenue"],
            "industry_code": r["organization__industry__code"],
            "is_hte": r["organization_id"] in held[(QualificationKind.HTE, r["year"])],
            "is_tech_sme": r["organization_id"] in held[(QualificationKind.TECH_SME, r["year"])],
        }
        for r in rows
    ]
    return data
