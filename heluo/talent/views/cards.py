"""Talents on record, cards and their uses, the enterprises' needs and a person's own record."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.i18n import Refusal
from heluo.core.permissions import scope_for
from heluo.web.views.generic import act, ensure_login, get_or_404, paginate

from ..engine import programmes as rules
from ..models import Card, SkillNeed
from ..selectors import cards as sel
from ..selectors import map as map_sel
from ..selectors import rounds as round_sel
from ..services import cards as services
from ..services import records
from .forms import NeedForm, OwnRecordForm, UseForm


def talent_list(request):
    if response := ensure_login(request):
        return response
    return render(
        request,
        "talent/talents.html",
        {"page": paginate(request, sel.talents(request.user)), "is_bureau": scope_for(request.user).is_bureau, "tab": "talents"},
    )


@require_POST
def card_issue(request, pk):
    if response := ensure_login(request):
        return response
    talent = get_or_404(sel.talent_get, request.user, pk)
    act(request, lambda: services.card_issue(request.user, talent, timezone.localdate()))
    return redirect("talent:talents")


def card_list(request):
    if response := ensure_login(request):
        return response
    scope = scope_for(request.user)
    return render(
        request,
        "talent/cards.html",
        {
            "page": paginate(request, sel.cards(request.user)),
            "levels": rules.card_levels(),
            "services": rules.card_services(),
            "use_form": UseForm(initial={"used_on": timezone.localdate()}),
            "may_record": scope.is_bureau or bool(scope.organization_id),
            "tab": "cards",
        },
    )


def card_detail(request, pk):
    if response := ensure_login(request):
        return response
    card = get_or_404(sel.card_get, request.user, pk)
    return render(
        request,
        "talent/card.html",
        {
            "card": card,
            "services": sel.services_of(card),
            "valid": card.valid_on(timezone.localdate()),
            "uses": sel.uses(request.user, card.pk),
            "events": round_sel.events(request.user, card=card),
            "is_bureau": scope_for(request.user).is_bureau,
            "tab": "cards",
        },
    )


@require_POST
def card_revoke(request, pk):
    if response := ensure_login(request):
        return response
    card = get_or_404(sel.card_get, request.user, pk)
    act(request, lambda: services.card_revoke(request.user, card, timezone.localdate(), request.POST.get("reason", "")))
    return redirect("talent:card", pk)


@require_POST
def use_record(request):
    """A provider or the bureau records a use by the card's number."""
    if response := ensure_login(request):
        return response
    form = UseForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        card = Card.objects.filter(number=d["number"].strip()).first()
        if card is None:
            messages.error(request, Refusal("unknown_card", "未知的卡号", "unknown card number", 422, "number").text)
        else:
            act(request, lambda: services.use_record(request.user, card, d["service"], d["used_on"], d["note"]))
    return redirect("talent:cards")


def map_page(request):
    if response := ensure_login(request):
        return response
    among = map_sel.districts()
    rows = map_sel.district_counts(request.user, among)
    chart = {
        "data": [{"name": d.code, "label": d.name, "value": n} for d, n in rows if d.on_map],
        "geojson": reverse("plan:geojson", args=[settings.HELUO_CITY]),
        "filename": "talent-map",
        "labels": {"value": _("Talents"), "save": _("Save as image")},
    }
    tables = map_sel.tables(request.user, among)
    labels = {"cluster": _("By cluster"), "field": _("By field"), "level": _("By level"), "age": _("By age band"), "area": _("By district")}
    dimensions = [(labels[k], tables[k]) for k in ("level", "age", "field", "cluster")]
    return render(request, "talent/map.html", {"rows": rows, "dimensions": dimensions, "chart": chart, "tab": "map"})


def shortage_page(request):
    if response := ensure_login(request):
        return response
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else timezone.localdate().year
    scope = scope_for(request.user)
    return render(
        request,
        "talent/shortage.html",
        {
            "year": year,
            "lines": map_sel.shortage(request.user, year),
            "needs": sel.needs(request.user, year),
            "need_form": NeedForm(initial={"year": year}) if scope.organization_id else None,
            "tab": "shortage",
        },
    )


@require_POST
def need_add(request):
    if response := ensure_login(request):
        return response
    form = NeedForm(request.POST)
    scope = scope_for(request.user)
    if form.is_valid():
        need = SkillNeed(organization_id=scope.organization_id, **form.cleaned_data)
        act(request, lambda: services.need_save(request.user, need))
    return redirect(f"{reverse('talent:shortage')}?year={form.cleaned_data.get('year', '') if form.is_valid() else ''}")


def own_record(request):
    """A person-linked account: its own record, talent entry, applications and card, and corrections."""
    if response := ensure_login(request):
        return response
    person = records.own_person(request.user)  # PermissionDenied: a 403 with the reason
    form = OwnRecordForm(request.POST or None, instance=person)
    status = 200
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in form.changed_data if k != "reason"}
        try:
            records.correct_own(request.user, changes, form.cleaned_data["reason"])
        except Refusal as e:
            form.add_error(None, e.text)
            status = e.status
        else:
            return redirect("talent:me")
    return render(
        request,
        "talent/me.html",
        {
            "person": person,
            "form": form,
            "applications": round_sel.applications(request.user).filter(person=person),
            "cards": sel.cards(request.user).filter(talent__person=person),
            "events": round_sel.events(request.user, person=person)[:50],
            "tab": "me",
        },
        status=status,
    )
