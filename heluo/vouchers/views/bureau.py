"""The bureau's and districts' voucher pages: programmes and their budget use (by type, district and
provider, with the leverage figure), the voucher list and its Excel export, and — bureau only — the
queues (redemptions to verify, payments to record, applications to review, providers to admit), the daily
reconciliation and the risk flags. District staff see their areas' enterprises only, read only.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from heluo.core.i18n import Bilingual, is_chinese
from heluo.core.permissions import VIEW
from heluo.core.spreadsheets import table_xlsx, xlsx_response
from heluo.geo.models import Area

from .. import selectors, services
from ..engine import ledger
from ..models import AllocationMode, EventKind, Programme, Provider, ProviderStatus, RiskFlag, RiskStatus, VoucherStatus
from ..selectors import reports
from ..services import Refused
from ..services import risk as risk_services
from .common import bureau_scope, nav_context, refusal_text, safe_next, staff_scope


def _programme(user, pk) -> Programme:
    try:
        return selectors.programme_get(user, pk)
    except Programme.DoesNotExist:
        raise Http404 from None


def _label(label) -> str:
    if label is None:
        return _("(no contract yet)")
    return label["zh"] if is_chinese() else label["en"]


# --- programmes and budget use ------------------------------------------------------------------------


@login_required
def programmes(request):
    scope = staff_scope(request)
    rows = []
    for p in selectors.programme_list(request.user):
        own = reports.totals(selectors.voucher_list(request.user, programme=p))
        rows.append({"p": p, "balance": selectors.programme_balance(request.user, p), "own": own, "window": reports.window_state(p)})
    return render(request, "vouchers/programmes.html", {**nav_context(request, "programmes"), "rows": rows, "scope": scope})


def budget_tables(user, programme) -> dict:
    vouchers = selectors.voucher_list(user, programme=programme)
    tables = {by: reports.budget_use(vouchers, by, programme) for by in ("type", "area", "provider")}
    for rows in tables.values():
        for r in rows:
            r["name"] = _label(r["label"])
    return tables


@login_required
def programme_detail(request, pk):
    scope = staff_scope(request)
    p = _programme(request.user, pk)
    vouchers = selectors.voucher_list(request.user, programme=p)
    tables = budget_tables(request.user, p)
    if request.GET.get("format") == "xlsx":
        return _budget_xlsx(p, tables)
    balance = selectors.programme_balance(request.user, p)
    chart = {
        by: {
            "names": [r["name"] for r in rows],
            "committed": [float(r["committed"]) for r in rows],
            "redeemed": [float(r["redeemed"]) for r in rows],
            "settled": [float(r["settled"]) for r in rows],
        }
        for by, rows in tables.items()
        if by != "provider"
    }
    chart["labels"] = {"committed": _("Committed"), "redeemed": _("Redeemed"), "settled": _("Settled")}
    counts = dict(vouchers.order_by().values_list("status").annotate(n=Count("pk")))  # in the viewer's scope
    status_counts = [(VoucherStatus(s).label, counts.get(s, 0), s) for s in ledger.STATUSES]
    return render(
        request,
        "vouchers/programme.html",
        {
            **nav_context(request, "programmes"),
            "p": p,
            "balance": balance,
            "tables": tables,
            "chart": chart,
            "totals": reports.totals(vouchers),
            "leverage": reports.leverage_of(vouchers),
            "status_counts": status_counts,
            "window": reports.window_state(p),
            "scope": scope,
            "is_review": p.allocation_mode == AllocationMode.REVIEW,
            "area_chart_height": 60 + 34 * len(tables["area"]),
        },
    )


def _budget_xlsx(p: Programme, tables: dict):
    headers = [
        _("Breakdown"),
        _("Name"),
        _("Vouchers issued"),
        _("Issued (yuan)"),
        _("Returned (yuan)"),
        _("Released (yuan)"),
        _("Committed (yuan)"),
        _("Redeemed (yuan)"),
        _("Settled (yuan)"),
        _("Payable (yuan)"),
        _("Available (yuan)"),
    ]
    titles = {"type": _("Voucher type"), "area": _("District/county"), "provider": _("Provider")}
    rows = []
    for by, items in tables.items():
        for r in items:
            available = r.get("available")
            rows.append(
                (
                    titles[by],
                    r["name"],
                    r["count"],
                    float(r["issued"]),
                    float(r["returned"]),
                    float(r["released"]),
                    float(r["committed"]),
                    float(r["redeemed"]),
                    float(r["settled"]),
                    float(r["payable"]),
                    None if available is None else float(available),
                )
            )
    return xlsx_response(table_xlsx(_("Budget use"), headers, rows), f"{p.code}-budget.xlsx")


@login_required
def reconciliation(request, pk):
    bureau_scope(request)
    p = _programme(request.user, pk)
    try:
        day = dt.date.fromisoformat(request.GET.get("day")) if request.GET.get("day") else timezone.localdate()
    except ValueError:
        raise Http404("day") from None
    report = selectors.reconcile(p, day)
    keys = [
        ("budget", _("Budget")),
        ("issued", _("Issued")),
        ("returned", _("Returned (expired, cancelled)")),
        ("released", _("Released (unused part of redeemed vouchers)")),
        ("committed", _("Committed")),
        ("available", _("Available")),
        ("redeemed", _("Redeemed")),
        ("settled", _("Settled")),
        ("outstanding", _("Outstanding (may still be claimed)")),
        ("payable", _("Payable (redeemed, not yet paid)")),
    ]
    balances = [(label, report["opening"][k], report["closing"][k]) for k, label in keys]
    invariants = [{**i, "text": i["zh"] if is_chinese() else i["en"]} for i in report["invariants"]]
    movements = [(EventKind(k).label if k in EventKind.values else k, m["count"], m["amount"]) for k, m in report["movements"].items()]
    return render(
        request,
        "vouchers/reconciliation.html",
        {
            **nav_context(request, "programmes"),
            "p": p,
            "report": report,
            "day": day,
            "generated_at": dt.datetime.fromisoformat(report["generated_at"]),
            "balances": balances,
            "invariants": invariants,
            "movements": movements,
        },
    )


# --- vouchers -----------------------------------------------------------------------------------------


def _filtered(request):
    qs = selectors.voucher_list(request.user).select_related("enterprise__area")
    f = {k: request.GET.get(k, "").strip() for k in ("programme", "status", "area", "provider", "q")}
    if f["programme"].isdigit():
        qs = qs.filter(programme_id=int(f["programme"]))
    if f["status"] in VoucherStatus.values:
        qs = qs.filter(status=f["status"])
    if f["area"]:
        qs = qs.filter(Q(enterprise__area__code=f["area"]) | Q(enterprise__area__parent__code=f["area"]))
    if f["provider"].isdigit():
        qs = qs.filter(provider_id=int(f["provider"]))
    if f["q"]:
        qs = qs.filter(Q(number__icontains=f["q"]) | Q(enterprise__name__icontains=f["q"]) | Q(contract_no__icontains=f["q"]))
    return qs.order_by("-arrived_at", "-pk"), f


@login_required
def voucher_list(request):
    scope = staff_scope(request)
    qs, f = _filtered(request)
    if request.GET.get("format") == "xlsx":
        return _vouchers_xlsx(qs)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    areas = Area.objects.exclude(kind__in=[Area.Kind.PROVINCE, Area.Kind.CITY])
    if not scope.is_bureau:
        areas = areas.filter(pk__in=scope.area_ids)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "vouchers/vouchers.html",
        {
            **nav_context(request, "vouchers"),
            "page": page,
            "f": f,
            "query": query.urlencode(),
            "statuses": VoucherStatus.choices,
            "programmes": selectors.programme_list(request.user),
            "areas": areas.order_by("code"),
            "providers": selectors.provider_list(request.user).filter(status__in=[ProviderStatus.APPROVED, ProviderStatus.SUSPENDED]),
            "today": timezone.localdate(),
        },
    )


def _vouchers_xlsx(qs):
    headers = [
        _("Voucher number"),
        pgettext("voucher", "Programme"),
        _("Voucher type"),
        _("Enterprise"),
        _("Unified social credit code"),
        _("District/county"),
        _("Status"),
        _("Requested (yuan)"),
        _("Face value (yuan)"),
        _("Received at"),
        _("Issued at"),
        _("Expires on"),
        _("Provider"),
        _("Contract number"),
        _("Contract value (yuan)"),
        _("Payable at most (yuan)"),
        _("Redeemed (yuan)"),
        _("Settled (yuan)"),
        _("Balance (yuan)"),
        _("Reason"),
    ]
    tz = timezone.get_current_timezone()
    money = lambda v: None if v is None else float(v)  # noqa: E731
    stamp = lambda t: None if t is None else t.astimezone(tz).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    rows = (
        (
            v.number or f"#{v.pk}",
            v.programme.code,
            v.voucher_type.code,
            v.enterprise.name,
            v.enterprise.uscc or "",
            v.enterprise.area.name,
            str(v.get_status_display()),
            money(v.requested_amount),
            money(v.face_value),
            stamp(v.arrived_at),
            stamp(v.issued_at),
            v.expires_on.isoformat() if v.expires_on else None,
            v.provider.organization.name if v.provider_id else "",
            v.contract_no,
            money(v.contract_value),
            money(v.payable_limit),
            money(v.redeemed_amount),
            money(v.settled_amount),
            money(v.face_value - v.redeemed_amount) if v.issued_at else None,
            v.reason,
        )
        for v in qs.iterator(chunk_size=2000)
    )
    return xlsx_response(table_xlsx(_("Innovation vouchers"), headers, rows), "vouchers.xlsx")


# --- the bureau's queues ------------------------------------------------------------------------------


@login_required
def queue(request):
    """Redemptions to verify (accept with an amount, or refuse with a reason) and payments to record."""
    bureau_scope(request)
    return render(
        request,
        "vouchers/queue.html",
        {
            **nav_context(request, "queue"),
            "to_verify": reports.redemptions_to_verify(request.user),
            "to_settle": reports.vouchers_to_settle(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def applications(request):
    """Review-mode programmes: score, issue or reject the open applications, or issue them by ranking."""
    bureau_scope(request)
    items = list(reports.applications_to_review(request.user))
    review_programmes = selectors.programme_list(request.user).filter(allocation_mode=AllocationMode.REVIEW)
    return render(
        request,
        "vouchers/applications.html",
        {**nav_context(request, "applications"), "items": items, "review_programmes": review_programmes},
    )


@login_required
@require_POST
def issue_ranked(request, pk):
    bureau_scope(request)
    p = _programme(request.user, pk)
    try:
        counts = services.issue_ranked(request.user, p)
        messages.success(
            request, _("Issued by ranking: %(issued)s issued, %(rejected)s rejected for lack of budget or above the cap.") % counts
        )
    except (Refused, PermissionDenied) as e:
        messages.error(request, refusal_text(e))
    return redirect(safe_next(request, "/vouchers/applications/"))


@login_required
def providers(request):
    bureau_scope(request)
    items = list(selectors.provider_list(request.user).order_by("status", "organization__name"))
    records = selectors.provider_records([p for p in items if p.status in (ProviderStatus.APPROVED, ProviderStatus.SUSPENDED)])
    for p in items:
        p.record = records.get(p.pk)
    groups = [(s, label, [p for p in items if p.status == s]) for s, label in ProviderStatus.choices]
    return render(request, "vouchers/providers.html", {**nav_context(request, "providers"), "groups": groups})


@login_required
@require_POST
def provider_review(request, pk):
    bureau_scope(request)
    provider = get_object_or_404(Provider.objects.restrict(request.user, VIEW), pk=pk)
    try:
        services.provider_review(request.user, provider, decision=request.POST.get("decision", ""), reason=request.POST.get("reason", ""))
        provider.refresh_from_db()
        messages.success(
            request, _("%(name)s: %(status)s.") % {"name": provider.organization.name, "status": provider.get_status_display()}
        )
    except (Refused, PermissionDenied) as e:
        messages.error(request, refusal_text(e))
    return redirect("vouchers:providers")


# --- risk flags ---------------------------------------------------------------------------------------


@login_required
def risk(request):
    bureau_scope(request)
    status = request.GET.get("status") if request.GET.get("status") in RiskStatus.values else RiskStatus.OPEN
    flags = (
        RiskFlag.objects.restrict(request.user, VIEW)
        .filter(status=status)
        .select_related("voucher", "provider__organization", "enterprise", "programme", "cleared_by")
    )
    flags = list(flags[:500])
    for f in flags:
        f.text = str(Bilingual(f.explanation_zh, f.explanation_en))
    return render(
        request,
        "vouchers/risk.html",
        {
            **nav_context(request, "risk"),
            "flags": flags,
            "status": status,
            "can_clear": True,
            "open_count": RiskFlag.objects.restrict(request.user, VIEW).filter(status=RiskStatus.OPEN).count(),
        },
    )


@login_required
@require_POST
def risk_clear(request, pk):
    bureau_scope(request)
    flag = get_object_or_404(RiskFlag.objects.restrict(request.user, VIEW), pk=pk)
    try:
        risk_services.clear(request.user, flag, reason=request.POST.get("reason", ""))
        messages.success(request, _("The risk flag has been cleared."))
    except (Refused, PermissionDenied, ValueError) as e:
        messages.error(request, refusal_text(e))
    return redirect("vouchers:risk")
