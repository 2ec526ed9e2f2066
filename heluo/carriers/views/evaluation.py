"""Pages of the evaluation rounds: the list, a round with its platforms in the caller's scope (the bureau's steps),
a platform's evaluation (its figures form for the host, its experts for the bureau, its points), the expert's
marks, the public results, the reward list and the clusters' coverage."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heluo.core.i18n import is_chinese
from heluo.core.permissions import scope_for
from heluo.platforms.models import PlatformKind
from heluo.web.views.generic import act, ensure_login, get_or_404, paginate, save_on_form

from ..selectors import coverage as coverage_selectors
from ..selectors import evaluation as selectors
from ..selectors.schemes import grade_label, round_workflow, rules, schemes
from ..services import evaluation as services
from .forms import ExpertsForm, FiguresForm, MarkForm, RoundForm

KIND_LABELS = dict(PlatformKind.choices)


def _label(pair) -> str:
    return pair[0] if is_chinese() else pair[1]


def _with_grades(rows):
    """Each evaluation's grade and kind in the page's language."""
    for e in rows:
        e.grade_text = _label(grade_label(e.grade)) if e.grade else ""
        e.kind_text = KIND_LABELS.get(e.platform.kind, e.platform.kind)
    return rows


def round_list(request):
    scope = scope_for(request.user)
    form = None
    if scope.is_bureau:
        form = RoundForm(request.POST or None, kinds=list(schemes()))
        if request.method == "POST" and form.is_valid():
            saved, status = save_on_form(form, lambda: services.round_create(request.user, **form.cleaned_data))
            if saved is not None:
                messages.success(request, _("Saved."))
                return redirect("carriers:round", pk=saved.pk)
    return render(
        request,
        "carriers/round_list.html",
        {"page": paginate(request, selectors.round_list(request.user)), "form": form, "public": scope.is_public, "tab": "rounds"},
    )


def round_detail(request, pk):
    if response := ensure_login(request):
        return response
    r = get_or_404(selectors.round_get, request.user, pk)
    scope = scope_for(request.user)
    filters = {k: request.GET.get(k) for k in ("grade", "consequence", "kind")}
    qs = selectors.evaluation_list(request.user, r.pk, filters)
    steps = [(t.name, _label(t.label)) for t in round_workflow().available(r.status, {"officer"})] if scope.is_bureau else []
    page = paginate(request, qs)
    _with_grades(page.object_list)
    return render(
        request,
        "carriers/round_detail.html",
        {
            "r": r,
            "state": _label(round_workflow().state_label(r.status)),
            "page": page,
            "steps": steps,
            "is_bureau": scope.is_bureau,
            "grades": [(g.code, _label((g.zh, g.en))) for g in rules().grades],
            "kinds": [(k, KIND_LABELS.get(k, k)) for k in r.kinds],
            "filters": filters,
            "tab": "rounds",
        },
    )


@require_POST
def round_step(request, pk, transition):
    r = get_or_404(selectors.round_get, request.user, pk)
    act(request, lambda: services.round_step(request.user, r, transition))
    return redirect("carriers:round", pk=r.pk)


@require_POST
def round_publish(request, pk):
    r = get_or_404(selectors.round_get, request.user, pk)
    act(request, lambda: services.round_publish(request.user, r))
    return redirect("carriers:round", pk=r.pk)


def evaluation_detail(request, pk):
    if response := ensure_login(request):
        return response
    e = get_or_404(selectors.evaluation_get, request.user, pk)
    scheme = schemes()[e.platform.kind]
    scope = scope_for(request.user)
    reporting = selectors.may_report(request.user, e)
    figures_form = FiguresForm(request.POST or None if reporting else None, scheme=scheme, initial=e.figures) if reporting else None
    experts_form = ExpertsForm() if scope.is_bureau and scheme.needs_experts and e.round.status in ("open", "scoring") else None
    status = 200
    if request.method == "POST" and figures_form is not None:
        if figures_form.is_valid():
            saved, status = save_on_form(figures_form, lambda: services.figures_submit(request.user, e, figures_form.cleaned_data))
            if saved is not None:
                messages.success(request, _("Figures reported."))
                return redirect("carriers:evaluation", pk=e.pk)
        else:
            status = 422
    rows = [{"i": i, "figure": e.figures.get(i.code, ""), "points": e.points.get(i.code, "")} for i in scheme.indicators]
    return render(
        request,
        "carriers/evaluation_detail.html",
        {
            "e": e,
            "scheme": scheme,
            "rows": rows,
            "grade": _label(grade_label(e.grade)) if e.grade else "",
            "figures_form": figures_form,
            "experts_form": experts_form,
            "assignments": e.assignments.select_related("expert__person") if scope.is_bureau else None,
            "events": e.events.all() if scope.is_bureau or reporting else None,
            "history": e.platform.status_changes.order_by("-date", "-pk")[:10],
        },
        status=status,
    )


@require_POST
def evaluation_experts(request, pk):
    e = get_or_404(selectors.evaluation_get, request.user, pk)
    form = ExpertsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the experts."))
    else:
        act(request, lambda: services.experts_assign(request.user, e, list(form.cleaned_data["experts"])))
    return redirect("carriers:evaluation", pk=e.pk)


def my_marks(request):
    if response := ensure_login(request):
        return response
    page = paginate(request, selectors.my_assignments(request.user))
    for a in page.object_list:
        a.kind_text = KIND_LABELS.get(a.evaluation.platform.kind, "")
    return render(request, "carriers/marks.html", {"page": page, "tab": "marks"})


def mark(request, pk):
    if response := ensure_login(request):
        return response
    a = get_or_404(selectors.assignment_get, request.user, pk)
    form = MarkForm(request.POST or None, initial={"mark": a.mark, "comment": a.comment})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved, status = save_on_form(
                form, lambda: services.mark_submit(request.user, a, form.cleaned_data["mark"], form.cleaned_data["comment"])
            )
            if saved is not None:
                messages.success(request, _("Saved."))
                return redirect("carriers:my_marks")
        else:
            status = 422
    e = a.evaluation
    scheme = schemes()[e.platform.kind]
    rows = [{"i": i, "figure": e.figures.get(i.code, ""), "points": ""} for i in scheme.figures]
    return render(request, "carriers/mark.html", {"a": a, "e": e, "rows": rows, "form": form, "tab": "marks"}, status=status)


def results(request):
    round_id = request.GET.get("round")
    qs = selectors.results(int(round_id) if round_id and round_id.isdigit() else None)
    page = paginate(request, qs)
    _with_grades(page.object_list)
    return render(request, "carriers/results.html", {"page": page, "tab": "results"})


def rewards(request, pk):
    if response := ensure_login(request):
        return response
    r = get_or_404(selectors.round_get, request.user, pk)
    if scope_for(request.user).is_public:
        raise PermissionDenied
    return render(
        request, "carriers/rewards.html", {"r": r, "rows": _with_grades(list(selectors.reward_list(request.user, r.pk))), "tab": "rounds"}
    )


def coverage(request):
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else timezone.localdate().year
    rows = coverage_selectors.coverage(year)
    return render(
        request,
        "carriers/coverage.html",
        {
            "rows": rows,
            "year": year,
            "share": coverage_selectors.share(rows),
            "kinds": [(k, KIND_LABELS[k]) for k in coverage_selectors.KINDS],
            "tab": "coverage",
        },
    )
