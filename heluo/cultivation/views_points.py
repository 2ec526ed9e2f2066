"""企业创新积分 pages (bureau only): scores and ranks per year from the configured indicator system, and the
积分贷 list for a partner bank — exported as Excel and recorded as sent (``BankListExport``: bank, rows,
SHA-256 of the file, who, when). Only the fields the configuration shares leave the platform.
"""

import datetime as dt
import hashlib

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.audit import log_sensitive_read
from heluo.core.exports import table_xlsx, xlsx_response
from heluo.core.permissions import require_bureau
from heluo.cultivation import points
from heluo.cultivation.inputs import enterprises
from heluo.cultivation.models import BankListExport
from heluo.cultivation.templatetags.cultivation_i18n import localize
from heluo.orgs.models import EnterpriseAnnual, Qualification, QualificationKind

CONFIG = "innovation-points-example"
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


def _year(request):
    try:
        return int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None


def _scored(year):
    cfg = points.load_points_config(CONFIG)
    rows = points_frame(year)
    frame = pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame(schema={"organization_id": pl.Int64, "year": pl.Int64})
    return cfg, points.score_enterprises(frame, year, cfg)


@login_required
def points_page(request):
    require_bureau(request.user)
    year = _year(request)
    cfg, scored = _scored(year)
    log_sensitive_read("enterprise_financials", detail=f"innovation points {year}: {scored.height} rows", user=request.user)
    names = dict(enterprises().filter(pk__in=scored["organization_id"].to_list()).values_list("pk", "name")) if scored.height else {}
    top = scored.sort(["rank_overall", "organization_id"]).head(300) if scored.height else scored
    rows = [{**r, "name": names.get(r["organization_id"], r["organization_id"])} for r in top.iter_rows(named=True)]
    if request.GET.get("format") == "xlsx":
        title = _("Innovation points")
        content = table_xlsx(
            title,
            [_("Enterprise ID"), _("Enterprise"), _("Stage"), _("Points"), _("Rank in stage"), _("City rank"), _("Ranking list")],
            [
                [
                    r["organization_id"],
                    names.get(r["organization_id"]),
                    localize(r, "stage") or None,
                    r["total_points"],
                    r["rank_stage"],
                    r["rank_overall"],
                    localize(r, "label") or None,
                ]
                for r in scored.sort("rank_overall").iter_rows(named=True)
            ],
        )
        return xlsx_response(content, f"{title}-{year}.xlsx")
    return render(
        request,
        "cultivation/points.html",
        {
            "year": year,
            "cfg": cfg,
            "rows": rows,
            "total": scored.height,
            "is_bureau": True,
            "exports": BankListExport.objects.restrict(request.user).select_related("sent_by")[:50],
        },
    )


@login_required
@require_POST
def bank_export(request):
    require_bureau(request.user)
    year = _year(request)
    bank = request.POST.get("bank", "").strip()
    if not bank:
        messages.error(request, _("Please give the partner bank's name."))
        return redirect(f"/cultivation/points/?year={year}")
    try:
        min_points = float(request.POST["min_points"]) if request.POST.get("min_points") else None
        top_share = float(request.POST["top_share"]) / 100 if request.POST.get("top_share") else None
    except ValueError:
        messages.error(request, _("The minimum points and the top percentage must be numbers."))
        return redirect(f"/cultivation/points/?year={year}")
    cfg, scored = _scored(year)
    sent = points.bank_list(scored, cfg, min_points=min_points, top_share=top_share)
    orgs = dict(
        (pk, (name, uscc))
        for pk, name, uscc in enterprises().filter(pk__in=sent["organization_id"].to_list()).values_list("pk", "name", "uscc")
    )
    fields = [c for c in sent.columns if c != "organization_id"]
    headers = [_("Unified social credit code"), _("Enterprise name"), *fields]
    rows = [
        [orgs.get(r["organization_id"], ("", ""))[1] or "", orgs.get(r["organization_id"], ("", ""))[0], *[r[c] for c in fields]]
        for r in sent.iter_rows(named=True)
    ]
    content = table_xlsx(_("Points-based loan recommendation list"), headers, rows)
    BankListExport.objects.create(
        bank=bank[:100],
        year=year,
        config=f"{cfg.name} {cfg.version}",
        count=len(rows),
        criteria={"min_points": min_points, "top_share": top_share},
        rows=[dict(zip(headers, [str(v) if v is not None else None for v in row])) for row in rows],
        sha256=hashlib.sha256(content).hexdigest(),
        sent_by=request.user,
    )
    return xlsx_response(content, _("Points-based loan list-%(bank)s-%(year)s.xlsx") % {"bank": bank, "year": year})


@login_required
def bank_export_detail(request, pk):
    require_bureau(request.user)
    rec = get_object_or_404(BankListExport.objects.restrict(request.user), pk=pk)
    return render(
        request, "cultivation/bank_export.html", {"rec": rec, "is_bureau": True, "headers": list(rec.rows[0].keys()) if rec.rows else []}
    )
