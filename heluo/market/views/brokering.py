"""Pages of brokering (对接): the records, each with its steps and workflow, and the brokering events (对接活动).
Reads through selectors.brokering (Brokering.scope_q), writes through services.brokering. Signed-in users only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.audit import history_for, may_see_history
from heluo.core.i18n import Refusal
from heluo.core.permissions import CHANGE, DELETE, VIEW, allowed_actions, can, scope_for
from heluo.orgs.models import Organization
from heluo.people.models import Expert
from heluo.web.forms import filter_form
from heluo.web.templatetags.heluo_web import name_related
from heluo.web.views.generic import act, ensure_login, form_page, get_or_404, paginate, refusal_text, save_on_form

from ..engine import brokering as engine
from ..models import Achievement, Brokering, BrokeringEvent, BrokeringStatus, EventParticipant
from ..selectors import brokering as selectors
from ..selectors import demands as demand_selectors
from ..services import brokering as services
from .brokering_forms import BrokeringForm, EventForm, ParticipantForm, StartForm, StepForm

COUNTERPARTS = {"achievement": Achievement, "expert": Expert, "organization": Organization}


def _signed_in(request):
    return ensure_login(request)


# --- records ---------------------------------------------------------------------------------------------


def brokering_list(request):
    if response := _signed_in(request):
        return response
    params = request.GET.copy()
    for key in ("page", "per_page"):
        params.pop(key, None)
    filterset = selectors.BrokeringFilterSet(params, queryset=selectors.brokering_list(request.user))
    filterset.filters["event"].queryset = BrokeringEvent.objects.restrict(request.user, VIEW)
    records = filterset.qs
    page = paginate(request, records)
    scope = scope_for(request.user)
    return render(
        request,
        "market/brokering_list.html",
        {
            "page": page,
            "filter_form": filter_form(filterset),
            "query": params.urlencode(),
            "outcome": selectors.outcome(records),
            "statuses": BrokeringStatus.choices,
            "districts": selectors.by_district(request.user, records) if scope.is_staff else None,
            "hidden_filters": ("demand", "achievement"),  # set by the links of a demand's or an achievement's page
        },
    )


def brokering_detail(request, pk):
    if response := _signed_in(request):
        return response
    b = get_or_404(selectors.brokering_get, request.user, pk)
    return _detail(request, b)


def _detail(request, b, step_form=None, edit_form=None, status=200):
    actions = allowed_actions(request.user, b)
    wf = engine.workflow()
    steps = list(selectors.brokering_steps(request.user, b))
    for s in steps:
        s.label = selectors.step_label(s)
    return render(
        request,
        "market/brokering_detail.html",
        {
            "b": b,
            "demand_visible": can(request.user, VIEW, b.demand),
            "steps": steps,
            "transitions": [t for t in wf.available(b.status, services.parties(request.user, b)) if t.name in actions],
            "step_form": step_form or (StepForm() if "step" in actions else None),
            "edit_form": edit_form or (BrokeringForm(instance=b, user=request.user) if CHANGE in actions and "step" in actions else None),
            "history": name_related(history_for(b)[:100], request.user) if may_see_history(request.user, b) else None,
        },
        status=status,
    )


@require_POST
def brokering_start(request):
    """Start a record from a demand's page: the counterpart named by kind and id (a suggestion), or an organization
    typed in the start form."""
    if response := _signed_in(request):
        return response
    demand = get_or_404(demand_selectors.demand_get, request.user, _int(request.POST.get("demand")))
    b = Brokering(demand=demand)
    if request.POST.get("id"):  # a suggestion's counterpart, by kind and id
        model = COUNTERPARTS.get(request.POST.get("kind", ""))
        if model is None:
            return HttpResponseBadRequest(_("Unknown counterpart."))
        counterpart = get_or_404(lambda user, pk: model.objects.restrict(user, VIEW).get(pk=pk), request.user, _int(request.POST.get("id")))
        setattr(b, request.POST["kind"], counterpart)
        b.note = request.POST.get("note", "")[:2000]
    else:
        form = StartForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
            return redirect("market:demand", demand.pk)
        b.organization, b.note = form.cleaned_data["organization"], form.cleaned_data["note"]
    try:
        services.brokering_save(request.user, b)
    except PermissionDenied as e:
        raise PermissionDenied(refusal_text(e)) from None
    except Refusal as e:
        messages.error(request, refusal_text(e))
        return redirect("market:demand", demand.pk)
    messages.success(request, _("Brokering started."))
    return redirect("market:brokering", b.pk)


def _int(value) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else 0


@require_POST
def brokering_edit(request, pk):
    if response := _signed_in(request):
        return response
    b = get_or_404(selectors.brokering_get, request.user, pk)
    form = BrokeringForm(request.POST, instance=b, user=request.user)
    if form.is_valid():
        saved, status = save_on_form(form, lambda: services.brokering_save(request.user, form.save(commit=False)))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("market:brokering", pk)
    else:
        status = 422
    return _detail(request, selectors.brokering_get(request.user, pk), edit_form=form, status=status)


@require_POST
def brokering_step(request, pk):
    if response := _signed_in(request):
        return response
    b = get_or_404(selectors.brokering_get, request.user, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        return _detail(request, b, step_form=form, status=422)
    data = form.cleaned_data
    saved, status = save_on_form(form, lambda: services.add_step(request.user, b, data["kind"], data["note"], data["on"]))
    if saved is None:
        return _detail(request, b, step_form=form, status=status)
    messages.success(request, _("Saved."))
    return redirect("market:brokering", pk)


@require_POST
def brokering_transition(request, pk):
    if response := _signed_in(request):
        return response
    b = get_or_404(selectors.brokering_get, request.user, pk)
    contract = request.POST.get("contract", "").strip()[:30] or None
    act(
        request,
        lambda: services.brokering_transition(
            request.user, b, request.POST.get("action", "")[:20], request.POST.get("reason", "")[:2000], contract
        ),
    )
    return redirect("market:brokering", pk)


# --- events ----------------------------------------------------------------------------------------------


def event_list(request):
    if response := _signed_in(request):
        return response
    params = request.GET.copy()
    for key in ("page", "per_page"):
        params.pop(key, None)
    filterset = selectors.EventFilterSet(params, queryset=selectors.event_list(request.user))
    page = paginate(request, filterset.qs)
    kinds = engine.event_kinds()
    page.object_list = list(page.object_list)
    for e in page.object_list:
        e.kind_label = selectors.label(kinds, e.kind)
    return render(
        request,
        "market/brokering_event_list.html",
        {"page": page, "filter_form": filter_form(filterset), "query": params.urlencode(), "may_add": _may_run_events(request.user)},
    )


def _may_run_events(user) -> bool:
    scope = scope_for(user)
    return scope.is_staff or (scope.role == "org_user" and services.is_agency(scope.organization_id))


def event_detail(request, pk, participant_form=None, status=200):
    if response := _signed_in(request):
        return response
    e = get_or_404(selectors.event_get, request.user, pk)
    may_change = can(request.user, CHANGE, e)
    records = selectors.event_brokerings(request.user, e)
    participants = list(selectors.event_participants(request.user, e))
    roles = engine.participant_roles()
    for p in participants:
        p.role_label = selectors.label(roles, p.role)
    return render(
        request,
        "market/brokering_event_detail.html",
        {
            "e": e,
            "kind_label": selectors.label(engine.event_kinds(), e.kind),
            "participants": participants,
            "records": records[:200],
            "outcome": selectors.outcome(records),
            "may_change": may_change,
            "may_delete": can(request.user, DELETE, e),
            "participant_form": participant_form or (ParticipantForm(user=request.user) if may_change else None),
            "history": name_related(history_for(e)[:100], request.user) if may_see_history(request.user, e) else None,
        },
        status=status,
    )


def _event_form(request, event: BrokeringEvent | None):
    if response := _signed_in(request):
        return response
    if not _may_run_events(request.user) or (event is not None and not can(request.user, CHANGE, event)):
        raise PermissionDenied(_("You may not do this."))
    form = EventForm(request.POST or None, instance=event or BrokeringEvent(), user=request.user)
    return form_page(
        request,
        form,
        lambda: services.event_save(request.user, form.save(commit=False)),
        lambda saved: reverse("market:brokering_event", args=[saved.pk]),
        "market/brokering_event_form.html",
        {"e": event},
    )


def event_add(request):
    return _event_form(request, None)


def event_edit(request, pk):
    if response := _signed_in(request):
        return response
    return _event_form(request, get_or_404(selectors.event_get, request.user, pk))


@require_POST
def event_delete(request, pk):
    if response := _signed_in(request):
        return response
    e = get_or_404(selectors.event_get, request.user, pk)
    try:
        services.event_delete(request.user, e)
    except Refusal as exc:
        messages.error(request, refusal_text(exc))
        return redirect("market:brokering_event", pk)
    messages.success(request, _("Deleted."))
    return redirect("market:brokering_events")


@require_POST
def participant_add(request, pk):
    if response := _signed_in(request):
        return response
    e = get_or_404(selectors.event_get, request.user, pk)
    form = ParticipantForm(request.POST, user=request.user)
    if not form.is_valid():
        return event_detail(request, pk, participant_form=form, status=422)
    data = form.cleaned_data
    saved, status = save_on_form(
        form, lambda: services.participant_save(request.user, e, data["organization"], data["role"], data["attended"])
    )
    if saved is None:
        return event_detail(request, pk, participant_form=form, status=status)
    messages.success(request, _("Saved."))
    return redirect("market:brokering_event", pk)


@require_POST
def participant_remove(request, pk, participant):
    if response := _signed_in(request):
        return response
    e = get_or_404(selectors.event_get, request.user, pk)
    row = get_or_404(lambda user, key: EventParticipant.objects.restrict(user, DELETE).get(pk=key, event=e), request.user, participant)
    services.participant_delete(request.user, row)
    messages.success(request, _("Deleted."))
    return redirect("market:brokering_event", pk)
