"""R&D incentive pages (bureau only): the yearly 十强十快 lists, the 基础+增量 subsidy per enterprise and the
研发费用加计扣除 estimate, computed by ``heluo.cultivation.incentives`` from the registry's annual data, with
the configuration's name, version and fingerprint shown so every figure can be recomputed; Excel export.
"""
import datetime as dt

import polars as pl
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from heluo.core.audit import log_sensitive_read
from heluo.core.exports import table_xlsx, xlsx_response
from heluo.core.permissions import scope_for
from heluo.cultivation import incentives
from heluo.cultivation.inputs import enterprises
from heluo.orgs.models import EnterpriseAnnual, Qualification, QualificationKind

LISTS = {"top": "研发投入十强", "fast": "研发增长十快", "subsidy": "基础+增量研发补助", "deduction": "研发费用加计扣除估算"}


def incentive_frame(year: int) -> pl.DataFrame:
    """Rows for years Y−1 and Y: R&D expense, sales revenue, industry and the qualifications held at year end."""
    rows = list(EnterpriseAnnual.objects.filter(year__in=[year - 1, year], organization__in=enterprises())
                .values("organization_id", "year", "rd_expense", "sales_revenue", "organization__industry__code"))
    held = {}
    for kind in (QualificationKind.HTE, QualificationKind.TECH_SME):
        for y in (year - 1, year):
            day = dt.date(y, 12, 31)
            held[(kind, y)] = set(Qualification.objects.filter(Qualification.valid_on_q(day), kind=kind).values_list("organization_id", flat=True))
    data = [{"organization_id": r["organization_id"], "year": r["year"], "rd_expense": r["rd_expense"], "sales_revenue": r["sales_revenue"],
             "industry_code": r["organization__industry__code"],
             "is_hte": r["organization_id"] in held[(QualificationKind.HTE, r["year"])],
             "is_tech_sme": r["organization_id"] in held[(QualificationKind.TECH_SME, r["year"])]} for r in rows]
    return data


def _bureau(request):
    if not scope_for(request.user).is_bureau:
        raise PermissionDenied


def _names(ids):
    return dict(enterprises().filter(pk__in=ids).values_list("pk", "name"))


@login_required
def incentives_page(request):
    _bureau(request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year - 1)
    except ValueError:
        raise Http404
    which = request.GET.get("list", "top")
    if which not in LISTS:
        raise Http404
    cfg = incentives.load_incentive_config(incentives.EXAMPLE_CONFIG)
    data = incentive_frame(year)
    if which == "top":
        frame = incentives.top_rd_expense(data, year, cfg)
        cols = [("rank", "名次"), ("rd_expense", "研发费用（元）"), ("sales_revenue", "销售收入（元）"), ("rd_intensity", "研发强度")]
    elif which == "fast":
        frame = incentives.fastest_rd_growth(data, year, cfg)
        cols = [("rank", "名次"), ("rd_expense_prior", "上年研发费用（元）"), ("rd_expense", "研发费用（元）"), ("rd_growth", "增长率")]
    elif which == "subsidy":
        frame = incentives.base_plus_increment_subsidy(data, year, cfg).filter(pl.col("status") == "computed").sort("subsidy", descending=True)
        cols = [("base_amount", "研发费用（元）"), ("base_part", "基础部分（元）"), ("increase", "增量（元）"),
                ("increment_part", "增量部分（元）"), ("total_cap_reduction", "总额封顶扣减"), ("budget_reduction", "预算扣减"), ("subsidy", "补助（元）")]
    else:
        rows = [r for r in data if r["year"] == year]
        frame = incentives.super_deduction_frame(rows, cfg, year=year).filter(pl.col("status") == "estimated").sort("estimated_tax_saving", descending=True)
        cols = [("rd_expense", "研发费用（元）"), ("extra_deduction", "加计扣除额（元）"), ("tax_rate", "适用税率"), ("estimated_tax_saving", "估算减税（元）")]
    names = _names(frame["organization_id"].to_list())
    log_sensitive_read("enterprise_financials", detail=f"R&D incentives {which} {year}: {frame.height} rows", user=request.user)
    table = [{"org_id": r["organization_id"], "name": names.get(r["organization_id"], r["organization_id"]),
              "values": [r.get(c) for c, _ in cols]} for r in frame.iter_rows(named=True)]
    if request.GET.get("format") == "xlsx":
        content = table_xlsx(LISTS[which], ["企业ID", "企业"] + [h for _, h in cols] + ["配置", "版本"],
                             [[t["org_id"], t["name"], *[_plain(v) for v in t["values"]], cfg.name, cfg.version] for t in table])
        return xlsx_response(content, f"{LISTS[which]}-{year}.xlsx")
    return render(request, "cultivation/incentives.html", {
        "year": year, "which": which, "lists": LISTS, "cols": [h for _, h in cols], "table": table[:500], "total": len(table),
        "cfg": cfg, "is_bureau": True})


def _plain(v):
    from decimal import Decimal
    from fractions import Fraction

    if isinstance(v, (Decimal, Fraction)):
        return float(v)
    return v
