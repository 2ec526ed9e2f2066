"""The registry rows innovation points are scored from, and the scores (the arithmetic is ``engine.points``)."""

import datetime as dt
from dataclasses import dataclass

import polars as pl

from heluo.core.figures import kept
from heluo.cultivation.engine.points import score_enterprises
from heluo.cultivation.engine.points_config import load_points_config
from heluo.cultivation.selectors.enterprises import enterprises
from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification, QualificationKind

CONFIG = "innovation-points-example"
SOURCES = {"audited": (EnterpriseAnnual, Qualification, Organization)}  # what the scores are computed from
ANNUAL = {
    "total_staff": "total_staff",
    "st_staff": "st_staff",
    "sales_revenue": "sales_revenue",
    "total_income": "total_income",
    "rd_expense": "rd_expense",
    "ip_class1": "ip_class1",
    "ip_class2": "ip_class2",
    "equity_financing": "equity_financing",
    "tech_contract_turnover": "tech_contract_income",
}


def points_frame(year: int) -> list[dict]:
    """Registry rows for years Y−2 and Y−1 (the example reads both); net profit is not in the registry (unknown)."""
    years = [year - 2, year - 1]
    founded = dict(enterprises().values_list("pk", "founded_on"))
    rows = EnterpriseAnnual.objects.filter(year__in=years, organization_id__in=founded.keys()).values(
        "organization_id", "year", *set(ANNUAL.values())
    )
    held = {}
    for kind in (QualificationKind.HTE, QualificationKind.TECH_SME):
        for y in years:
            held[(kind, y)] = set(
                Qualification.objects.filter(Qualification.valid_on_q(dt.date(y, 12, 31)), kind=kind).values_list(
                    "organization_id", flat=True
                )
            )
    out = []
    for r in rows:
        org, y = r["organization_id"], r["year"]
        row = {
            "organization_id": org,
            "year": y,
            "registered_on": founded.get(org),
            "has_valid_hte": org in held[(QualificationKind.HTE, y)],
            "is_tech_sme": org in held[(QualificationKind.TECH_SME, y)],
        }
        row.update({k: (float(r[v]) if r[v] is not None else None) for k, v in ANNUAL.items()})
        out.append(row)
    return out


def scored_enterprises(year: int):
    """The configured indicator system and every enterprise's points and ranks for the year, kept until the registry
    rows they are scored from change (heluo.core.figures)."""
    cfg = load_points_config(CONFIG)
    return cfg, kept(("cultivation:points", year, repr(cfg)), lambda: _scored(year, cfg), **SOURCES)


@dataclass(frozen=True)
class Top:
    rows: pl.DataFrame  # the best `limit` by city rank
    total: int  # enterprises scored


def top_scored(year: int, limit: int) -> tuple:
    """(config, Top): the first `limit` enterprises by city rank, and how many were scored."""
    cfg = load_points_config(CONFIG)

    def top():
        scored = scored_enterprises(year)[1]
        return Top(scored.sort(["rank_overall", "organization_id"]).head(limit) if scored.height else scored, scored.height)

    return cfg, kept(("cultivation:points-top", year, limit, repr(cfg)), top, **SOURCES)


def _scored(year: int, cfg):
    rows = points_frame(year)
    frame = pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame(schema={"organization_id": pl.Int64, "year": pl.Int64})
    return score_enterprises(frame, year, cfg)
