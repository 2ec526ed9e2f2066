"""R&D incentive pages (bureau only): the yearly 十强十快 lists, the 基础+增量 subsidy per enterprise and the
研发费用加计扣除 estimate, computed by ``heluo.cultivation.incentives`` from the registry's annual data, with
the configuration's name, version and fingerprint shown so every figure can be recomputed; Excel export.
"""

import datetime as dt

import polars as pl
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from heluo.core.audit import log_sensitive_read
from heluo.core.exports import table_xlsx, xlsx_response
from heluo.core.permissions import require_bureau
from heluo.cultivation import incentives
from heluo.cultivation.inputs import enterprises
from heluo.orgs.models import EnterpriseAnnual, Qualification, QualificationKind

LISTS = {
    "top": gettext_lazy("Top ten by R&D expense"),
    "fast": gettext_lazy("Top ten by R&D growth"),
    "subsidy": gettext_lazy("Base + increment R&D subsidy"),
    "deduction": gettext_lazy("R&D super-deduction estimate"),
}


def incentive_frame(year: int) -> pl.DataFrame:
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


def _names(ids):
    return dict(enterprises().filter(pk__in=ids).values_list("pk", "name"))


@login_required
def incentives_page(request):
    require_bureau(request.user)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year - 1)
    except ValueError:
        raise Http404 from None
    which = request.GET.get("list", "top")
    if which not in LISTS:
        raise Http404
    cfg = incentives.load_incentive_config(incentives.EXAMPLE_CONFIG)
    data = incentive_frame(year)
    if which == "top":
        frame = incentives.top_rd_expense(data, year, cfg)
        cols = [
            ("rank", _("Place")),
            ("rd_expense", _("R&D expense (yuan)")),
            ("sales_revenue", _("Sales revenue (yuan)")),
            ("rd_intensity", pgettext("incentive table", "R&D intensity")),
        ]
    elif which == "fast":
        frame = incentives.fastest_rd_growth(data, year, cfg)
        cols = [
            ("rank", _("Place")),
            ("rd_expense_prior", _("R&D expense of the year before (yuan)")),
            ("rd_expense", _("R&D expense (yuan)")),
            ("rd_growth", _("Growth rate")),
        ]
    elif which == "subsidy":
        frame = (
            incentives.base_plus_increment_subsidy(data, year, cfg).filter(pl.col("status") == "computed").sort("subsidy", descending=True)
        )
        cols = [
            ("base_amount", _("R&D expense (yuan)")),
            ("base_part", _("Base part (yuan)")),
            ("increase", _("Increase (yuan)")),
            ("increment_part", _("Increment part (yuan)")),
            ("total_cap_reduction", _("Reduction by the total cap")),
            ("budget_reduction", _("Reduction by the budget")),
            ("subsidy", _("Subsidy (yuan)")),
        ]
    else:
        rows = [r for r in data if r["year"] == year]
        frame = (
            incentives.super_deduction_frame(rows, cfg, year=year)
            .filter(pl.col("status") == "estimated")
            .sort("estimated_tax_saving", descending=True)
        )
        cols = [
            ("rd_expense", _("R&D expense (yuan)")),
            ("extra_deduction", _("Extra deduction (yuan)")),
            ("tax_rate", _("Applicable tax rate")),
            ("estimated_tax_saving", _("Estimated tax saving (yuan)")),
        ]
    names = _names(frame["organization_id"].to_list())
    log_sensitive_read("enterprise_financials", detail=f"R&D incentives {which} {year}: {frame.height} rows", user=request.user)
    table = [
        {
            "org_id": r["organization_id"],
            "name": names.get(r["organization_id"], r["organization_id"]),
            "values": [r.get(c) for c, _h in cols],
        }
        for r in frame.iter_rows(named=True)
    ]
    if request.GET.get("format") == "xlsx":
        content = table_xlsx(
            str(LISTS[which]),
            [_("Enterprise ID"), _("Enterprise")] + [h for _c, h in cols] + [_("Configuration"), _("Version")],
            [[t["org_id"], t["name"], *[_plain(v) for v in t["values"]], cfg.name, cfg.version] for t in table],
        )
        return xlsx_response(content, f"{LISTS[which]}-{year}.xlsx")
    return render(
        request,
        "cultivation/incentives.html",
        {
            "year": year,
            "which": which,
            "lists": LISTS,
            "cols": [h for _c, h in cols],
            "table": table[:500],
            "total": len(table),
            "cfg": cfg,
            "is_bureau": True,
        },
    )


def _plain(v):
    from decimal import Decimal
    from fractions import Fraction

    if isinstance(v, (Decimal, Fraction)):
        return float(v)
    return v
