"""Sharing statistics of a year (per owner, the instruments most used) from the bookings the user sees, and the
owners' annual evaluation with its 存量补贴 list; the bureau computes a year from the scheme file."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from heluo.core.i18n import Bilingual
from heluo.core.permissions import scope_for
from heluo.web.views.generic import act, ensure_login

from ..engine import evaluation, rules
from ..selectors import statistics as selectors
from ..services import evaluations as services

TOP = 50


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    return year if services.FIRST_YEAR <= year <= services.LAST_YEAR else timezone.localdate().year


def statistics(request):
    if response := ensure_login(request):
        return response
    year = _year(request)
    return render(
        request,
        "instruments/statistics.html",
        {
            "year": year,
            "owners": selectors.by_owner(request.user, year),
            "instruments": selectors.by_instrument(request.user, year, limit=TOP),
            "top": TOP,
            "tab": "statistics",
        },
    )


def evaluations(request):
    if response := ensure_login(request):
        return response
    year = _year(request)
    if request.method == "POST":
        if act(request, lambda: services.evaluate_year(request.user, year), _("Evaluated from the scheme file.")):
            return redirect(f"{request.path}?year={year}")
    scheme = rules.scheme()
    rows = list(selectors.evaluation_list(request.user, year))
    for r in rows:
        r.grade_label = Bilingual(*evaluation.grade_label(scheme, r.grade))
    return render(
        request,
        "instruments/evaluations.html",
        {
            "year": year,
            "rows": rows,
            "subsidised": [r for r in rows if r.subsidy > 0],
            "scheme": scheme,
            "years": selectors.evaluation_years(request.user),
            "is_bureau": scope_for(request.user).is_bureau,
            "tab": "evaluations",
        },
    )
