"""Pages of the mentors: the pool (signed-in users), a mentor's page (profile kept by the mentor or the bureau; its
pairings and sessions as the user may see them), pairing a mentor with a firm, the sessions (a mentor's or a firm's
own, logged and reported by each side), and the 导师县区行、园区行 events."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.i18n import Refusal
from heluo.core.permissions import scope_for
from heluo.geo.models import Area
from heluo.orgs.models import Organization
from heluo.platforms.models import Platform
from heluo.web.views.generic import act, ensure_login, form_page, get_or_404, paginate

from ..models import MentorEvent
from ..selectors import chain as chain_selectors
from ..selectors import mentors as selectors
from ..services import mentors as services
from . import forms


def mentor_list(request):
    if response := ensure_login(request):
        return response
    available = request.GET.get("available") == "1"
    return render(
        request,
        "incubation/mentors.html",
        {
            "page": paginate(request, selectors.mentor_list(request.user, available)),
            "available": available,
            "query": "available=1" if available else "",
        },
    )


def mentor_detail(request, pk):
    if response := ensure_login(request):
        return response
    m = get_or_404(selectors.mentor_get, request.user, pk)
    profile = selectors.profile_of(m)
    scope = scope_for(request.user)
    may_edit = scope.is_bureau or (scope.person_id is not None and scope.person_id == m.person_id)
    initial = {"experience_years": 0, "hours_per_month": 0}
    if profile:
        initial = {k: getattr(profile, k) for k in ("experience_years", "experience", "availability", "hours_per_month")}
    return render(
        request,
        "incubation/mentor.html",
        {
            "m": m,
            "profile": profile,
            "pairings": selectors.pairing_list(request.user, mentor=m),
            "may_edit": may_edit,
            "form": forms.ProfileForm(initial=initial),
        },
    )


@require_POST
def mentor_profile(request, pk):
    if response := ensure_login(request):
        return response
    m = get_or_404(selectors.mentor_get, request.user, pk)
    form = forms.ProfileForm(request.POST)
    if form.is_valid():
        profile = selectors.profile_of(m)
        keep = {
            "hitech_fields": list(profile.hitech_fields.all()) if profile else [],
            "industries": list(profile.industries.all()) if profile else [],
        }
        act(request, lambda: services.save_profile(request.user, m, **form.cleaned_data, **keep), _("Saved."))
    else:
        messages.error(request, _("Check the profile's fields."))
    return redirect("incubation:mentor", pk)


@require_POST
def pair(request, pk):
    if response := ensure_login(request):
        return response
    inc = get_or_404(chain_selectors.incubation_get, request.user, pk)
    form = forms.PairForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        mentor = selectors.mentor_list(request.user).filter(pk=d["mentor"]).first()
        if mentor is None:
            messages.error(request, _("No such mentor."))
        else:
            act(request, lambda: services.pair(request.user, mentor, inc, d["started_on"], d["reason"]), _("Paired."))
    else:
        messages.error(request, _("Check the pairing's fields."))
    return redirect("incubation:incubation", pk)


def session_list(request):
    """A mentor's, a firm's or (staff, a host) the visible sessions, with forms for the user's own side."""
    if response := ensure_login(request):
        return response
    pairings = list(selectors.pairing_list(request.user).filter(ended_on__isnull=True)[:100])
    mine = [p for p in pairings if services.side_of(request.user, p)]
    page = paginate(request, selectors.session_list(request.user))
    for s in page.object_list:
        side = services.side_of(request.user, s.pairing)
        s.may_report = side is not None and side not in {r.side for r in s.reports.all()}
    return render(
        request, "incubation/sessions.html", {"page": page, "mine": mine, "form": forms.SessionForm(), "report_form": forms.ReportForm()}
    )


@require_POST
def session_add(request, pk):
    if response := ensure_login(request):
        return response
    p = get_or_404(selectors.pairing_get, request.user, pk)
    form = forms.SessionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        act(
            request,
            lambda: services.log_session(request.user, p, d["held_on"], d["hours"], d["topic"], d["outcome"], d["rating"]),
            _("Logged."),
        )
    else:
        messages.error(request, _("Check the session's fields."))
    return redirect("incubation:sessions")


@require_POST
def session_report(request, pk):
    if response := ensure_login(request):
        return response
    s = get_or_404(selectors.session_get, request.user, pk)
    form = forms.ReportForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        act(request, lambda: services.report(request.user, s, d["outcome"], d["rating"]), _("Reported."))
    else:
        messages.error(request, _("Check the report's fields."))
    return redirect("incubation:sessions")


def event_list(request):
    kind = request.GET.get("kind") or None
    kind = kind if kind in MentorEvent.Kind.values else None
    return render(
        request,
        "incubation/events.html",
        {
            "page": paginate(request, selectors.event_list(request.user, kind)),
            "kind": kind,
            "kinds": MentorEvent.Kind.choices,
            "may_add": scope_for(request.user).is_staff,
            "query": f"kind={kind}" if kind else "",
        },
    )


def event_detail(request, pk):
    e = get_or_404(selectors.event_get, request.user, pk)
    return render(request, "incubation/event.html", {"e": e})


def event_add(request):
    if response := ensure_login(request):
        return response
    if not scope_for(request.user).is_staff:
        raise PermissionDenied
    form = forms.EventForm(request.POST or None)

    def save():
        d = form.cleaned_data
        area = Area.objects.filter(code=d["area"].strip()).first()
        if area is None:
            raise Refusal("unknown_area", f"未知的行政区划代码：{d['area']}", f"Unknown area code: {d['area']}", 422, "area")
        park = Platform.objects.restrict(request.user).filter(pk=d["park"]).first() if d["park"] else None
        firms = list(Organization.objects.restrict(request.user).filter(pk__in=d["firms"]))
        if len(firms) != len(d["firms"]):
            raise Refusal("unknown_firm", "有未知的企业", "Unknown firm.", 422, "firms")
        return services.save_event(
            request.user,
            kind=d["kind"],
            title=d["title"],
            area=area,
            held_on=d["held_on"],
            park=park,
            summary=d["summary"],
            mentors=services.visible_mentors(request.user, d["mentors"]),
            firms=firms,
        )

    return form_page(
        request, form, save, lambda e: reverse("incubation:event", args=[e.pk]), "incubation/form.html", {"title": _("New mentor event")}
    )
