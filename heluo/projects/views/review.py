"""Pages of the review round (issue 13): the bureau's round page per call (rubric, conflicts, assignment, declines,
progress, results, the funding proposal with the youth quota, decisions and the panel's record); an expert's reviews
and its sheet for one assignment (decline, declare a conflict); an applicant's 回避 request. Reads through the
selectors (scoped), writes through services.review: an expert reaches only its own assignments (404 otherwise)."""

from __future__ import annotations

from collections import Counter, defaultdict

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heluo.core.i18n import Bilingual, Refusal, is_chinese
from heluo.core.models import Role
from heluo.core.permissions import scope_for
from heluo.people.models import Expert
from heluo.web.views.generic import act, ensure_login, get_or_404

from ..models import AggregationMethod, ApplicationStatus, AssignmentStatus
from ..selectors import applications as app_selectors
from ..selectors import avoidance as avoidance_selectors
from ..selectors import review as selectors
from ..services import review as services
from ..services.calls import bureau_only
from .applications import _answers, _budget
from .forms import AvoidanceForm, PlainForm, ReasonForm

CONFLICT_KINDS = {  # engine.conflicts' kinds, as the round page counts them
    "same_employer": gettext_lazy("Same employer"),
    "partner_employer": gettext_lazy("Employer is a partner"),
    "own_proposal": gettext_lazy("On the proposal's team"),
    "applicant_in_call": gettext_lazy("Applies in the same call"),
    "co_applicant": gettext_lazy("Recent co-applicant"),
    "co_author": gettext_lazy("Recent co-author"),
    "declared_by_expert": gettext_lazy("Declared by the expert"),
    "requested_by_applicant": gettext_lazy("Avoidance requested by the applicant"),
}


class AssignForm(PlainForm):
    k = forms.IntegerField(label=gettext_lazy("Reviewers per proposal"), min_value=1, max_value=15)
    min_load = forms.IntegerField(label=gettext_lazy("Minimum load"), min_value=0, max_value=1000, initial=0)
    max_load = forms.IntegerField(label=gettext_lazy("Maximum load"), min_value=1, max_value=1000, required=False)
    one_per_employer = forms.BooleanField(label=gettext_lazy("At most one reviewer per employer"), required=False, initial=True)


class PanelForm(PlainForm):
    held_on = forms.DateField(label=gettext_lazy("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=gettext_lazy("Minutes"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000, required=False)


def _refused(request, zh: str, en: str, back: str, status: int = 422):
    """Bad input: a 4xx page with the bilingual reason and the way back."""
    return render(request, "projects/review_refused.html", {"reason": Bilingual(zh, en), "back": back}, status=status)


def _round_url(call) -> str:
    return reverse("projects:review_round", args=[call.pk])


def _call(request, pk):
    call = get_or_404(app_selectors.call_get, request.user, pk)
    bureau_only(request.user)
    return call


def _label(c) -> str:
    return c.zh if is_chinese() else c.en


# --- the bureau's round page ----------------------------------------------------------------------------------


def _assignments(user, call):
    rows = list(selectors.assignment_list(user, call).order_by("application_id", "-affinity", "pk"))
    by_app, loads = defaultdict(list), defaultdict(int)
    for a in rows:
        if a.status != AssignmentStatus.DECLINED:
            by_app[a.application_id].append(a)
            loads[a.expert] += 1
    declined = [a for a in rows if a.status == AssignmentStatus.DECLINED]
    return by_app, sorted(loads.items(), key=lambda kv: (-kv[1], kv[0].pk)), declined


def review_round(request, pk):
    if response := ensure_login(request):
        return response
    call = _call(request, pk)
    report = services.conflicts(request.user, call)
    apps = {a.pk: a for a in app_selectors.application_list(request.user).filter(call=call).exclude(status=ApplicationStatus.DRAFT)}
    experts = {str(e.pk): e for e in Expert.objects.filter(pk__in={int(e) for _a, e in report.conflicts}).select_related("person")}
    conflicts = [
        (apps.get(int(p)), experts.get(e), [_label(c) for c in cs])
        for (p, e), cs in sorted(report.conflicts.items(), key=lambda kv: (int(kv[0][0]), int(kv[0][1])))
    ]
    by_app, loads, declined = _assignments(request.user, call)
    expected = sum(len(v) for v in by_app.values())
    submitted = sum(1 for v in by_app.values() for a in v if a.status == AssignmentStatus.SUBMITTED)
    results = selectors.results(call)
    names = {str(e.pk): e.person.name for e in Expert.objects.filter(review_assignments__call=call).select_related("person").distinct()}
    reviewed = [a for a in apps.values() if a.status == ApplicationStatus.REVIEWED]
    proposed = set(results.plan.funded) if results.plan else set()
    return render(
        request,
        "projects/review_round.html",
        {
            "c": call,
            "rubric": selectors.rubric_of(call),
            "method": AggregationMethod(selectors.method_of(call)).label,
            "conflicts": conflicts,
            "conflict_counts": [
                (CONFLICT_KINDS.get(k, k), n) for k, n in Counter(c.kind for cs in report.conflicts.values() for c in cs).most_common()
            ],
            "debarred": [(experts.get(e) or e, why) for e, why in report.debarred.items()],
            "avoidance": avoidance_selectors.matched(avoidance_selectors.requests(application__call=call).select_related("application")),
            "assign_form": AssignForm(initial={"k": call.reviewers_per_proposal, "min_load": 0, "one_per_employer": True}),
            "round_apps": [
                (a, by_app.get(a.pk, [])) for a in apps.values() if a.status in (*selectors.IN_ROUND, ApplicationStatus.REVIEWED)
            ],
            "loads": loads,
            "declined": declined,
            "expected": expected,
            "submitted": submitted,
            "results": results,
            "result_rows": [
                (r, k, sorted((names.get(e, e), s) for e, s in r.scores.items())) for r, k in zip(results.rows, results.ranking)
            ],
            "reviewers": [(names.get(d.reviewer_id, d.reviewer_id), d) for d in results.reviewers],
            "proposal": [(apps.get(int(d.proposal_id)), d) for d in (results.plan.decisions if results.plan else ())],
            "reviewed": [(a, str(a.pk) in proposed) for a in reviewed],
            "panel_form": PanelForm(),
            "panels": list(call.review_panels.order_by("-held_on", "-pk")),
        },
    )


@require_POST
def assign(request, pk):
    if response := ensure_login(request):
        return response
    call = _call(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _refused(request, "分配参数不正确", "The assignment's parameters are not valid.", _round_url(call))
    d = form.cleaned_data
    act(
        request,
        lambda: services.assign(request.user, call, d["k"], d["min_load"], d["max_load"], d["one_per_employer"]),
        _("Reviewers assigned."),
    )
    return redirect("projects:review_round", call.pk)


@require_POST
def reassign(request, pk):
    if response := ensure_login(request):
        return response
    a = get_or_404(selectors.assignment_get, request.user, pk)
    bureau_only(request.user)
    act(request, lambda: services.reassign(request.user, a), _("Reassigned."))
    return redirect("projects:review_round", a.call_id)


@require_POST
def finish(request, pk):
    if response := ensure_login(request):
        return response
    call = _call(request, pk)
    act(request, lambda: services.finish_review(request.user, call), _("The review is finished where every sheet is in."))
    return redirect("projects:review_round", call.pk)


def _ids(values) -> list[int] | None:
    if len(values) > 5000 or not all(v.isdigit() and len(v) < 19 for v in values):
        return None
    return [int(v) for v in values]


@require_POST
def decide(request, pk):
    if response := ensure_login(request):
        return response
    call = _call(request, pk)
    funded = _ids(request.POST.getlist("funded"))
    if funded is None:
        return _refused(request, "立项项目的编号不正确", "The funded applications are not valid ids.", _round_url(call))
    reasons = {}
    for key, value in request.POST.items():
        if key.startswith("reason_") and key[7:].isdigit() and len(key) < 27 and value.strip():
            reasons[int(key[7:])] = value.strip()[: services.MAX_REASON]

    def run():
        d = services.decide(request.user, call, funded, reasons)
        if d.quota is not None:
            messages.warning(request, str(Bilingual(d.quota.zh, d.quota.en)))

    act(request, run, _("Decided."))
    return redirect("projects:review_round", call.pk)


@require_POST
def panel(request, pk):
    if response := ensure_login(request):
        return response
    call = _call(request, pk)
    form = PanelForm(request.POST)
    if not form.is_valid():
        return _refused(request, "会评日期不正确", "The meeting's date is not valid.", _round_url(call))
    act(request, lambda: services.panel_record(request.user, call, form.cleaned_data["held_on"], form.cleaned_data["note"]), _("Saved."))
    return redirect("projects:review_round", call.pk)


# --- the expert's pages ---------------------------------------------------------------------------------------


def _expert_only(user):
    if scope_for(user).role != Role.EXPERT:
        raise PermissionDenied(Bilingual("仅限专家", "For experts only.").both)


def my_reviews(request):
    if response := ensure_login(request):
        return response
    _expert_only(request.user)
    rows = selectors.assignment_list(request.user).order_by("-assigned_at", "-pk")
    return render(request, "projects/review_list.html", {"rows": rows[:500]})


def _sheet_fields(rubric, post=None, sheet=None) -> list[dict]:
    marks = sheet.marks if sheet else {}
    out = []
    for c in rubric.criteria:
        given = marks.get(c.code, {})
        out.append(
            {
                "code": c.code,
                "label": _label(c),
                "weight": c.weight,
                "low": c.low,
                "high": c.high,
                "step": c.step,
                "comment_below": c.comment_below,
                "value": (post.get(f"mark_{c.code}", "") if post else given.get("value", ""))[:20],
                "comment": (post.get(f"comment_{c.code}", "") if post else given.get("comment", ""))[: services.MAX_COMMENTS],
            }
        )
    return out


def review_page(request, pk):
    if response := ensure_login(request):
        return response
    _expert_only(request.user)
    a = get_or_404(selectors.assignment_get, request.user, pk)
    rubric = selectors.rubric_of(a.call)
    post = request.POST if request.method == "POST" else None
    status, problems = 200, []
    if post is not None:
        marks = {f["code"]: {"value": f["value"], "comment": f["comment"]} for f in _sheet_fields(rubric, post)}
        comments = post.get("comments", "")[: services.MAX_COMMENTS + 1]
        try:
            services.submit_sheet(request.user, a, marks, comments)
        except Refusal as e:
            status, problems = e.status, [str(e.reason)]
        else:
            messages.success(request, _("The review sheet is submitted."))
            return redirect("projects:review", a.pk)
    app = a.application
    try:  # the content only while the platform's rule lets the expert see the application (in review)
        app_selectors.application_get(request.user, app.pk)
        shown = True
    except ObjectDoesNotExist:
        shown = False
    spec = app_selectors.form_of(a.call)
    budget_rows, budget_total = _budget(app, spec) if shown else ([], 0)
    sheet = selectors.sheet_list(request.user).filter(assignment=a).first()
    return render(
        request,
        "projects/review_sheet.html",
        {
            "x": a,
            "app": app,
            "shown": shown,
            "sections": _answers(app, spec) if shown else [],
            "budget_rows": budget_rows,
            "budget_total": budget_total,
            "fields": _sheet_fields(rubric, post, sheet),
            "comments": post.get("comments", "")[: services.MAX_COMMENTS] if post else (sheet.comments if sheet else ""),
            "sheet": sheet,
            "open": a.status == AssignmentStatus.ASSIGNED and app.status == ApplicationStatus.IN_REVIEW,
            "problems": problems,
        },
        status=status,
    )


@require_POST
def review_decline(request, pk):
    if response := ensure_login(request):
        return response
    _expert_only(request.user)
    a = get_or_404(selectors.assignment_get, request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _refused(request, "请填写理由", "A reason is required.", reverse("projects:review", args=[a.pk]))
    act(request, lambda: services.decline(request.user, a, form.cleaned_data["reason"]), _("Declined."))
    return redirect("projects:my_reviews")


@require_POST
def review_conflict(request, pk):
    if response := ensure_login(request):
        return response
    _expert_only(request.user)
    a = get_or_404(selectors.assignment_get, request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _refused(request, "请填写理由", "A reason is required.", reverse("projects:review", args=[a.pk]))
    act(
        request,
        lambda: services.declare_conflict(request.user, form.cleaned_data["reason"], application=a.application),
        _("The conflict is declared: the bureau will reassign this review."),
    )
    return redirect("projects:review", a.pk)


# --- the applicant's 回避 request --------------------------------------------------------------------------------


@require_POST
def avoidance(request, pk):
    """The person named as the applicant knows them (name and employer): recorded and answered alike whether or not
    the pool holds such an expert (the bureau matches it)."""
    if response := ensure_login(request):
        return response
    app = get_or_404(app_selectors.application_get, request.user, pk)
    form = AvoidanceForm(request.POST)
    if not form.is_valid():
        return _refused(
            request,
            "请填写专家姓名、工作单位和理由",
            "Give the expert's name, employer and a reason.",
            reverse("projects:application", args=[app.pk]),
        )
    d = form.cleaned_data
    act(
        request,
        lambda: services.request_avoidance(request.user, app, d["name"], d["employer"], d["reason"]),
        _("The avoidance request is recorded."),
    )
    return redirect("projects:application", app.pk)
