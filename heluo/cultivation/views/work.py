"""Cultivation work pages: the hub, pools (with district views), the listing reserve, service officers and
the service log. Bureau staff see the whole city; district staff see and act on their areas only (the
querysets are restricted, so a district user never sees another district's enterprise); enterprises use
their own page (``views.enterprise``).
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from heluo.core.i18n import is_chinese
from heluo.core.models import Role
from heluo.core.permissions import require_staff, scope_for
from heluo.core.spreadsheets import table_xlsx, xlsx_response
from heluo.cultivation.engine.pools import AUTO_REASONS, pools
from heluo.cultivation.models import PoolEntry, ServiceRecordKind, ServiceRecordStatus
from heluo.cultivation.selectors import pools as pool_reads
from heluo.cultivation.selectors.enterprises import find_enterprise, scoped_enterprises
from heluo.cultivation.selectors.rulesets import pool_ruleset
from heluo.cultivation.selectors.servicework import assignments, current_officers, eligible_officers, service_records
from heluo.cultivation.services import pools as pool_service
from heluo.cultivation.services import servicework
from heluo.cultivation.services.listing import set_listing_stage
from heluo.cultivation.templatetags.cultivation_i18n import localize
from heluo.geo.models import Area
from heluo.orgs.models import ListingStage

from .common import log_figures_read

LISTING_STAGES = ListingStage.values  # the codes stored on the qualification, in order
LISTING_SHOWN = 100  # enterprises shown in each stage's column (a province's reserve has thousands)
STAGE_LABELS = dict(ListingStage.choices)
# the reasons a refresh gives when it takes an enterprise out (codes, engine.pools.AUTO_REASONS); staff write their own
REMOVAL_LABELS = {
    AUTO_REASONS[0]: pgettext_lazy("pool removal", "Holds the qualification now"),
    AUTO_REASONS[1]: pgettext_lazy("pool removal", "No longer meets the entry criteria"),
}


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


def staff_scope(request):
    return require_staff(request.user)


def _year(request) -> int:
    try:
        return int(request.GET.get("year") or request.POST.get("year") or pool_reads.pool_year())
    except ValueError:
        raise Http404("year") from None


def _districts(scope):
    qs = Area.objects.exclude(kind__in=[Area.Kind.PROVINCE, Area.Kind.CITY])  # districts, counties and zones
    if not scope.is_bureau:
        qs = qs.filter(pk__in=scope.area_ids)
    return qs.order_by("code")


@login_required
def hub(request):
    scope = staff_scope(request)
    year = _year(request)
    counts = pool_reads.member_counts(request.user, year)
    rows = [{"pool": p, "count": counts.get(p.code, 0), "ruleset": pool_ruleset(p)} for p in pools().values()]
    listing = pool_reads.listing_stage_counts(request.user)
    return render(
        request,
        "cultivation/hub.html",
        {
            "rows": rows,
            "year": year,
            "scope": scope,
            "listing": [(stage_label(s), listing.get(s, 0)) for s in LISTING_STAGES],
            "stages": LISTING_STAGES,
            "is_bureau": scope.is_bureau,
        },
    )


@login_required
def pool_detail(request, code):
    scope = staff_scope(request)
    pool = pools().get(code)
    if pool is None:
        raise Http404(code)
    year = _year(request)
    area = request.GET.get("area") or ""
    qs = pool_reads.members(request.user, code, year, include_removed=request.GET.get("removed") == "1")
    if area:
        qs = qs.filter(Q(organization__area__code=area) | Q(organization__area__parent__code=area))
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    entries = list(qs) if request.GET.get("format") == "xlsx" else list(page.object_list)
    officers = current_officers(request.user, [e.organization_id for e in entries])
    log_figures_read(request, detail=f"cultivation: pool {code} {year}, {len(entries)} rows")
    for e in entries:
        e.officer = officers.get(e.organization_id)
        e.reason_label = REMOVAL_LABELS.get(e.removed_reason, e.removed_reason)
    if not is_chinese():
        pool_reads.add_english_gaps(entries)
    if request.GET.get("format") == "xlsx":
        separator, name_gap = pgettext("list separator", "; "), _("%(name)s: %(gap)s")
        rows = [
            (
                e.rank,
                e.organization.name,
                e.organization.uscc or "",
                e.organization.area.name,
                e.get_source_display(),
                e.result,
                e.score,
                e.distance,
                separator.join(name_gap % {"name": localize(g, "name"), "gap": localize(g, "gap")} for g in e.gaps),
                e.officer.get_full_name() or e.officer.username if e.officer else "",
                e.added_on,
                e.removed_on or "",
            )
            for e in entries
        ]
        content = table_xlsx(
            localize(pool),
            [
                _("Rank"),
                _("Enterprise"),
                _("Unified social credit code"),
                _("District/county"),
                _("Source"),
                _("Evaluation result"),
                _("Score"),
                _("Distance"),
                _("Gaps in detail"),
                _("Service officer"),
                _("Entered the pool on"),
                _("Left the pool on"),
            ],
            rows,
        )
        return xlsx_response(content, f"{localize(pool)}-{year}.xlsx")
    return render(
        request,
        "cultivation/pool.html",
        {
            "pool": pool,
            "year": year,
            "entries": entries,
            "page": page,
            "total": page.paginator.count,
            "districts": _districts(scope),
            "area": area,
            "is_bureau": scope.is_bureau,
            "ruleset": pool_ruleset(pool),
            "show_removed": request.GET.get("removed") == "1",
        },
    )


@login_required
@require_POST
def pool_refresh(request, code):
    if not scope_for(request.user).is_bureau:
        raise PermissionDenied
    year = _year(request)
    try:
        out = pool_service.refresh_pool(request.user, code, year=year)
    except (KeyError, ValueError) as e:
        messages.error(request, str(e))
    else:
        messages.success(
            request,
            _("Updated from evaluation run #%(run)s: %(added)s added, %(updated)s updated, %(removed)s removed, %(members)s in the pool.")
            % {
                "run": out["run"].pk,
                "added": out["added"],
                "updated": out["updated"],
                "removed": out["removed"],
                "members": out["members"],
            },
        )
    return redirect(f"{request.path.rsplit('/refresh/', 1)[0]}/?year={year}")


def _org_for(request, pk):
    return get_object_or_404(scoped_enterprises(request.user), pk=pk)


@login_required
@require_POST
def pool_recommend(request, code):
    staff_scope(request)
    year = _year(request)
    org = find_enterprise(request.user, request.POST.get("organization", ""))
    if org is None:
        messages.error(request, _("No enterprise of yours has this name, credit code or number."))
        return redirect(f"/cultivation/pools/{code}/?year={year}")
    try:
        pool_service.recommend(request.user, org, code=code, year=year, note=request.POST.get("note", "")[:300])
        messages.success(request, _("%(name)s has been recommended for the pool.") % {"name": org.name})
    except (PermissionDenied, ValueError) as e:
        messages.error(request, _("Cannot recommend for the pool: %(error)s") % {"error": e})
    return redirect(f"/cultivation/pools/{code}/?year={year}")


@login_required
@require_POST
def pool_remove(request, pk):
    staff_scope(request)
    entry = get_object_or_404(PoolEntry.objects.restrict(request.user), pk=pk)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Please give the reason for the removal."))
    else:
        try:
            pool_service.remove(request.user, entry, reason=reason)
            messages.success(request, _("%(name)s has left the pool.") % {"name": entry.organization.name})
        except PermissionDenied:
            messages.error(request, _("You have no right to change this record."))
    return redirect(f"/cultivation/pools/{entry.pool}/?year={entry.year}")


@login_required
def listing_reserve(request):
    """上市后备库: reserve enterprises by stage (培育/改制/辅导/报审/上市), each stage change audited."""
    scope = staff_scope(request)
    by_stage = {s: [] for s in LISTING_STAGES}
    other = []
    for q in pool_reads.listing_reserve_first(request.user, LISTING_SHOWN):
        by_stage.get(q.stage, other).append(q)
    counts = pool_reads.listing_stage_counts(request.user)
    return render(
        request,
        "cultivation/listing.html",
        {
            "by_stage": [(s, stage_label(s), items, counts.get(s, 0)) for s, items in by_stage.items()],
            "other": other,
            "stages": [(s, stage_label(s)) for s in LISTING_STAGES],
            "is_bureau": scope.is_bureau,
        },
    )


@login_required
@require_POST
def listing_stage(request, pk):
    staff_scope(request)
    q = get_object_or_404(pool_reads.listing_reserve(request.user), pk=pk)
    stage = request.POST.get("stage")
    if stage not in LISTING_STAGES:
        messages.error(request, _("Unknown stage."))
    else:
        try:
            set_listing_stage(request.user, q, stage=stage, note=request.POST.get("note", "").strip())
            messages.success(
                request, _("%(name)s is now at the stage “%(stage)s”.") % {"name": q.organization.name, "stage": stage_label(stage)}
            )
        except PermissionDenied:
            messages.error(request, _("You have no right to change this record."))
    return redirect("cultivation:listing")


@login_required
def service_log(request, pk):
    """一企一专班: the officer and the service log of one enterprise (staff write, the enterprise reads)."""
    org = _org_for(request, pk)
    scope = scope_for(request.user)
    is_staff = scope.is_staff
    if not is_staff and not (scope.role == Role.ORG_USER and scope.organization_id == org.pk):
        raise Http404
    ctx = {
        "org": org,
        "is_staff": is_staff,
        "kinds": ServiceRecordKind.choices,
        "statuses": ServiceRecordStatus.choices,
        "records": service_records(request.user, org),
        "assignments": assignments(request.user, org),
        "officers": eligible_officers(request.user, org) if is_staff else [],
        "today": timezone.localdate(),
        "errors": [],
    }
    if request.method == "POST":
        if not is_staff:
            raise PermissionDenied
        try:
            if request.POST.get("action") == "assign":
                officer = get_object_or_404(eligible_officers(request.user, org), pk=request.POST.get("officer") or 0)
                servicework.assign_officer(request.user, org, officer=officer, note=request.POST.get("note", "")[:300])
                messages.success(request, _("Service officer assigned: %(name)s.") % {"name": officer.get_full_name() or officer.username})
            else:
                day = dt.date.fromisoformat(request.POST.get("date") or "")
                servicework.record_service(
                    request.user,
                    org,
                    date=day,
                    kind=request.POST.get("kind", "visit"),
                    problems=request.POST.get("problems", ""),
                    help_given=request.POST.get("help_given", ""),
                    outcome=request.POST.get("outcome", ""),
                    status=request.POST.get("status", "open"),
                )
                messages.success(request, _("The service record has been saved."))
            return redirect("cultivation:service", pk=org.pk)
        except ValidationError as e:
            ctx["errors"] = e.messages
        except ValueError:
            ctx["errors"] = ["日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"]
    return render(request, "cultivation/service.html", ctx)
