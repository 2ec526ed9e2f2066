"""Pages of technology demands (技术需求) and demand campaigns (需求征集). Reads through selectors.demands (the scope
of Demand.scope_q: the public sees published public demands), writes through services.demands."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.audit import history_for, may_see_history
from heluo.core.i18n import Bilingual
from heluo.core.models import Role
from heluo.core.permissions import allowed_actions, can, scope_for
from heluo.web.forms import filter_form
from heluo.web.templatetags.heluo_web import name_related
from heluo.web.views.generic import act, ensure_login, form_page, get_or_404, paginate

from ..engine import demands as engine
from ..models import Demand, DemandCampaign, DemandStatus
from ..selectors import brokering as brokering_selectors
from ..selectors import demands as selectors
from ..selectors import matching as selectors_matching
from ..services import demands as services
from . import matching
from .brokering_forms import StartForm
from .demand_forms import CampaignForm, DemandForm


def may_enter(user) -> bool:
    """May the user enter demands at all (an enterprise, a district, the bureau)?"""
    scope = scope_for(user)
    return scope.is_staff or bool(scope.role == "org_user" and scope.organization_id)


# --- demands ---------------------------------------------------------------------------------------------


def demand_list(request):
    """Everyone: the public sees published public demands; a signed-in user what its scope adds."""
    params = request.GET.copy()
    for key in ("page", "per_page"):
        params.pop(key, None)
    filterset = selectors.DemandFilterSet(params, queryset=selectors.demand_list(request.user))
    if not request.user.is_authenticated:  # the public sees public, published ones only: no filter on either
        for name in ("status", "confidentiality", "campaign"):
            filterset.filters.pop(name, None)
            filterset.form.fields.pop(name, None)
    page = paginate(request, filterset.qs.order_by(F("published_at").desc(nulls_last=True), "-id"))
    modes = dict(selectors.cooperation_choices())
    page.object_list = list(page.object_list)
    for d in page.object_list:
        d.mode_label = modes.get(d.cooperation_mode, d.cooperation_mode)
    return render(
        request,
        "market/demand_list.html",
        {
            "page": page,
            "filter_form": filter_form(filterset),
            "query": params.urlencode(),
            "may_enter": may_enter(request.user),
        },
    )


def demand_detail(request, pk):
    d = get_or_404(selectors.demand_get, request.user, pk)
    wf = engine.workflow()
    actions = allowed_actions(request.user, d)
    return render(
        request,
        "market/demand_detail.html",
        {
            "d": d,
            "mode": selectors.cooperation_label(d.cooperation_mode),
            "steps": [t for t in wf.available(d.status, services.parties(request.user, d)) if t.name in actions],
            "events": _labelled(selectors.demand_events(request.user, d), wf),
            "may_change": "change" in actions,
            "may_delete": "delete" in actions,
            "history": name_related(history_for(d)[:100], request.user) if may_see_history(request.user, d) else None,
            **matching.panels(request, selectors_matching.demand_query(d)),
            **_brokering(request, d),
        },
    )


def _brokering(request, d: Demand) -> dict:
    """The demand's brokering records the user sees, and the ways to start one: from a suggestion (the demand's
    own side: its enterprise, its district, the bureau) or with an organization (anyone who could be a party)."""
    if not request.user.is_authenticated:
        return {}
    scope = scope_for(request.user)
    own_side = bool(services.parties(request.user, d))
    may_start = d.status == DemandStatus.PUBLISHED or scope.is_staff
    start = None
    if may_start and (own_side or scope.role == Role.ORG_USER):
        initial = {} if own_side else {"organization": scope.organization_id}
        start = StartForm(user=request.user, initial=initial)
    return {
        "brokerings": list(brokering_selectors.of_demand(request.user, d)[:100]),
        "broker_demand": d if own_side and may_start else None,
        "start_form": start,
    }


def _labelled(events, wf) -> list:
    """The events with their step's name in the page's language (the creation is no step of the workflow)."""
    events = list(events)
    for e in events:
        step = wf.transitions.get(e.action)
        e.label = Bilingual(*step.label) if step else Bilingual("创建", "Created")
    return events


def _demand_form(request, demand: Demand | None):
    if response := ensure_login(request):
        return response
    if not may_enter(request.user):
        raise PermissionDenied(_("You may not do this."))
    instance = demand or Demand()
    initial = {}
    if demand is None and request.GET.get("campaign", "").isdigit():
        initial["campaign"] = int(request.GET["campaign"])
    form = DemandForm(request.POST or None, instance=instance, user=request.user, initial=initial)
    return form_page(
        request,
        form,
        lambda: services.demand_save(request.user, form.save(commit=False)),
        lambda saved: reverse("market:demand", args=[saved.pk]),
        "market/demand_form.html",
        {"d": demand},
    )


def demand_add(request):
    return _demand_form(request, None)


def demand_edit(request, pk):
    if response := ensure_login(request):
        return response
    d = get_or_404(selectors.demand_get, request.user, pk)
    if not can(request.user, "change", d):
        raise PermissionDenied(_("You may not change this record."))
    return _demand_form(request, d)


@require_POST
def demand_step(request, pk):
    if response := ensure_login(request):
        return response
    d = get_or_404(selectors.demand_get, request.user, pk)
    act(
        request,
        lambda: services.demand_transition(request.user, d, request.POST.get("action", "")[:20], request.POST.get("reason", "")[:500]),
    )
    return redirect("market:demand", pk)


@require_POST
def demand_delete(request, pk):
    if response := ensure_login(request):
        return response
    d = get_or_404(selectors.demand_get, request.user, pk)
    services.demand_delete(request.user, d)
    messages.success(request, _("Deleted."))
    return redirect("market:demands")


# --- campaigns -------------------------------------------------------------------------------------------


def _campaign_reader(request):
    if response := ensure_login(request):
        return response
    if not may_enter(request.user):
        raise PermissionDenied(_("You may not do this."))
    return None


def campaign_list(request):
    if response := _campaign_reader(request):
        return response
    return render(
        request,
        "market/campaign_list.html",
        {"campaigns": selectors.campaign_list(request.user), "is_bureau": scope_for(request.user).is_bureau},
    )


def campaign_detail(request, pk):
    if response := _campaign_reader(request):
        return response
    c = get_or_404(selectors.campaign_get, request.user, pk)
    rows = selectors.campaign_breakdown(request.user, c)
    scope = scope_for(request.user)
    return render(
        request,
        "market/campaign_detail.html",
        {
            "c": c,
            "rows": rows,
            "statuses": DemandStatus.choices,
            "chart": selectors.breakdown_chart(rows),
            "totals": [sum(r["statuses"][i] for r in rows) for i in range(len(DemandStatus.choices))],
            "is_bureau": scope.is_bureau,
            "may_enter_here": scope.is_staff and c.is_open(),
            "own": selectors.demand_list(request.user, {"campaign": c.pk})[:200] if not scope.is_staff else None,
        },
    )


def _campaign_form(request, campaign: DemandCampaign | None):
    if response := ensure_login(request):
        return response
    services.bureau_only(request.user)
    form = CampaignForm(request.POST or None, instance=campaign or DemandCampaign())
    return form_page(
        request,
        form,
        lambda: services.campaign_save(request.user, form.save(commit=False), targets=form.targets()),
        lambda saved: reverse("market:campaign", args=[saved.pk]),
        "market/campaign_form.html",
        {"c": campaign},
    )


def campaign_add(request):
    return _campaign_form(request, None)


def campaign_edit(request, pk):
    if response := ensure_login(request):
        return response
    try:
        c = selectors.campaign_get(request.user, pk)
    except DemandCampaign.DoesNotExist:
        raise Http404 from None
    return _campaign_form(request, c)
