"""The engine's input table built from the registry, for one rule set and evaluation year Y.

For every enterprise (Organization.kind == enterprise, optionally a given subset) and every accounting
year Y+off the rule set reads, one row with the columns of issue 4 that the registry holds:

* EnterpriseAnnual: total_staff, st_staff, sales_revenue, total_income, hitech_income, rd_expense,
  rd_expense_domestic, total_assets, net_assets, ip_class1, ip_class2 (money in 元 as float);
* Organization.founded_on as ``registered_on``; the number (1–8) of its 高新技术领域 as ``hitech_field``;
* ``has_valid_hte``: an HTE qualification valid on the evaluation date (true/false, every year);
* everything else (cost_total, transformations, major_violation, declarations, expert scores) unknown.

A missing annual row leaves that year's figures unknown. Three queries in all, whatever the number of firms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from heluo.cultivation.engine.qualify import to_frame
from heluo.cultivation.engine.rules import RuleSet
from heluo.cultivation.selectors.enterprises import enterprises
from heluo.orgs.models import EnterpriseAnnual, Qualification, QualificationKind

ANNUAL_COLUMNS = (
    "total_staff",
    "st_staff",
    "sales_revenue",
    "total_income",
    "hitech_income",
    "rd_expense",
    "rd_expense_domestic",
    "total_assets",
    "net_assets",
    "ip_class1",
    "ip_class2",
)


def evaluation_date(year: int, today: dt.date | None = None) -> dt.date:
    """The day qualifications are checked on: today, but not later than the end of the evaluation year."""
    today = today or dt.date.today()
    return min(today, dt.date(year, 12, 31))


def registry_inputs(rs: RuleSet | Sequence[RuleSet], year: int, orgs=None, as_of: dt.date | None = None) -> dict[int, dict[int, dict]]:
    """{organization id: {accounting year: {column: value}}} for ``orgs`` (a queryset; default all enterprises),
    for every year one rule set (or any of several) reads."""
    as_of = as_of or evaluation_date(year)
    orgs = enterprises() if orgs is None else orgs
    rulesets = [rs] if isinstance(rs, RuleSet) else rs
    years = sorted({year + off for r in rulesets for off in r.years}) or [year - 1]
    org_rows = list(orgs.order_by("pk").values_list("pk", "founded_on", "hitech_field__number", "hitech_field__parent__number"))
    hte = set(
        Qualification.objects.filter(Qualification.valid_on_q(as_of), kind=QualificationKind.HTE, organization__in=orgs).values_list(
            "organization_id", flat=True
        )
    )
    annual: dict[tuple[int, int], dict] = {}
    for row in EnterpriseAnnual.objects.filter(organization__in=orgs, year__in=years).values("organization_id", "year", *ANNUAL_COLUMNS):
        key = (row.pop("organization_id"), row.pop("year"))
        annual[key] = {k: (float(v) if v is not None else None) for k, v in row.items()}
    out = {}
    for pk, founded_on, field_no, parent_no in org_rows:
        field = parent_no or field_no
        base = {"registered_on": founded_on, "hitech_field": float(field) if field else None, "has_valid_hte": pk in hte}
        out[pk] = {y: {**dict.fromkeys(ANNUAL_COLUMNS), **annual.get((pk, y), {}), **base} for y in years}
    return out


def to_input_frame(rs: RuleSet | Sequence[RuleSet], inputs: dict[int, dict[int, dict]]) -> pl.DataFrame:
    """The long frame ``evaluate_frames`` reads; ``credit_code`` holds the organization id as text. The registry's
    columns are standard inputs, typed alike for every rule set."""
    rows = [{"credit_code": str(pk), "year": y, **cols} for pk, by_year in inputs.items() for y, cols in by_year.items()]
    return to_frame(rows, rs if isinstance(rs, RuleSet) else rs[0])
