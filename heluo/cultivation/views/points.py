"""企业创新积分 pages (bureau only): scores and ranks per year from the configured indicator system, and the
积分贷 list for a partner bank — exported as Excel and recorded as sent (``BankListExport``: bank, rows,
SHA-256 of the file, who, when). Only the fields the configuration shares leave the platform.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.audit import log_sensitive_read
from heluo.core.permissions import require_bureau
from heluo.core.spreadsheets import table_xlsx, xlsx_response
from heluo.cultivation.engine.points import bank_list
from heluo.cultivation.models import BankListExport
from heluo.cultivation.selectors.enterprises import enterprises
from heluo.cultivation.selectors.points import scored_enterprises, top_scored
from heluo.cultivation.services.points import record_bank_export
from heluo.cultivation.templatetags.cultivation_i18n import localize

SHOWN = 300


def _year(request):
    try:
        return int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None


@login_required
def points_page(request):
    require_bureau(request.user)
    year = _year(request)
    if request.GET.get("format") == "xlsx":
        return _points_xlsx(request, year)
    cfg, top = top_scored(year, SHOWN)  # the page shows the first rows: less to keep and to read than every score
    log_sensitive_read("enterprise_financials", detail=f"innovation points {year}: {top.total} rows", user=request.user)
    names = _names(top.rows)
    rows = [{**r, "name": names.get(r["organization_id"], r["organization_id"])} for r in top.rows.iter_rows(named=True)]
    return render(
        request,
        "cultivation/points.html",
        {
            "year": year,
            "cfg": cfg,
            "rows": rows,
            "total": top.total,
            "is_bureau": True,
            "exports": BankListExport.objects.restrict(request.user).select_related("sent_by")[:50],
        },
    )


def _names(frame) -> dict:
    return dict(enterprises().filter(pk__in=frame["organization_id"].to_list()).values_list("pk", "name")) if frame.height else {}


def _points_xlsx(request, year):
    cfg, scored = scored_enterprises(year)
    log_sensitive_read("enterprise_financials", detail=f"innovation points {year}: {scored.height} rows", user=request.user)
    names = _names(scored)
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
    cfg, scored = scored_enterprises(year)
    sent = bank_list(scored, cfg, min_points=min_points, top_share=top_share)
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
    record_bank_export(
        request.user,
        bank=bank,
        year=year,
        config=f"{cfg.name} {cfg.version}",
        criteria={"min_points": min_points, "top_share": top_share},
        headers=headers,
        rows=rows,
        content=content,
    )
    return xlsx_response(content, _("Points-based loan list-%(bank)s-%(year)s.xlsx") % {"bank": bank, "year": year})


@login_required
def bank_export_detail(request, pk):
    require_bureau(request.user)
    rec = get_object_or_404(BankListExport.objects.restrict(request.user), pk=pk)
    return render(
        request, "cultivation/bank_export.html", {"rec": rec, "is_bureau": True, "headers": list(rec.rows[0].keys()) if rec.rows else []}
    )
