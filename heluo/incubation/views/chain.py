"""Pages of the incubation chain: the chain (each stage's carriers and what became of their firms), a carrier's page
(its firms, its outcome, admission), a firm's incubation (its graduation check explained, its steps, what it gained,
its mentors with the matching engine's suggestions, graduation / moving on / exit)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.permissions import allowed_actions, scope_for
from heluo.orgs.models import Organization
from heluo.platforms.models import Platform
from heluo.web.views.generic import act, ensure_login, form_page, get_or_404, paginate

from ..engine import graduation as engine
from ..models import Carrier, IncubationStatus
from ..selectors import chain as selectors
from ..selectors import mentors as mentor_selectors
from ..services import incubations as services
from . import forms


def chain(request):
    scope = scope_for(request.user)
    stage = request.GET.get("stage") or None
    carriers = selectors.carrier_list(request.user, stage if engine.stage(stage or "") else None)
    return render(
        request,
        "incubation/chain.html",
        {
            "rows": selectors.chain_view(request.user),
            "page": paginate(request, carriers),
            "stage": stage,
            "stages": engine.stages(),
            "may_add": scope.is_staff,
            "min_firms": selectors.min_firms(),
            "source": engine.chain()["source"],
            "query": f"stage={stage}" if stage else "",
        },
    )


def carrier_add(request):
    if response := ensure_login(request):
        return response
    if not scope_for(request.user).is_staff:
        raise PermissionDenied
    form = forms.CarrierForm(request.POST or None)

    def save():
        d = form.cleaned_data
        platform = Platform.objects.restrict(request.user).filter(pk=d["platform"]).first()
        if platform is None:
            raise PermissionDenied(_("No such platform."))
        return services.register_carrier(request.user, platform, d["stage"], d["registered_on"], d["capacity"], d["note"])

    return form_page(
        request,
        form,
        save,
        lambda c: reverse("incubation:carrier", args=[c.pk]),
        "incubation/form.html",
        {"title": _("Put a platform on the chain")},
    )


def carrier_detail(request, pk):
    c = get_or_404(selectors.carrier_get, request.user, pk)
    incubations = selectors.incubation_list(request.user, c) if request.user.is_authenticated else []
    return render(
        request,
        "incubation/carrier.html",
        {
            "c": c,
            "outcome": selectors.carrier_outcome(c),
            "min_firms": selectors.min_firms(),
            "incubations": incubations,
            "may_manage": services.may_manage(request.user, c),
            "admit_form": forms.AdmitForm(),
            "criteria": engine.criteria()["stages"].get(c.stage, {}),
            "criteria_source": engine.criteria()["source"],
        },
    )


@require_POST
def admit(request, pk):
    if response := ensure_login(request):
        return response
    c = get_or_404(selectors.carrier_get, request.user, pk)
    form = forms.AdmitForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        firm = Organization.objects.restrict(request.user).filter(pk=d["firm"]).first()
        act(
            request, lambda: services.admit(request.user, c, firm or d["firm"], d["entered_on"], d["moves_on"], d["reason"]), _("Admitted.")
        )
    else:
        messages.error(request, _("Check the admission's fields."))
    return redirect("incubation:carrier", pk)


def incubation_list(request):
    if response := ensure_login(request):
        return response
    status = request.GET.get("status") or None
    qs = selectors.incubation_list(request.user, status=status if status in IncubationStatus.values else None)
    return render(
        request, "incubation/incubations.html", {"page": paginate(request, qs), "status": status, "statuses": IncubationStatus.choices}
    )


def incubation_detail(request, pk):
    if response := ensure_login(request):
        return response
    inc = get_or_404(selectors.incubation_get, request.user, pk)
    actions = allowed_actions(request.user, inc)
    manage = services.may_manage(request.user, inc.carrier)
    graduate_form = forms.GraduateForm()
    later = [c for c in selectors.carrier_list(request.user)[:500] if engine.later(inc.carrier.stage, c.stage)]
    managed = services.managed_platforms(request.user, [c.platform for c in later])
    onward = [c for c in later if c.platform_id in managed]
    graduate_form.fields["next_carrier"].choices = [("", "—"), *((c.pk, str(c)) for c in onward)]
    return render(
        request,
        "incubation/incubation.html",
        {
            "inc": inc,
            "verdict": selectors.verdict(inc),
            "events": selectors.events_of(inc),
            "gained": selectors.qualifications_gained(inc),
            "annual": selectors.annual_for(request.user, inc),
            "pairings": mentor_selectors.pairing_list(request.user, incubation=inc),
            "suggestions": mentor_selectors.suggest(request.user, inc) if manage and inc.status == IncubationStatus.INCUBATING else [],
            "may_graduate": "graduate" in actions,
            "may_leave": "leave" in actions,
            "may_pair": manage and inc.status == IncubationStatus.INCUBATING,
            "graduate_form": graduate_form,
            "leave_form": forms.LeaveForm(),
            "pair_form": forms.PairForm(),
        },
    )


@require_POST
def graduate(request, pk):
    if response := ensure_login(request):
        return response
    inc = get_or_404(selectors.incubation_get, request.user, pk)
    form = forms.GraduateForm(request.POST)
    form.fields["next_carrier"].choices = [("", "—"), *((c.pk, str(c)) for c in Carrier.objects.restrict(request.user))]
    if form.is_valid():
        d = form.cleaned_data
        nxt = Carrier.objects.restrict(request.user).filter(pk=d["next_carrier"]).first() if d["next_carrier"] else None
        act(request, lambda: services.graduate(request.user, inc, d["graduated_on"], d["reason"], nxt), _("Graduated."))
    else:
        messages.error(request, _("Check the graduation's fields."))
    return redirect("incubation:incubation", pk)


@require_POST
def leave(request, pk):
    if response := ensure_login(request):
        return response
    inc = get_or_404(selectors.incubation_get, request.user, pk)
    form = forms.LeaveForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        act(request, lambda: services.leave(request.user, inc, d["left_on"], d["reason"]), _("Recorded."))
    else:
        messages.error(request, _("A date and a reason are required."))
    return redirect("incubation:incubation", pk)
