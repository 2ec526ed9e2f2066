"""Pages of 揭榜挂帅 / 赛马制 challenges: the public reads published ones and their awards; the bureau compiles an entry
from enterprises' public demands, publishes, closes, reviews bids, awards and decides a race's checkpoint; an
organization bids and follows its own bids. Writes through services.challenges."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heluo.core.models import Role
from heluo.core.permissions import VIEW, scope_for
from heluo.people.models import Person
from heluo.web.forms import BootstrapMixin, WanField
from heluo.web.views.generic import act, ensure_login, form_page, get_or_404, paginate, save_on_form

from ..models import BidStatus, ChallengeMode, ChallengeStatus
from ..selectors import challenges as selectors
from ..services import challenges as services
from ..services.calls import BUDGET_MAX, bureau_only

DATE = forms.DateInput(attrs={"type": "date"})


class ChallengeForm(BootstrapMixin, forms.Form):
    demands = forms.TypedMultipleChoiceField(label=gettext_lazy("Source demands"), coerce=int)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    problem = forms.CharField(label=gettext_lazy("The technical problem"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    indicators = forms.CharField(label=gettext_lazy("Indicators to reach"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    budget = WanField(label=gettext_lazy("Budget (万元)"), required=True, min_value=Decimal("0.01"), max_value=BUDGET_MAX / 10000)
    deadline = forms.DateField(label=gettext_lazy("Deadline"), widget=DATE)
    mode = forms.ChoiceField(label=gettext_lazy("Mode"), choices=ChallengeMode.choices)
    checkpoint_on = forms.DateField(label=gettext_lazy("Checkpoint (赛马制)"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demands"].choices = selectors.public_demand_choices()


class BidForm(BootstrapMixin, forms.Form):
    leader = forms.ModelChoiceField(label=gettext_lazy("Team leader"), queryset=Person.objects.none())
    plan = forms.CharField(label=gettext_lazy("Plan"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6}))
    requested = WanField(
        label=gettext_lazy("Amount requested (万元)"), required=True, min_value=Decimal("0.01"), max_value=BUDGET_MAX / 10000
    )

    def __init__(self, *args, organization_id, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = Person.objects.restrict(user, VIEW).filter(employer_id=organization_id).order_by("name", "pk")


def challenge_list(request):
    return render(
        request,
        "projects/challenge_list.html",
        {"page": paginate(request, selectors.challenge_list(request.user)), "is_bureau": scope_for(request.user).is_bureau},
    )


def challenge_detail(request, pk):
    c = get_or_404(selectors.challenge_get, request.user, pk)
    scope = scope_for(request.user)
    bids = list(selectors.bid_list(request.user, c)) if not scope.is_public else []
    award = selectors.award_of(request.user, c)
    visible = selectors.award_projects(request.user, c) if award and not scope.is_public else {}
    projects = [(b, visible[b.pk]) for b in award.bids.all() if b.pk in visible] if award else []
    return render(
        request,
        "projects/challenge_detail.html",
        {
            "c": c,
            "bids": bids,
            "award": award,
            "projects": projects,
            "events": selectors.challenge_events(request.user, c),
            "is_bureau": scope.is_bureau,
            "may_bid": scope.role == Role.ORG_USER
            and c.status == ChallengeStatus.PUBLISHED
            and not any(b.organization_id == scope.organization_id for b in bids),
            "shortlisted": [b for b in bids if b.status == BidStatus.SHORTLISTED],
            "racing": [b for b in bids if b.status == BidStatus.AWARDED] if c.mode == ChallengeMode.RACE else [],
        },
    )


def challenge_add(request):
    if response := ensure_login(request):
        return response
    bureau_only(request.user)
    form, status = ChallengeForm(request.POST or None), 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        saved, status = save_on_form(form, lambda: services.compile_challenge(request.user, data.pop("demands"), **data))
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("projects:challenge", saved.pk)
    elif request.method == "POST":
        status = 422
    return render(request, "projects/challenge_form.html", {"form": form, "title": _("New challenge")}, status=status)


@require_POST
def challenge_status(request, pk, status):
    if response := ensure_login(request):
        return response
    c = get_or_404(selectors.challenge_get, request.user, pk)
    act(request, lambda: services.challenge_status(request.user, c, status))
    return redirect("projects:challenge", pk)


def bid_add(request, pk):
    if response := ensure_login(request):
        return response
    c = get_or_404(selectors.challenge_get, request.user, pk)
    scope = scope_for(request.user)
    form = BidForm(request.POST or None, organization_id=scope.organization_id, user=request.user)

    def save():
        data = form.cleaned_data
        return services.bid(request.user, c, leader=data["leader"], plan=data["plan"], requested=data["requested"])

    return form_page(
        request,
        form,
        save,
        lambda saved: reverse("projects:challenge", args=[pk]),
        "projects/challenge_form.html",
        {"c": c, "title": _("Bid for the challenge")},
        _("Bid submitted."),
    )


@require_POST
def bid_review(request, pk):
    if response := ensure_login(request):
        return response
    b = get_or_404(selectors.bid_get, request.user, pk)
    act(request, lambda: services.review_bid(request.user, b, request.POST.get("status", ""), request.POST.get("reason", "")))
    return redirect("projects:challenge", b.challenge_id)


def _bids(request, c, names):
    ids = [int(v) for v in request.POST.getlist(names) if v.isdigit()][:2]
    return [b for b in selectors.bid_list(request.user, c) if b.pk in ids]


@require_POST
def challenge_award(request, pk):
    if response := ensure_login(request):
        return response
    c = get_or_404(selectors.challenge_get, request.user, pk)
    act(request, lambda: services.award(request.user, c, _bids(request, c, "bids"), request.POST.get("reason", "")))
    return redirect("projects:challenge", pk)


@require_POST
def challenge_checkpoint(request, pk):
    if response := ensure_login(request):
        return response
    c = get_or_404(selectors.challenge_get, request.user, pk)
    keep = _bids(request, c, "keep")
    if not keep:
        messages.error(request, _("Choose the team that continues."))
    else:
        act(request, lambda: services.checkpoint(request.user, c, keep[0], request.POST.get("reason", "")))
    return redirect("projects:challenge", pk)
