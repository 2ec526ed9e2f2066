"""Rounds, applications, reviews and awards."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.i18n import Refusal
from heluo.core.permissions import VIEW, scope_for
from heluo.people.models import Person
from heluo.web.views.generic import act, ensure_login, get_or_404, paginate

from ..engine import programmes as rules
from ..models import ApplicationStatus, RoundStatus
from ..selectors import rounds as sel
from ..services import rounds as services
from .forms import ApplicationForm, CheckForm, DecideForm, PaymentForm, RoundForm


def round_list(request):
    scope = scope_for(request.user)
    form = RoundForm(initial={"year": timezone.localdate().year}) if scope.is_bureau else None
    return render(
        request, "talent/rounds.html", {"rounds": sel.rounds(request.user), "strands": rules.strands(), "form": form, "tab": "rounds"}
    )


@require_POST
def round_add(request):
    if response := ensure_login(request):
        return response
    form = RoundForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        programme, strand = d["strand"].split("/", 1)
        act(request, lambda: services.round_open(request.user, programme, strand, d["year"], d["opens_on"], d["closes_on"]))
    else:
        messages.error(request, _("Check the round's programme, year and dates."))
    return redirect("talent:rounds")


def round_detail(request, pk):
    r = get_or_404(sel.round_get, request.user, pk)
    scope = scope_for(request.user)
    apps = list(sel.applications(request.user, r.pk)) if request.user.is_authenticated else []
    return render(
        request,
        "talent/round.html",
        {
            "r": r,
            "quota_rows": [(c, r.quotas.get(c["code"], 0)) for c in sel.strand_of(r)["categories"]],
            "apps": apps,
            "awards": sel.awards(request.user, r.pk) if request.user.is_authenticated else [],
            "is_bureau": scope.is_bureau,
            "may_apply": r.status == RoundStatus.OPEN and (scope.is_bureau or bool(scope.organization_id)),
            "decide_form": DecideForm(),
            "in_review": [a for a in apps if a.status == ApplicationStatus.IN_REVIEW],
            "tab": "rounds",
        },
    )


@require_POST
def round_review(request, pk):
    if response := ensure_login(request):
        return response
    r = get_or_404(sel.round_get, request.user, pk)
    act(request, lambda: services.start_review(request.user, r))
    return redirect("talent:round", pk)


@require_POST
def round_decide(request, pk):
    if response := ensure_login(request):
        return response
    r = get_or_404(sel.round_get, request.user, pk)
    form = DecideForm(request.POST)
    awarded = [int(v) for v in request.POST.getlist("awarded") if v.isdigit()]
    if form.is_valid():
        act(request, lambda: services.decide(request.user, r, awarded, form.cleaned_data["starts_on"], form.cleaned_data["reason"]))
    return redirect("talent:round", pk)


def application_add(request, pk):
    if response := ensure_login(request):
        return response
    r = get_or_404(sel.round_get, request.user, pk)
    scope = scope_for(request.user)
    people = Person.objects.restrict(request.user, VIEW)
    if not scope.is_bureau:
        people = people.filter(employer_id=scope.organization_id or 0)
    form = ApplicationForm(request.POST or None, people=people, categories=sel.strand_of(r)["categories"])
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            a = services.apply(request.user, r, d["person"], d["category"], d["summary"], d["field"])
        except Refusal as e:
            form.add_error(e.field if e.field in form.fields else None, e.text)
            status = e.status
        else:
            return redirect("talent:application", a.pk)
    elif request.method == "POST":
        status = 422
    return render(request, "talent/application_form.html", {"r": r, "form": form, "tab": "rounds"}, status=status)


def application_detail(request, pk):
    if response := ensure_login(request):
        return response
    a = get_or_404(sel.application_get, request.user, pk)
    rows = sel.awards(request.user, a.round_id)
    award = next((row for row in rows if row.award.application_id == a.pk), None)
    return render(
        request,
        "talent/application.html",
        {
            "a": a,
            "reviews": sel.reviews_of(request.user, a),
            "award": award,
            "payments": award.award.payments.all() if award else [],
            "checks": award.award.checks.all() if award else [],
            "events": sel.events(request.user, application=a),
            "is_bureau": scope_for(request.user).is_bureau,
            "pay_form": PaymentForm(),
            "check_form": CheckForm(),
            "tab": "rounds",
        },
    )


@require_POST
def application_withdraw(request, pk):
    if response := ensure_login(request):
        return response
    a = get_or_404(sel.application_get, request.user, pk)
    act(request, lambda: services.withdraw(request.user, a, request.POST.get("reason", "")))
    return redirect("talent:application", pk)


@require_POST
def award_pay(request, pk):
    if response := ensure_login(request):
        return response
    award = get_or_404(sel.award_get, request.user, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        act(request, lambda: services.pay(request.user, award, d["amount"], d["paid_on"], d["note"]))
    return redirect("talent:application", award.application_id)


@require_POST
def award_check(request, pk):
    if response := ensure_login(request):
        return response
    award = get_or_404(sel.award_get, request.user, pk)
    form = CheckForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        act(request, lambda: services.check_service(request.user, award, d["year"], d["in_service"], d["note"]))
    return redirect("talent:application", award.application_id)


def my_reviews(request):
    if response := ensure_login(request):
        return response
    return render(request, "talent/reviews.html", {"page": paginate(request, sel.my_reviews(request.user)), "tab": "reviews"})


def review_sheet(request, pk):
    if response := ensure_login(request):
        return response
    review = get_or_404(lambda user, pk: sel.my_reviews(user).get(pk=pk), request.user, pk)
    criteria = rules.review_settings()["rubric"]["criteria"]
    if request.method == "POST":
        marks = {
            c["code"]: {"value": request.POST.get(c["code"], ""), "comment": request.POST.get(f"{c['code']}-comment", "")} for c in criteria
        }
        if act(request, lambda: services.submit_review(request.user, review, marks)):
            return redirect(reverse("talent:reviews"))
    return render(request, "talent/review.html", {"review": review, "criteria": criteria, "tab": "reviews"})
